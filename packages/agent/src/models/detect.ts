/**
 * Which voice and language models this machine can serve, found without downloading anything: the scanners
 * (detect-*.ts) list what is installed, the model catalog sorts each name into tts, stt or llm, and the config
 * adds and removes entries. The attestation sends each name as found (the server canonicalises it); every
 * candidate comes out with a one-line reason for keeping or skipping it, which `--dry-run` prints.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../config.js';
import { MODEL_LIST_FIELD } from '../protocol/index.js';
import { canonicalModel, MODEL_ENGINES, type ModelJobType } from './catalog.js';
import { coquiModelsDir, scanCoquiModels } from './detect-coqui.js';
import { huggingFaceHubDir, scanHuggingFaceCache } from './detect-huggingface.js';
import { scanModelFiles } from './detect-model-files.js';
import { findOnPath, scanOllamaModels, type OllamaScanOptions } from './detect-ollama.js';
import type { ModelCandidate, ModelSource, ScanNote, ScanResult } from './detect-scan.js';

export type { ModelCandidate, ModelSource, ScanNote, ScanResult };

/** Where an attested name came from: a scanner, or the config (its model lists and `models.add`). */
export type ModelOrigin = ModelSource | 'config';

export interface ModelDecision {
  origin: ModelOrigin;
  /** As found, and as sent. */
  name: string;
  where: string;
  kept: boolean;
  jobType: ModelJobType | null;
  /** The catalog's id for it, or null when the catalog does not know it. */
  canonical: string | null;
  reason: string;
}

export type ModelLists = Record<ModelJobType, string[]>;

/** A note about a whole place (a scanner's) or about the config, such as detection being off. */
export interface InventoryNote {
  source: ModelOrigin;
  where: string;
  message: string;
}

export interface ModelInventory {
  decisions: ModelDecision[];
  notes: InventoryNote[];
  /** What the attestation carries, per job type, in the order decided. */
  lists: ModelLists;
}

export interface ModelDetectionOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  platform?: NodeJS.Platform;
  ollama?: OllamaScanOptions;
}

/** The market's limits on the model lists of an attestation (src/attestation/requests.ts on the server). */
export const MODELS_PER_LIST_MAX = 64;
const SENDABLE_NAME = /^[\w .:/+@-]{1,100}$/;

const MODEL_JOB_TYPES = ['tts', 'stt', 'llm'] as const satisfies readonly ModelJobType[];

/**
 * The job type of a name the catalog does not know, when where it was found settles it: Coqui TTS only holds
 * TTS models, whisper.cpp only runs Whisper, GGUF files and Ollama hold language models. A Hugging Face
 * repository could be anything, so it has none.
 */
const SOURCE_JOB_TYPE: Record<ModelSource, { jobType: ModelJobType; why: string } | null> = {
  huggingface: null,
  coqui: { jobType: 'tts', why: 'Coqui TTS only holds TTS models' },
  'whisper.cpp': { jobType: 'stt', why: 'whisper.cpp only runs Whisper models' },
  gguf: { jobType: 'llm', why: 'a GGUF file is a language model' },
  ollama: { jobType: 'llm', why: 'Ollama serves language models' },
};

function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}

/** Runs every scanner (each reports its failures as notes) and joins their findings in a fixed order. */
export async function scanInstalledModels(
  config: Pick<AgentConfig, 'model_dirs'>,
  { env = process.env, home = homedir(), platform = process.platform, ollama }: ModelDetectionOptions = {},
): Promise<ScanResult> {
  const scans = await Promise.all([
    scanHuggingFaceCache(huggingFaceHubDir(env, home)),
    scanCoquiModels(coquiModelsDir(env, home, platform)),
    scanModelFiles((config.model_dirs ?? []).map((dir) => expandHome(dir, home))),
    scanOllamaModels({ findCommand: (command) => findOnPath(command, env['PATH'] ?? '', platform), ...ollama }),
  ]);
  return { candidates: scans.flatMap((s) => s.candidates), notes: scans.flatMap((s) => s.notes) };
}

interface Sorted {
  jobType: ModelJobType | null;
  canonical: string | null;
  quant: string | null;
  why: string;
}

