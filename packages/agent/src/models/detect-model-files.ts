/**
 * Model files in the folders the config lists (`model_dirs`): whisper.cpp checkpoints (`ggml-<model>.bin`,
 * e.g. `ggml-large-v3.bin`, as its download script names them) and GGUF files (`*.gguf`, llama.cpp, LM Studio,
 * GPT4All…). Each folder is searched at most MODEL_DIR_DEPTH folders down (LM Studio keeps
 * `<publisher>/<repository>/<file>.gguf`), never into hidden folders. A GGUF split in parts
 * (`<name>-00001-of-00003.gguf`) is one model, installed when every part is there.
 */
import { basename, dirname, join } from 'node:path';
import { emptyScan, listFolder, statOrUndefined, type ModelCandidate, type ScanResult } from './detect-scan.js';

export const MODEL_DIR_DEPTH = 2;

const WHISPER_CPP_FILE = /^(ggml-.+)\.bin$/i;
const GGUF_FILE = /^(.+)\.gguf$/i;
const GGUF_PART = /^(.+)-(\d{5})-of-(\d{5})$/;
/** What browsers, curl wrappers and huggingface-cli leave while a download is still running. */
const UNFINISHED_DOWNLOAD = /\.(gguf|bin)\.(part|partial|download|crdownload|tmp|incomplete|aria2)$/i;
/** A vision projector a multimodal GGUF loads beside the model: not a model of its own. */
const PROJECTOR = /^mmproj/i;

interface GgufParts {
  where: string;
  total: number;
  present: Set<number>;
}

async function walk(folder: string, depth: number, visit: (path: string, name: string, size: number) => void) {
  const listing = await listFolder(folder);
  if (!('names' in listing)) return;
  for (const name of listing.names) {
    const path = join(folder, name);
    const info = await statOrUndefined(path);
    if (info?.isFile()) visit(path, name, info.size);
    else if (info?.isDirectory() && depth > 0 && !name.startsWith('.')) await walk(path, depth - 1, visit);
  }
}

function classify(path: string, name: string, size: number, parts: Map<string, GgufParts>): ModelCandidate | undefined {
  const empty = size === 0 ? { skip: 'an empty file' } : {};
  if (UNFINISHED_DOWNLOAD.test(name)) {
    const source = /\.gguf\./i.test(name) ? 'gguf' : 'whisper.cpp';
    return { source, name: name.replace(/\.[^.]+$/, ''), where: path, skip: 'not installed: an unfinished download' };
  }
  const whisper = WHISPER_CPP_FILE.exec(name);
  if (whisper) return { source: 'whisper.cpp', name: whisper[1]!, where: path, ...empty };
  const gguf = GGUF_FILE.exec(name)?.[1];
  if (gguf === undefined) return undefined;
  if (PROJECTOR.test(gguf))
    return { source: 'gguf', name: gguf, where: path, skip: 'a vision projector (mmproj), not a model on its own' };
  const part = GGUF_PART.exec(gguf);
  if (part && size > 0) {
    const key = join(dirname(path), part[1]!);
    const entry = parts.get(key) ?? { where: path, total: Number(part[3]), present: new Set<number>() };
    entry.present.add(Number(part[2]));
    parts.set(key, entry);
    return undefined;
  }
  return { source: 'gguf', name: gguf, where: path, ...empty };
}

function partsCandidate(base: string, { where, total, present }: GgufParts): ModelCandidate {
  const name = basename(base);
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !present.has(n));
  return missing.length === 0
    ? { source: 'gguf', name, where }
    : { source: 'gguf', name, where, skip: `not installed: part ${missing.join(', ')} of ${total} is missing` };
}

/** Lists whisper.cpp and GGUF model files in the given folders (absolute paths). */
export async function scanModelFiles(folders: readonly string[], depth = MODEL_DIR_DEPTH): Promise<ScanResult> {
  const result = emptyScan();
  for (const folder of folders) {
    const listing = await listFolder(folder);
    if ('missing' in listing) {
      result.notes.push({ source: 'gguf', where: folder, message: 'model_dirs lists a folder that does not exist' });
      continue;
    }
    if ('error' in listing) {
      result.notes.push({ source: 'gguf', where: folder, message: `cannot read it: ${listing.error}` });
      continue;
    }
    const parts = new Map<string, GgufParts>();
    await walk(folder, depth, (path, name, size) => {
      const candidate = classify(path, name, size, parts);
      if (candidate) result.candidates.push(candidate);
    });
    for (const [base, entry] of parts) result.candidates.push(partsCandidate(base, entry));
  }
  return result;
}
