/**
 * GPU detection for the node agent. Each parser is a pure function from a vendor tool's text output to
 * the GPUs it describes; `detectGpus` runs whichever tool the machine has (through an injectable runner,
 * so tests never need a GPU) and returns the device arch with the GPUs.
 *
 * The commands, exactly as run:
 *   NVIDIA  nvidia-smi --query-gpu=name,memory.total,uuid,pci.bus_id,driver_version --format=csv,noheader,nounits
 *           nvidia-smi                      (the plain table: its header is the only place with "CUDA Version")
 *   AMD     rocm-smi --showproductname --showmeminfo vram --showuniqueid --showbus --showdriverversion --json
 *           + the text of $ROCM_PATH/.info/version (default /opt/rocm) for the ROCm version
 *   Apple   system_profiler SPDisplaysDataType -json
 *           sysctl -n hw.memsize            (unified memory, bytes)
 *           system_profiler SPHardwareDataType -json   (platform_UUID: Apple GPUs have no UUID of their own)
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeviceArch } from './protocol/index.js';

export type { DeviceArch };
export type GpuTool = 'nvidia-smi' | 'rocm-smi' | 'system_profiler';

/** The device arch each tool attests. */
export const TOOL_DEVICE_ARCH: Readonly<Record<GpuTool, DeviceArch>> = {
  'nvidia-smi': 'nvidia_gpu',
  'rocm-smi': 'amd_gpu',
  system_profiler: 'apple_gpu',
};

export interface DetectedGpu {
  model: string;
  vramMb: number;
  uuid: string;
  pciId?: string;
  driverVersion?: string;
  cudaVersion?: string;
  rocmVersion?: string;
  metalVersion?: string;
}

export interface Detection {
  tool: GpuTool;
  deviceArch: DeviceArch;
  gpus: DetectedGpu[];
}

/**
 * Why no GPU list could be produced. `noTool`: none of the three tools is installed (the CLI exits 2);
 * otherwise a tool is present but failed or reported nothing usable, and `message` carries its words.
 */
export class GpuDetectionError extends Error {
  constructor(
    message: string,
    readonly noTool = false,
  ) {
    super(message);
    this.name = 'GpuDetectionError';
  }
}

export const NO_GPU_TOOL_MESSAGE =
  'No GPU tool found: install the NVIDIA driver (nvidia-smi), ROCm (rocm-smi), or run on macOS (system_profiler)';

export const NVIDIA_SMI_QUERY_ARGS = [
  '--query-gpu=name,memory.total,uuid,pci.bus_id,driver_version',
  '--format=csv,noheader,nounits',
] as const;
export const ROCM_SMI_ARGS = [
  '--showproductname',
  '--showmeminfo',
  'vram',
  '--showuniqueid',
  '--showbus',
  '--showdriverversion',
  '--json',
] as const;

const MIB = 1024 * 1024;

/** nvidia-smi and rocm-smi both write a placeholder where a value is unsupported or unreadable. */
function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v || /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions|Unknown)\]?$/i.test(v)) return undefined;
  return v;
}

/** The tool's own words, trimmed to something that fits an error message. */
function toolWords(text: string): string {
  const words = text.trim().replace(/\s*\n\s*/g, ' ');
  return words.length > 500 ? `${words.slice(0, 500)}…` : words;
}

// --- NVIDIA -----------------------------------------------------------------------------------------

/**
 * Parses `nvidia-smi --query-gpu=name,memory.total,uuid,pci.bus_id,driver_version
 * --format=csv,noheader,nounits`: one line per GPU, e.g.
 * `NVIDIA GeForce RTX 4090, 24564, GPU-…, 00000000:01:00.0, 550.54.14` (memory.total in MiB).
 * Any line that is not such a row (nvidia-smi prints its failures, e.g. "No devices were found", on
 * stdout) makes the whole output a GpuDetectionError carrying the tool's message.
 */