const A_MODEL_OF: Record<ModelJobType, string> = { tts: 'a TTS model', stt: 'an STT model', llm: 'an LLM' };

/** Sorts a found name into a job type through the catalog, else by where it was found. */
function sortFound(candidate: ModelCandidate): Sorted {
  if (candidate.skip !== undefined) return { jobType: null, canonical: null, quant: null, why: candidate.skip };
  const { jobType, canonical, quant } = canonicalModel(candidate.name);
  if (jobType !== null) return { jobType, canonical, quant, why: `${A_MODEL_OF[jobType]} the catalog knows` };
  const bySource = SOURCE_JOB_TYPE[candidate.source];
  if (bySource === null) {
    return {
      jobType: null,
      canonical: null,
      quant: null,
      why: 'the catalog does not know it, so it is not sorted into tts, stt or llm (list it in tts_models, stt_models or llm_models to attest it)',
    };
  }
  const why = `not in the catalog; kept as ${bySource.jobType}: ${bySource.why}`;
  return { jobType: bySource.jobType, canonical: null, quant: null, why };
}

/** `models.remove` matches a name as written (any case) or any name the catalog gives the same id. */
function removalFor(config: AgentConfig, name: string, canonical: string | null): string | undefined {
  return config.models?.remove?.find(
    (r) => r.toLowerCase() === name.toLowerCase() || (canonical !== null && canonicalModel(r).canonical === canonical),
  );
}

interface Entry extends Sorted {
  origin: ModelOrigin;
  name: string;
  where: string;
}

/** The config's own entries: the per-job-type lists, then `models.add` (sorted through the catalog). */
function configEntries(config: AgentConfig): Entry[] {
  const entries: Entry[] = [];
  for (const jobType of MODEL_JOB_TYPES) {
    const field = MODEL_LIST_FIELD[jobType];
    for (const name of config[field] ?? []) {
      const { canonical, quant } = canonicalModel(name, jobType);
      entries.push({ origin: 'config', name, where: field, jobType, canonical, quant, why: `listed in ${field}` });
    }
  }
  for (const name of config.models?.add ?? []) {
    const { jobType, canonical, quant } = canonicalModel(name);
    entries.push({
      origin: 'config',
      name,
      where: 'models.add',
      jobType,
      canonical,
      quant,
      why: 'listed in models.add',
    });
  }
  return entries;
}

/**
 * One model under two names (`coqui/XTTS-v2` and Coqui's `tts_models/multilingual/multi-dataset/xtts_v2`) is
 * listed once; the same model in two quantisations is two models. A name the catalog does not know is only
 * itself.
 */
function sameModelKey({ jobType, canonical, quant, name }: Entry): string {
  return canonical === null ? `${jobType} name ${name}` : `${jobType} ${canonical} ${quant ?? ''}`;
}

/** Why an entry is not attested, or undefined when it is. */
function skipReason(config: AgentConfig, entry: Entry, lists: ModelLists, listed: Map<string, Entry>) {
  const { jobType, name } = entry;
  if (jobType === null) return entry.why;
  if (!config.job_types.includes(jobType)) return `${A_MODEL_OF[jobType]}, but job_types does not include "${jobType}"`;
  const removal = removalFor(config, name, entry.canonical);
  if (removal !== undefined) return `removed by models.remove (${JSON.stringify(removal)})`;
  if (!SENDABLE_NAME.test(name)) {
    return 'the market refuses this name: 1-100 characters of letters, digits, space and . : / + @ - _';
  }
  const first = listed.get(sameModelKey(entry));
  if (first !== undefined) {
    return first.name === name
      ? `already listed (from ${first.origin})`
      : `the same model as "${first.name}" (${first.origin}), already listed`;
  }
  if (lists[jobType].length >= MODELS_PER_LIST_MAX) {
    return `${MODEL_LIST_FIELD[jobType]} is full: the market takes at most ${MODELS_PER_LIST_MAX} models per list`;
  }
  return undefined;
}

/**
 * Decides what each job type's list attests, from the config and what the scanners found (nothing found is
 * used when `detect_models` is false). Pure: the same config and scan always give the same inventory.
 */
