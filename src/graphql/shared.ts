/**
 * The vocabulary several GraphQL capabilities share: the job type enum, times as DateTime, and the
 * `afterSeq` argument of every event subscription. A capability's module imports this and builder.ts,
 * never another capability's module.
 */
import { z } from 'zod';
import { JOB_TYPES, type JobType } from '../domain/fields.js';
import { builder } from './builder.js';

export const JobTypeEnum = builder.enumType('JobType', {
  description: 'render (per minute), tts (per 1K characters), stt (per minute), llm (per 1K tokens, input + output).',
  values: Object.fromEntries(JOB_TYPES.map((t) => [t.toUpperCase(), { value: t }])) as Record<
    Uppercase<JobType>,
    { value: JobType }
  >,
});

/** Unix seconds (how the database stores times) as the DateTime scalar's Date. */
export const seconds = (s: number) => new Date(s * 1000);

/** `seconds` for a time that may not have happened yet (null stays null). */
export const optionalSeconds = (s: number | null) => (s === null ? null : seconds(s));

/**
 * A mutation's one `input` argument validated with a request schema shared with REST. Pothos types a
 * transformed `t.validate` result loosely, hence the casts to the schema's output in resolvers.
 */
export const inputOf = <Out>(schema: z.ZodType<Out, unknown>) =>
  z
    .object({ input: z.unknown() })
    .transform((a) => a.input)
    .pipe(schema);

/** The `afterSeq` argument of a subscription: the last event `seq` seen, to catch up from after a reconnect. */
export const afterSeqArg = z.number().int().min(0).nullish();

/**
 * GraphQL passes `jobType` beside `input`; the request schemas (shared with REST) see them together.
 * Pothos types a transformed `t.validate` result loosely, hence the casts to the schemas' outputs in resolvers.
 */
export const withJobType = <Out>(schema: z.ZodType<Out, unknown>) =>
  z
    .object({ jobType: z.string(), input: z.record(z.string(), z.unknown()) })
    .transform(({ jobType, input }): unknown => ({ ...input, jobType }))
    .pipe(schema);