export function parseNvidiaSmiCsv(text: string): DetectedGpu[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new GpuDetectionError('nvidia-smi printed nothing: no NVIDIA GPU to attest');
  const gpus: DetectedGpu[] = [];
  for (const line of lines) {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== 5) throw new GpuDetectionError(`nvidia-smi: ${toolWords(text)}`);
    const [name, memory, uuid, pciBusId, driverVersion] = fields;
    const model = present(name);
    const memoryText = present(memory);
    const memoryMatch = memoryText === undefined ? null : /^(\d+)(?:\s*MiB)?$/i.exec(memoryText);
    const id = present(uuid);
    if (!model) throw new GpuDetectionError(`nvidia-smi reported a GPU without a name: ${JSON.stringify(line)}`);
    if (!memoryMatch) {
      throw new GpuDetectionError(
        `nvidia-smi reported no memory.total for ${model} (${JSON.stringify(memory)}): unified-memory GPUs are not supported`,
      );
    }
    if (!id) throw new GpuDetectionError(`nvidia-smi reported no UUID for ${model}: it cannot be attested`);
    const gpu: DetectedGpu = { model, vramMb: Number(memoryMatch[1]), uuid: id };
    const pciId = present(pciBusId);
    if (pciId) gpu.pciId = pciId;
    const driver = present(driverVersion);
    if (driver) gpu.driverVersion = driver;
    gpus.push(gpu);
  }
  return gpus;
}

/**
 * The CUDA version from plain `nvidia-smi` (header `| NVIDIA-SMI 550.54.14  Driver Version: 550.54.14
 * CUDA Version: 12.4 |`) or `nvidia-smi -q` (`CUDA Version : 12.4`); undefined when absent or N/A.
 */
