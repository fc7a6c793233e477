/** Runs the `gpr-agent` command as a GPU owner would, with a PATH that decides which GPU tools exist. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES } from './fixtures.js';

export const PACKAGE_DIR = join(import.meta.dirname, '..', '..');
/** The package's `bin` entry, run with node as npm's shim runs it. */
export const BIN = join(PACKAGE_DIR, 'bin', 'gpr-agent.js');
export const EXAMPLE_CONFIG = join(PACKAGE_DIR, 'examples', 'agent.config.json');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The variables that point the agent at model folders: unset, so only a test's own folders are seen. */
const MODEL_FOLDER_VARIABLES = [
  'HF_HUB_CACHE',
  'HUGGINGFACE_HUB_CACHE',
  'HF_HOME',
  'XDG_CACHE_HOME',
  'TTS_HOME',
  'XDG_DATA_HOME',
];

/**
 * Runs the CLI in the package directory with PATH set to `bin` only: an empty directory means no GPU
 * tool, whatever this machine has installed; `withFakeNvidiaSmi` puts a stand-in nvidia-smi there.
 * HOME is an empty folder, so no model this machine has is detected; `env` sets variables on top.
 */
export function runCli(
  args: string[],
  bin = mkdtempSync(join(tmpdir(), 'agent-path-')),
  env: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of MODEL_FOLDER_VARIABLES) delete base[name];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd: PACKAGE_DIR,
        env: { ...base, HOME: mkdtempSync(join(tmpdir(), 'agent-home-')), PATH: bin, ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A directory holding an executable `nvidia-smi` that prints the RTX 4090 fixtures, as the real one would. */
export function withFakeNvidiaSmi(): string {
  const bin = mkdtempSync(join(tmpdir(), 'agent-fake-bin-'));
  const script = [
    `#!${process.execPath}`,
    "const { readFileSync } = require('node:fs');",
    `const csv = ${JSON.stringify(join(FIXTURES, 'nvidia-smi-rtx4090.csv'))};`,
    `const table = ${JSON.stringify(join(FIXTURES, 'nvidia-smi-rtx4090-table.txt'))};`,
    "process.stdout.write(readFileSync(process.argv.slice(2).some((a) => a.startsWith('--query-gpu=')) ? csv : table));",
    '',
  ].join('\n');
  writeFileSync(join(bin, 'nvidia-smi'), script, { mode: 0o755 });
  return bin;
}
