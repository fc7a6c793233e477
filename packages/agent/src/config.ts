/**
 * The node agent's config file: which job types this node serves, at what prices, with which models,
 * and the measured benchmark of its GPUs. JSON, validated here with messages that name the field.
 * The models attested are the ones the agent finds installed (src/models/detect.ts) unless
 * `detect_models` is false, plus the config's own lists and `models.add`, minus `models.remove`.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { canonicalModel } from './models/catalog.js';
import { JOB_TYPES, MAX_AMOUNT_URTC, MODEL_LIST_FIELD, PRICE_FIELD, type JobType } from './protocol/index.js';

/** The `prices` key that quotes each job type, as the market's attestation schema names it. */
export { PRICE_FIELD };

type ModelField = (typeof MODEL_LIST_FIELD)[keyof typeof MODEL_LIST_FIELD];
const MODEL_FIELDS = Object.entries(MODEL_LIST_FIELD) as Array<[JobType, ModelField]>;

const urtcPrice = z
  .string({ error: 'must be a string of digits (µRTC), e.g. "250000"' })
  .regex(/^[1-9]\d{0,18}$/, 'must be a positive whole number of µRTC written as a string of digits, e.g. "250000"')
  .refine((v) => !/^\d+$/.test(v) || BigInt(v) <= MAX_AMOUNT_URTC, 'exceeds the RTC supply cap of 8388608 RTC');

const modelList = z
  .array(z.string().trim().min(1, 'a model name cannot be empty').max(200), { error: 'must be a list of model names' })
  .min(1, 'list at least one model, or leave the field out')
  .refine((list) => new Set(list).size === list.length, 'lists a model twice');

const modelFolder = z
  .string({ error: 'must be a folder path' })
  .regex(/^(\/|~\/|[A-Za-z]:[\\/])/, 'must be an absolute path (or start with ~/)')
  .max(1000);

const tflops = z
  .number({ error: 'must be a number (measured dense FP32 TFLOPS)' })
  .positive('must be greater than zero (measured dense FP32 TFLOPS)')
  .max(10_000, 'is not a plausible TFLOPS figure');

export const agentConfigSchema = z
  .strictObject(
    {
      job_types: z
        .array(z.enum(JOB_TYPES, { error: 'must be one of render, tts, stt, llm' }), {
          error: 'must be a list of job types',
        })
        .min(1, 'serve at least one job type')
        .refine((list) => new Set(list).size === list.length, 'lists a job type twice'),
      tts_models: modelList.optional(),
      stt_models: modelList.optional(),
      llm_models: modelList.optional(),
      detect_models: z.boolean({ error: 'must be true or false' }).optional(),
      model_dirs: z
        .array(modelFolder, { error: 'must be a list of folders' })
        .max(32, 'list at most 32 folders')
        .optional(),
      models: z
        .strictObject(
          { add: modelList.optional(), remove: modelList.optional() },
          { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object { add, remove }' : undefined) },
        )
        .optional(),
      prices: z.strictObject(
        {
          render_minute_urtc: urtcPrice.optional(),
          tts_1k_chars_urtc: urtcPrice.optional(),
          stt_minute_urtc: urtcPrice.optional(),
          llm_1k_tokens_urtc: urtcPrice.optional(),
        },
        { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object of µRTC prices' : undefined) },
      ),
      benchmark_score: tflops.optional(),
      benchmark_scores: z.record(z.string().min(1), tflops, { error: 'must map GPU uuids to TFLOPS' }).optional(),
      interval_s: z
        .number({ error: 'must be a whole number of seconds' })
        .int('must be a whole number of seconds')
        .min(10, 'must be at least 10 seconds')
        .max(86_400, 'must be at most 86400 seconds (one day)')
        .optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'the config must be a JSON object' : undefined) },
  )
  .superRefine((config, ctx) => {
    for (const jobType of JOB_TYPES) {
      const priceField = PRICE_FIELD[jobType];
      const served = config.job_types.includes(jobType);
      const price = config.prices[priceField];
      if (served && price === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['prices', priceField],
          message: `is required because job_types includes "${jobType}"`,
        });
      }
      if (!served && price !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['prices', priceField],
          message: `is set but job_types does not include "${jobType}"`,
        });
      }
    }
    for (const [jobType, modelField] of MODEL_FIELDS) {
      if (config[modelField] !== undefined && !config.job_types.includes(jobType)) {
        ctx.addIssue({
          code: 'custom',
          path: [modelField],
          message: `is set but job_types does not include "${jobType}"`,
        });
      }
    }
    for (const [index, name] of (config.models?.add ?? []).entries()) {
      const { jobType } = canonicalModel(name);
      const message =
        jobType === null
          ? `the catalog cannot tell whether "${name}" is a tts, stt or llm model: list it in tts_models, stt_models or llm_models instead`
          : !config.job_types.includes(jobType)
            ? `"${name}" is a ${jobType} model, but job_types does not include "${jobType}"`
            : undefined;
      if (message !== undefined) ctx.addIssue({ code: 'custom', path: ['models', 'add', index], message });
    }
    if (config.benchmark_score === undefined && config.benchmark_scores === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['benchmark_score'],
        message:
          'give benchmark_score (measured dense FP32 TFLOPS, for every GPU) or benchmark_scores (TFLOPS by GPU uuid)',
      });
    }
  });

export type AgentConfig = z.infer<typeof agentConfigSchema>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return `  ${path || '(config)'}: ${issue.message}`;
    })
    .join('\n');
}

/** Validates an already-parsed config value; throws a ConfigError listing every problem. */
export function parseAgentConfig(value: unknown, source = 'config'): AgentConfig {
  const result = agentConfigSchema.safeParse(value);
  if (!result.success) throw new ConfigError(`invalid ${source}:\n${describeIssues(result.error)}`);
  return result.data;
}

/** Reads and validates a config file. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseAgentConfig(value, `config ${path}`);
}

/** The benchmark to attest for one GPU: its own entry in benchmark_scores, else benchmark_score. */
export function benchmarkFor(config: AgentConfig, uuid: string): number | undefined {
  return config.benchmark_scores?.[uuid] ?? config.benchmark_score;
}