export function parseNvidiaSmiCudaVersion(text: string): string | undefined {
  return /CUDA Version\s*:\s*(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

// --- AMD --------------------------------------------------------------------------------------------

/** Reads the first JSON object of the text: rocm-smi may print a warning line before it. */
function jsonObjectIn(text: string): Record<string, unknown> | undefined {
  const start = text.search(/^\s*\{/m);
  if (start < 0) return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(start));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A field by name, whatever its case: ROCm 5 writes "Card series", ROCm 6 "Card Series". */
function field(entry: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const name of names) {
    const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
    const value = key === undefined ? undefined : entry[key];
    if (typeof value === 'string' && present(value)) return value.trim();
  }
  return undefined;
}

/** "6.2.4-120" (the content of /opt/rocm/.info/version) → "6.2.4". */
export function parseRocmVersionFile(text: string): string | undefined {
  return /^\s*(\d+\.\d+(?:\.\d+)?)/.exec(text)?.[1];
}

/**
 * Parses `rocm-smi --showproductname --showmeminfo vram --showuniqueid --showbus --showdriverversion
 * --json`: an object keyed "card0", "card1"… (one per device; an MI250X shows each of its two GCDs as
 * a device) plus "system" with "Driver version". The model is "Card Series" ("Card series" before
 * ROCm 6), VRAM "VRAM Total Memory (B)" floored to MiB, the uuid "Unique ID" as reported, the PCI id
 * "PCI Bus". A device without a Unique ID (an integrated GPU such as a Ryzen's Radeon graphics reports
 * "N/A") is skipped: it has no stable identity to attest. `rocmVersionText`, the content of
 * /opt/rocm/.info/version, gives the ROCm version, which the JSON does not carry.
 */
export function parseRocmSmiJson(text: string, rocmVersionText?: string): DetectedGpu[] {
  const data = jsonObjectIn(text);
  if (!data) throw new GpuDetectionError(`rocm-smi: ${toolWords(text) || 'printed nothing'}`);
  const cards = Object.keys(data)
    .filter((k) => /^card\d+$/.test(k))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  if (cards.length === 0) throw new GpuDetectionError('rocm-smi reported no AMD GPU (no "card" entries in its JSON)');
  const system = data['system'];
  const driverVersion =
    system !== null && typeof system === 'object'
      ? field(system as Record<string, unknown>, 'Driver version')
      : undefined;
  const rocmVersion = rocmVersionText === undefined ? undefined : parseRocmVersionFile(rocmVersionText);

  const gpus: DetectedGpu[] = [];
  for (const card of cards) {
    const entry = data[card];
    if (entry === null || typeof entry !== 'object') continue;
    const e = entry as Record<string, unknown>;
    const uuid = field(e, 'Unique ID');
    if (!uuid) continue;
    const model = field(e, 'Card Series', 'Device Name', 'Card Model');
    if (!model) throw new GpuDetectionError(`rocm-smi reported no product name for ${card} (${uuid})`);
    const bytes = field(e, 'VRAM Total Memory (B)');
    if (!bytes || !/^\d+$/.test(bytes)) {
      throw new GpuDetectionError(`rocm-smi reported no "VRAM Total Memory (B)" for ${card} (${model})`);
    }
    const gpu: DetectedGpu = { model, vramMb: Math.floor(Number(bytes) / MIB), uuid };
    const pciId = field(e, 'PCI Bus');
    if (pciId) gpu.pciId = pciId;
    if (driverVersion) gpu.driverVersion = driverVersion;
    if (rocmVersion) gpu.rocmVersion = rocmVersion;
    gpus.push(gpu);
  }
  if (gpus.length === 0) {
    throw new GpuDetectionError('rocm-smi reported no AMD GPU with a Unique ID (integrated GPUs cannot be attested)');
  }
  return gpus;
}

// --- Apple ------------------------------------------------------------------------------------------

/** `sysctl -n hw.memsize` → bytes. */
export function parseSysctlMemsize(text: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new GpuDetectionError(`sysctl hw.memsize: ${toolWords(text) || 'printed nothing'}`);
  return Number(t);
}

/** `system_profiler SPHardwareDataType -json` → the machine's platform_UUID. */
export function parsePlatformUuid(text: string): string {
  const data = jsonObjectIn(text);
  const items = data?.['SPHardwareDataType'];
  const first: unknown = Array.isArray(items) ? items[0] : undefined;
  const uuid =
    first !== null && typeof first === 'object' ? (first as Record<string, unknown>)['platform_UUID'] : undefined;
  if (typeof uuid !== 'string' || uuid.trim() === '') {
    throw new GpuDetectionError('system_profiler SPHardwareDataType reported no platform_UUID');
  }
  return uuid.trim();
}

/**
 * Parses `system_profiler SPDisplaysDataType -json` on Apple silicon. The model is "sppci_model"
 * ("_name" is sometimes an internal key such as "kHW_AppleM1Item"), the Metal version comes from
 * "spdisplays_mtlgpufamilysupport" ("spdisplays_metal3" → "3"). Unified memory is not in this output:
 * `memsizeBytes` is `sysctl -n hw.memsize`; the uuid is the machine's hardware UUID. GPUs of other
 * vendors (an Intel Mac's AMD or Intel graphics) are ignored: on macOS only Apple silicon is supported.
 */
export function parseSystemProfilerJson(text: string, memsizeBytes: number, platformUuid: string): DetectedGpu[] {
  const data = jsonObjectIn(text);
  const items = data?.['SPDisplaysDataType'];
  if (!Array.isArray(items)) throw new GpuDetectionError(`system_profiler: ${toolWords(text) || 'printed nothing'}`);
  const gpus: DetectedGpu[] = [];
  for (const item of items as unknown[]) {
    if (item === null || typeof item !== 'object') continue;
    const e = item as Record<string, unknown>;
    const model =
      typeof e['sppci_model'] === 'string' ? e['sppci_model'] : typeof e['_name'] === 'string' ? e['_name'] : '';
    const isApple = e['spdisplays_vendor'] === 'sppci_vendor_Apple' || /^Apple M\d/.test(model);
    if (!isApple || model === '') continue;
    const gpu: DetectedGpu = { model, vramMb: Math.floor(memsizeBytes / MIB), uuid: platformUuid };
    const metal = e['spdisplays_mtlgpufamilysupport'];
    const metalMatch = typeof metal === 'string' ? /^spdisplays_metal(\d+(?:\.\d+)?)$/.exec(metal) : null;
    if (metalMatch) gpu.metalVersion = metalMatch[1]!;
    gpus.push(gpu);
  }
  if (gpus.length === 0) {
    throw new GpuDetectionError(
      'system_profiler found no Apple silicon GPU: on macOS only Apple silicon (M1 and later) is supported',
    );
  }
  if (gpus.length > 1) {
    // One SoC, one GPU: two entries would attest one uuid twice.
    throw new GpuDetectionError(`system_profiler listed ${gpus.length} Apple GPUs; expected one`);
  }
  return gpus;
}

// --- Detection --------------------------------------------------------------------------------------

export interface RunResult {
  stdout: string;
  /** Optional: runners that have it give it; rocm-smi logs its errors to stderr. */
  stderr?: string;
  code: number;
}
/** Runs a command; a missing binary rejects with an error whose `code` is "ENOENT". */
export type Runner = (cmd: string, args: string[]) => Promise<RunResult>;
/** Reads a text file; resolves undefined when it does not exist. */
export type TextReader = (path: string) => Promise<string | undefined>;

const COMMAND_TIMEOUT_MS = 30_000;

/**
 * A runner for the machine's tools: no shell, and killed after `timeoutMs` (a wedged driver can hang
 * nvidia-smi); `timedOut` words the error for whoever asked.
 */
export function runWithTimeout(timeoutMs: number, timedOut: (cmd: string, signal: string) => Error): Runner {
  return (cmd, args) =>
    new Promise<RunResult>((resolve, reject) => {
      // Not spawn's own `timeout` option: its timer outlives a spawn that fails with ENOENT.
      const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (signal) reject(timedOut(cmd, signal));
        else resolve({ stdout, stderr, code: code ?? 1 });
      });
    });
}