export function decideModels(config: AgentConfig, scan: ScanResult): ModelInventory {
  const lists: ModelLists = { tts: [], stt: [], llm: [] };
  const decisions: ModelDecision[] = [];
  const listed = new Map<string, Entry>();
  const found = scan.candidates.map((c): Entry => ({
    origin: c.source,
    name: c.name,
    where: c.where,
    ...sortFound(c),
  }));
  for (const entry of [...configEntries(config), ...found]) {
    const skip = skipReason(config, entry, lists, listed);
    if (skip === undefined && entry.jobType !== null) {
      lists[entry.jobType].push(entry.name);
      listed.set(sameModelKey(entry), entry);
    }
    const { origin, name, where, jobType, canonical } = entry;
    decisions.push({ origin, name, where, kept: skip === undefined, jobType, canonical, reason: skip ?? entry.why });
  }
  return { decisions, notes: [...scan.notes, ...missingEngineNotes(config, lists)], lists };
}

/**
 * The market refuses a node serving tts that names no model of a TTS engine it knows, and one serving stt
 * that names no Whisper model: said before signing rather than learnt from the refusal.
 */
function missingEngineNotes(config: AgentConfig, lists: ModelLists): InventoryNote[] {
  const notes: InventoryNote[] = [];
  for (const jobType of ['tts', 'stt'] as const) {
    if (!config.job_types.includes(jobType)) continue;
    const engines = MODEL_ENGINES.filter((e) => e.jobType === jobType);
    if (lists[jobType].some((name) => engines.some((e) => e.engine === canonicalModel(name, jobType).engine))) continue;
    notes.push({
      source: 'config',
      where: MODEL_LIST_FIELD[jobType],
      message: `job_types includes "${jobType}" but no model of ${engines.map((e) => e.displayName).join(', ')} was found or listed: the market will refuse the attestation`,
    });
  }
  return notes;
}

/**
 * Scans (unless the config turns detection off) and decides. Never throws: a scan that fails unexpectedly
 * is a note, and the config's own models are still attested.
 */
export async function detectModels(config: AgentConfig, options: ModelDetectionOptions = {}): Promise<ModelInventory> {
  const configNote = (where: string, message: string): InventoryNote => ({ source: 'config', where, message });
  if (config.detect_models === false) {
    const inventory = decideModels(config, { candidates: [], notes: [] });
    inventory.notes.push(configNote('detect_models', 'detection is off: only the config lists models'));
    return inventory;
  }
  let scan: ScanResult;
  try {
    scan = await scanInstalledModels(config, options);
  } catch (error) {
    const inventory = decideModels(config, { candidates: [], notes: [] });
    inventory.notes.push(configNote('detection', `failed: ${(error as Error).message}`));
    return inventory;
  }
  const inventory = decideModels(config, scan);
  if (!config.model_dirs?.length) {
    inventory.notes.push(configNote('model_dirs', 'no folder listed: whisper.cpp and GGUF files are not looked for'));
  }
  return inventory;
}

/** The config with its model lists replaced by the inventory's, as the attestation is built from it. */
export function withAttestedModels(config: AgentConfig, inventory: ModelInventory): AgentConfig {
  const attested: AgentConfig = { ...config };
  for (const jobType of MODEL_JOB_TYPES) {
    const list = inventory.lists[jobType];
    attested[MODEL_LIST_FIELD[jobType]] = list.length > 0 ? [...list] : undefined;
  }
  return attested;
}

/** One line per candidate (kept or skipped, with why) and per note, for `--dry-run`. */
export function describeModelInventory(inventory: ModelInventory): string[] {
  const lines = inventory.decisions.map((d) => {
    const sent = d.canonical === null || d.canonical === d.name ? d.name : `${d.name} → ${d.canonical}`;
    return d.kept
      ? `models: kept    ${d.jobType} ${sent} (${d.origin}, ${d.where}): ${d.reason}`
      : `models: skipped ${d.jobType ?? '-'} ${sent} (${d.origin}, ${d.where}): ${d.reason}`;
  });
  for (const note of inventory.notes) lines.push(`models: note    ${note.source} (${note.where}): ${note.message}`);
  return lines;
}
