/**
 * Models pulled into Ollama, as `ollama list` prints them: a header `NAME  ID  SIZE  MODIFIED` and one row per
 * model, columns padded with spaces (e.g. `llama3.1:70b-instruct-q4_K_M    a1b2c3d4e5f6    42 GB    3 days ago`).
 * The command is run only when an `ollama` executable is on PATH (looked up without a shell), with a time
 * limit; whatever goes wrong (not installed, the Ollama server not running, output that is not the table)
 * becomes a note, never an exception.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runWithTimeout, type RunResult, type Runner } from '../gpus.js';
import { emptyScan, errorCode, type ScanResult } from './detect-scan.js';

export const OLLAMA_LIST_TIMEOUT_MS = 15_000;
const OLLAMA_LIST = 'ollama list';

export interface OllamaModel {
  name: string;
  id: string;
  size: string;
  modified: string;
}

export class OllamaListFormatError extends Error {}

/** Columns are separated by two or more spaces (or a tab): a single space belongs to a value such as "42 GB". */
const COLUMN_GAP = /\s{2,}|\t/;

/** Parses the table `ollama list` prints. Throws an OllamaListFormatError when the header is not there. */
export function parseOllamaList(text: string): OllamaModel[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const headerAt = lines.findIndex((l) => /^NAME\s+ID\s+SIZE\s+MODIFIED\s*$/.test(l.trim()));
  if (headerAt < 0) {
    const first = lines[0]?.trim().slice(0, 200) ?? '';
    throw new OllamaListFormatError(
      `its output has no "NAME ID SIZE MODIFIED" header${first ? `; it said: ${JSON.stringify(first)}` : ''}`,
    );
  }
  return lines.slice(headerAt + 1).map((line) => {
    const [name = '', id = '', size = '', modified = ''] = line.trim().split(COLUMN_GAP);
    return { name, id, size, modified };
  });
}

/**
 * The executable's full path when `command` is on PATH, else undefined. Reads the folders of PATH itself
 * (and PATHEXT on Windows) so that looking never runs anything.
 */
export function findOnPath(
  command: string,
  path: string = process.env['PATH'] ?? '',
  platform: NodeJS.Platform = process.platform,
): string | undefined {
  const extensions = platform === 'win32' ? (process.env['PATHEXT'] ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const folder of path.split(delimiter)) {
    if (folder === '') continue;
    for (const extension of extensions) {
      const candidate = join(folder, command + extension);
      try {
        if (!statSync(candidate).isFile()) continue;
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here, or not executable: keep looking.
      }
    }
  }
  return undefined;
}

/** Runs a command without a shell and kills it after `timeoutMs`; rejects on a spawn failure or the time limit. */
export function ollamaRunner(timeoutMs: number): Runner {
  return runWithTimeout(
    timeoutMs,
    (_cmd, signal) => new Error(`it did not finish within ${timeoutMs / 1000} s (${signal})`),
  );
}

export interface OllamaScanOptions {
  /** Where `ollama` is, or undefined when it is not installed; defaults to a PATH lookup. */
  findCommand?: (command: string) => string | undefined;
  run?: Runner;
  timeoutMs?: number;
}

function words(text: string): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' ');
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** Lists Ollama's models through `ollama list`. */
export async function scanOllamaModels({
  findCommand = (command) => findOnPath(command),
  run,
  timeoutMs = OLLAMA_LIST_TIMEOUT_MS,
}: OllamaScanOptions = {}): Promise<ScanResult> {
  const result = emptyScan();
  const note = (message: string) => result.notes.push({ source: 'ollama', where: OLLAMA_LIST, message });
  const executable = findCommand('ollama');
  if (executable === undefined) {
    note('ollama is not on PATH: not run');
    return result;
  }
  let answer: RunResult;
  try {
    answer = await (run ?? ollamaRunner(timeoutMs))(executable, ['list']);
  } catch (error) {
    note(errorCode(error) === 'ENOENT' ? 'ollama is not on PATH: not run' : `failed: ${(error as Error).message}`);
    return result;
  }
  if (answer.code !== 0) {
    note(`failed (exit ${answer.code}): ${words(answer.stderr || answer.stdout) || 'no output'}`);
    return result;
  }
  let models: OllamaModel[];
  try {
    models = parseOllamaList(answer.stdout);
  } catch (error) {
    if (!(error instanceof OllamaListFormatError)) throw error;
    note(error.message);
    return result;
  }
  for (const model of models) {
    result.candidates.push({
      source: 'ollama',
      name: model.name,
      where: OLLAMA_LIST,
      ...(!/^\S+$/.test(model.name) && { skip: `a row that is not a model: ${JSON.stringify(model.name)}` }),
    });
  }
  if (models.length === 0) note('Ollama has no models');
  return result;
}