/** The real runner for GPU detection: 30 s limit. */
export const runCommand: Runner = runWithTimeout(
  COMMAND_TIMEOUT_MS,
  (cmd, signal) =>
    new GpuDetectionError(`${cmd} did not finish (${signal}; the limit is ${COMMAND_TIMEOUT_MS / 1000} s)`),
);

export const readTextFile: TextReader = async (path) => {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

function isMissingBinary(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** What a tool said: its stdout, or its stderr when stdout is blank. */
function output(result: RunResult): string {
  return result.stdout.trim() !== '' ? result.stdout : (result.stderr ?? '');
}

function failed(tool: string, result: RunResult): GpuDetectionError {
  return new GpuDetectionError(`${tool} failed (exit ${result.code}): ${toolWords(output(result)) || 'no output'}`);
}

async function detectNvidia(run: Runner): Promise<DetectedGpu[]> {
  const query = await run('nvidia-smi', [...NVIDIA_SMI_QUERY_ARGS]);
  if (query.code !== 0) throw failed('nvidia-smi', query);
  const gpus = parseNvidiaSmiCsv(output(query));
  let cudaVersion: string | undefined;
  try {
    const table = await run('nvidia-smi', []);
    if (table.code === 0) cudaVersion = parseNvidiaSmiCudaVersion(table.stdout);
  } catch {
    // The CUDA version is optional; the query above already proved the tool works.
  }
  return cudaVersion ? gpus.map((g) => ({ ...g, cudaVersion })) : gpus;
}

async function detectAmd(run: Runner, readText: TextReader): Promise<DetectedGpu[]> {
  const result = await run('rocm-smi', [...ROCM_SMI_ARGS]);
  if (result.code !== 0) throw failed('rocm-smi', result);
  const rocmPath = process.env['ROCM_PATH'] || '/opt/rocm';
  const versionText = await readText(join(rocmPath, '.info', 'version')).catch(() => undefined);
  return parseRocmSmiJson(output(result), versionText);
}

async function detectApple(run: Runner): Promise<DetectedGpu[]> {
  const displays = await run('system_profiler', ['SPDisplaysDataType', '-json']);
  if (displays.code !== 0) throw failed('system_profiler', displays);
  const memsize = await run('sysctl', ['-n', 'hw.memsize']);
  if (memsize.code !== 0) throw failed('sysctl', memsize);
  const hardware = await run('system_profiler', ['SPHardwareDataType', '-json']);
  if (hardware.code !== 0) throw failed('system_profiler', hardware);
  return parseSystemProfilerJson(
    output(displays),
    parseSysctlMemsize(memsize.stdout),
    parsePlatformUuid(hardware.stdout),
  );
}

/**
 * Tries nvidia-smi, then rocm-smi, then system_profiler. A tool that is not installed (ENOENT) is
 * skipped; one that is installed but fails is remembered and the next is tried, so a stale nvidia-smi
 * does not hide an AMD card. The first tool that yields GPUs wins; if none does, the first failure is
 * thrown, or, when no tool is installed at all, a GpuDetectionError with `noTool` set.
 */
export async function detectGpus(run: Runner = runCommand, readText: TextReader = readTextFile): Promise<Detection> {
  const attempts: Array<[GpuTool, () => Promise<DetectedGpu[]>]> = [
    ['nvidia-smi', () => detectNvidia(run)],
    ['rocm-smi', () => detectAmd(run, readText)],
    ['system_profiler', () => detectApple(run)],
  ];
  let firstFailure: unknown;
  for (const [tool, attempt] of attempts) {
    try {
      const gpus = await attempt();
      return { tool, deviceArch: TOOL_DEVICE_ARCH[tool], gpus };
    } catch (error) {
      if (isMissingBinary(error)) continue;
      firstFailure ??= error;
    }
  }
  if (firstFailure !== undefined) throw firstFailure;
  throw new GpuDetectionError(NO_GPU_TOOL_MESSAGE, true);
}
