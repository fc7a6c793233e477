/**
 * The voice and language models a node attests, through the model catalog (packages/agent/src/models,
 * shared with the node agent) (pure). Names are checked and canonicalised only after the signature has
 * been verified over them as sent; the sent name is kept beside the canonical id.
 *
 * Rules: a node serving tts names at least one model of a TTS engine the catalog knows (Coqui TTS, XTTS,
 * Bark), a node serving stt a Whisper model — otherwise INVALID_INPUT naming the engines. Any other name
 * the catalog does not know is kept and flagged `unknown_model`; a model whose known minimum memory exceeds
 * the node's largest GPU is flagged `model_exceeds_vram`. These flags say what the node claims to serve,
 * not whether its hardware is real: they never lower `trust` and never take a node out of the fair rate.
 */
import { MODEL_LIST_FIELD } from '@gpu-render-protocol/agent/protocol';
import {
  canonicalModel,
  MODEL_CATALOG,
  MODEL_ENGINES,
  type ModelJobType,
  type ModelName,
} from '@gpu-render-protocol/agent/models';

export const UNKNOWN_MODEL_FLAG = 'unknown_model';
export const MODEL_EXCEEDS_VRAM_FLAG = 'model_exceeds_vram';
export const MODEL_JOB_TYPES = ['tts', 'stt', 'llm'] as const satisfies readonly ModelJobType[];
export type { ModelJobType };

/** A node flag about one of its models (`llm_models[2]:unknown_model`), which says nothing about its hardware. */
export function isModelFlag(flag: string): boolean {
  return flag.endsWith(`:${UNKNOWN_MODEL_FLAG}`) || flag.endsWith(`:${MODEL_EXCEEDS_VRAM_FLAG}`);
}

/** The engines a node serving tts or stt must name a model of, as a sentence names them. */
const REQUIRED_ENGINES: Partial<Record<ModelJobType, readonly string[]>> = {
  tts: MODEL_ENGINES.filter((e) => e.jobType === 'tts').map((e) => e.engine),
  stt: MODEL_ENGINES.filter((e) => e.jobType === 'stt').map((e) => e.engine),
};
const EXAMPLES: Partial<Record<ModelJobType, string>> = {
  tts: '"tts_models/multilingual/multi-dataset/xtts_v2", "tts_models/en/vctk/vits", "suno/bark"',
  stt: '"large-v3", "openai/whisper-large-v3", "ggml-base.en.bin"',
};

const engineName = (engine: string) => MODEL_ENGINES.find((e) => e.engine === engine)?.displayName ?? engine;

/**
 * Why a node serving `jobType` with these names is refused, or null when it may serve it: tts needs a model
 * of a TTS engine the catalog knows, stt a Whisper model; llm may name anything.
 */
export function missingEngineMessage(jobType: ModelJobType, names: readonly string[]): string | null {
  const engines = REQUIRED_ENGINES[jobType];
  if (!engines) return null;
  const served = names.some((name) => engines.includes(canonicalModel(name, jobType).engine ?? ''));
  if (served) return null;
  const known = engines.map(engineName).join(', ');
  return `a node serving ${jobType} must name at least one ${jobType.toUpperCase()} model of an engine the catalog knows (${known}), e.g. ${EXAMPLES[jobType]}`;
}

export interface AttestedModel {
  kind: ModelJobType;
  name: ModelName;
  flags: string[];
}

/** Each attested model through the catalog, with its flags, and the node's flags about its models. */
export function examineModels(
  lists: Partial<Record<ModelJobType, readonly string[] | undefined>>,
  maxVramMb: number,
): { models: AttestedModel[]; flags: string[] } {
  const models: AttestedModel[] = [];
  const flags: string[] = [];
  for (const kind of MODEL_JOB_TYPES) {
    for (const [i, sent] of (lists[kind] ?? []).entries()) {
      const name = canonicalModel(sent, kind);
      const own = [
        ...(name.canonical === null ? [UNKNOWN_MODEL_FLAG] : []),
        ...(name.minVramMb !== null && name.minVramMb > maxVramMb ? [MODEL_EXCEEDS_VRAM_FLAG] : []),
      ];
      models.push({ kind, name, flags: own });
      for (const flag of own) flags.push(`${MODEL_LIST_FIELD[kind]}[${i}]:${flag}`);
    }
  }
  return { models, flags };
}

/** The catalog's entries of a job type (all when none), for the inventory's filter menus. */
export function catalogEntries(jobType?: ModelJobType) {
  return MODEL_CATALOG.filter((e) => jobType === undefined || e.jobType === jobType);
}
