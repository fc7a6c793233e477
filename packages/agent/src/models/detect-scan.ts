/**
 * What every model scanner reports, and the file-system helpers they share. A scanner looks at one
 * place where models live (the Hugging Face cache, Coqui TTS's folder, the config's model_dirs, Ollama)
 * and never downloads or opens a model: it only lists folders and reads file sizes. Each thing that
 * looks like a model is a candidate, kept or skipped later with a reason; a place that cannot be read
 * is a note, never an exception.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export type ModelSource = 'huggingface' | 'coqui' | 'whisper.cpp' | 'gguf' | 'ollama';

export interface ModelCandidate {
  source: ModelSource;
  /** The name as found on disk or in `ollama list`: what the attestation sends. */
  name: string;
  /** The folder or file it was found in, or the command that listed it. */
  where: string;
  /** Set when the scanner already knows it cannot be attested, e.g. an unfinished download. */
  skip?: string;
}

/** Something about a whole place: it does not exist, cannot be read, or its command failed. */
export interface ScanNote {
  source: ModelSource;
  where: string;
  message: string;
}

export interface ScanResult {
  candidates: ModelCandidate[];
  notes: ScanNote[];
}

export const emptyScan = (): ScanResult => ({ candidates: [], notes: [] });

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export type FolderListing = { names: string[] } | { missing: true } | { error: string };

/** A folder's entry names, or a note saying why it could not be listed (a missing folder is normal). */
export async function listFolder(path: string): Promise<FolderListing> {
  try {
    return { names: (await readdir(path)).sort() };
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return { missing: true };
    return { error: (error as Error).message };
  }
}

/** stat that follows symlinks (the Hugging Face cache links snapshots to blobs) and answers undefined for a dangling one. */
export async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** Whether a folder holds a file (through symlinks) that `accept` likes, looking at most `depth` folders down. */
export async function holdsFile(
  folder: string,
  depth: number,
  accept: (name: string, size: number) => boolean = () => true,
): Promise<boolean> {
  const listing = await listFolder(folder);
  if (!('names' in listing)) return false;
  for (const name of listing.names) {
    const info = await statOrUndefined(join(folder, name));
    if (info?.isFile() && accept(name, info.size)) return true;
    if (info?.isDirectory() && depth > 0 && (await holdsFile(join(folder, name), depth - 1, accept))) return true;
  }
  return false;
}
