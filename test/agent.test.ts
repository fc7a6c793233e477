/**
 * The node agent: GPU tool parsers against fixtures of each tool's output, detection through an
 * injected runner, config validation, the attestation body and its signature, and the CLI's paths that
 * need no GPU (keygen, and "no GPU tool", which this GPU-less machine can show for real).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressFromPublicKey, isValidSignature, walletFromSeed } from '../src/domain/signatures.js';
import { AgentError, attestOnce, buildAttestation, wireVersion, type FetchLike } from '../src/agent/client.js';
import { ConfigError, loadAgentConfig, parseAgentConfig, type AgentConfig } from '../src/agent/config.js';
import {
  detectGpus,
  GpuDetectionError,
  NO_GPU_TOOL_MESSAGE,
  NVIDIA_SMI_QUERY_ARGS,
  parseNvidiaSmiCsv,
  parseNvidiaSmiCudaVersion,
  parsePlatformUuid,
  parseRocmSmiJson,
  parseRocmVersionFile,
  parseSysctlMemsize,
  parseSystemProfilerJson,
  ROCM_SMI_ARGS,
  type Detection,
  type RunResult,
  type Runner,
} from '../src/agent/gpus.js';
import { newWallet, startTestServer } from './support/market.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'gpu-tools');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function detectionError(fn: () => unknown): GpuDetectionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GpuDetectionError);
    return error as GpuDetectionError;
  }
  throw new Error('expected a GpuDetectionError');
}

describe('parseNvidiaSmiCsv', () => {
  it('reads a single RTX 4090', () => {
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-rtx4090.csv'))).toStrictEqual([
      {
        model: 'NVIDIA GeForce RTX 4090',
        vramMb: 24564,
        uuid: 'GPU-7b3e91c4-5f2a-8d06-c1e9-4a7f02b6d358',
        pciId: '00000000:01:00.0',
        driverVersion: '550.54.14',
      },
    ]);
  });

  it('reads a 2× RTX 3090 box', () => {
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-2x-rtx3090.csv'))).toStrictEqual([
      {
        model: 'NVIDIA GeForce RTX 3090',
        vramMb: 24576,
        uuid: 'GPU-2c8f4a61-09d3-7e5b-b4a2-e61f3d9c0a87',
        pciId: '00000000:01:00.0',
        driverVersion: '535.183.01',
      },
      {
        model: 'NVIDIA GeForce RTX 3090',
        vramMb: 24576,
        uuid: 'GPU-d41a7e03-6b92-c85f-1e3d-90a2b7f4c615',
        pciId: '00000000:21:00.0',
        driverVersion: '535.183.01',
      },
    ]);
  });

  it('reads an 8× A100-SXM4-80GB server', () => {
    const gpus = parseNvidiaSmiCsv(fixture('nvidia-smi-8x-a100-sxm4-80gb.csv'));
    expect(gpus).toHaveLength(8);
    expect(new Set(gpus.map((g) => g.model))).toEqual(new Set(['NVIDIA A100-SXM4-80GB']));
    expect(gpus.every((g) => g.vramMb === 81920 && g.driverVersion === '535.161.08')).toBe(true);
    expect(gpus.map((g) => g.pciId)).toEqual(['07', '0F', '47', '4E', '87', '90', 'B7', 'BD'].map((b) => `00000000:${b}:00.0`));
    expect(new Set(gpus.map((g) => g.uuid)).size).toBe(8);
    expect(gpus[0]!.uuid).toBe('GPU-16b3278b-a0d0-8fc9-45b0-b86933fa4d06');
    expect(gpus[7]!.uuid).toBe('GPU-1c2175b0-f7d4-a121-825d-14a4c8f154f3');
  });

  it('reads an H100 80GB HBM3', () => {
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-h100-80gb-hbm3.csv'))).toStrictEqual([
      {
        model: 'NVIDIA H100 80GB HBM3',
        vramMb: 81559,
        uuid: 'GPU-9e0c5b27-3a4d-f816-72b1-c8d35e0a4f96',
        pciId: '00000000:18:00.0',
        driverVersion: '550.90.07',
      },
    ]);
  });

  it('treats [N/A] values as absent (a T4)', () => {
    expect(parseNvidiaSmiCsv(fixture('nvidia-smi-t4-na-fields.csv'))).toStrictEqual([
      { model: 'Tesla T4', vramMb: 15360, uuid: 'GPU-58a2f1d7-c06e-93b4-2d8f-a17c4e5b9036' },
    ]);
  });

  it('tolerates extra whitespace, CRLF, blank lines and memory with its unit', () => {
    const text = '  NVIDIA GeForce RTX 4090 ,   24564 MiB ,  GPU-aaaa ,00000000:01:00.0,  550.54.14   \r\n\r\n\n';
    expect(parseNvidiaSmiCsv(text)).toStrictEqual([
      { model: 'NVIDIA GeForce RTX 4090', vramMb: 24564, uuid: 'GPU-aaaa', pciId: '00000000:01:00.0', driverVersion: '550.54.14' },
    ]);
  });

  it('turns the driver failure into a GpuDetectionError with nvidia-smi’s message', () => {
    const error = detectionError(() => parseNvidiaSmiCsv(fixture('nvidia-smi-driver-failure.txt')));
    expect(error.message).toContain(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
    );
    expect(error.noTool).toBe(false);
  });

  it('turns "No devices were found" and empty output into GpuDetectionErrors', () => {
    expect(detectionError(() => parseNvidiaSmiCsv(fixture('nvidia-smi-no-devices.txt'))).message).toContain('No devices were found');
    expect(detectionError(() => parseNvidiaSmiCsv('\n')).message).toMatch(/printed nothing/);
  });

  it('refuses a GPU without memory.total or UUID: neither can be attested', () => {
    expect(detectionError(() => parseNvidiaSmiCsv('NVIDIA GB10, [N/A], GPU-1, 0000000F:01:00.0, 580.95.05')).message).toMatch(/memory\.total/);
    expect(detectionError(() => parseNvidiaSmiCsv('Tesla T4, 15360, [N/A], 00000000:00:04.0, 535.183.01')).message).toMatch(/no UUID/);
  });
});

describe('parseNvidiaSmiCudaVersion', () => {
  it('reads the plain nvidia-smi header', () => {
    expect(parseNvidiaSmiCudaVersion(fixture('nvidia-smi-rtx4090-table.txt'))).toBe('12.4');
  });

  it('reads nvidia-smi -q, and is undefined when absent or N/A', () => {
    expect(parseNvidiaSmiCudaVersion('Driver Version                            : 555.42.02\nCUDA Version                              : 12.5\n')).toBe('12.5');
    expect(parseNvidiaSmiCudaVersion('| NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: N/A |')).toBeUndefined();
    expect(parseNvidiaSmiCudaVersion('')).toBeUndefined();
  });
});

describe('parseRocmSmiJson', () => {
  const version = fixture('rocm-info-version.txt');

  it('reads a 7900 XTX and skips the integrated GPU that has no Unique ID', () => {
    expect(parseRocmSmiJson(fixture('rocm-smi-7900xtx.json'), version)).toStrictEqual([
      {
        model: 'Radeon RX 7900 XTX',
        vramMb: 24560,
        uuid: '0x3f8a6c1d92e4b507',
        pciId: '0000:03:00.0',
        driverVersion: '6.8.0-49-generic',
        rocmVersion: '6.2.4',
      },
    ]);
  });

  it('reads a 2× MI250X node as its four GCDs', () => {
    const gpus = parseRocmSmiJson(fixture('rocm-smi-2x-mi250x.json'), version);
    expect(gpus).toHaveLength(4);
    expect(gpus.map((g) => g.uuid)).toEqual(['0x9a41c3e07b25d816', '0x7e2d05b9c4a1f3e8', '0x51c8e2f3a09d7b64', '0xd03b7a6e4f18c295']);
    expect(gpus.map((g) => g.pciId)).toEqual(['0000:C1:00.0', '0000:C6:00.0', '0000:C9:00.0', '0000:CE:00.0']);
    for (const gpu of gpus) {
      expect(gpu).toMatchObject({ model: 'AMD Instinct MI250X / MI250', vramMb: 65520, driverVersion: '6.7.0', rocmVersion: '6.2.4' });
    }
  });

  it('reads an MI300X, and leaves the ROCm version out when it is not given', () => {
    expect(parseRocmSmiJson(fixture('rocm-smi-mi300x.json'))).toStrictEqual([
      { model: 'AMD Instinct MI300X', vramMb: 196592, uuid: '0x8b27e4d1c95f0a63', pciId: '0000:05:00.0', driverVersion: '6.8.5' },
    ]);
  });

  it('reads ROCm 5 key spellings, sorts card10 after card2, and skips a warning line before the JSON', () => {
    const entry = (uid: string) => ({ 'Unique ID': uid, 'VRAM Total Memory (B)': '17163091968', 'Card series': 'Radeon RX 6800 XT' });
    const text = `WARNING: one or more devices are in a low-power state\n${JSON.stringify({
      card10: entry('0x10'),
      card2: entry('0x2'),
      system: { 'Driver version': '5.15.0-91-generic' },
    })}`;
    expect(parseRocmSmiJson(text)).toStrictEqual([
      { model: 'Radeon RX 6800 XT', vramMb: 16368, uuid: '0x2', driverVersion: '5.15.0-91-generic' },
      { model: 'Radeon RX 6800 XT', vramMb: 16368, uuid: '0x10', driverVersion: '5.15.0-91-generic' },
    ]);
  });

  it('turns rocm-smi’s driver error into a GpuDetectionError with its message', () => {
    const error = detectionError(() => parseRocmSmiJson(fixture('rocm-smi-driver-not-initialized.stderr.txt')));
    expect(error.message).toContain('ERROR:root:Driver not initialized (amdgpu not found in modules)');
  });

  it('refuses JSON without any card', () => {
    expect(detectionError(() => parseRocmSmiJson('{"system": {"Driver version": "6.8.5"}}')).message).toMatch(/no AMD GPU/);
  });

  it('reads the ROCm version file', () => {
    expect(parseRocmVersionFile('6.2.4-120\n')).toBe('6.2.4');
    expect(parseRocmVersionFile('garbage')).toBeUndefined();
  });
});

describe('parseSystemProfilerJson', () => {
  it('reads an M2 Max with its unified memory and the machine UUID', () => {
    const memsize = parseSysctlMemsize(fixture('sysctl-hw-memsize-m2-max.txt'));
    const uuid = parsePlatformUuid(fixture('system-profiler-hardware-m2-max.json'));
    expect(memsize).toBe(68719476736);
    expect(uuid).toBe('3F6E2A1C-8B4D-5E70-9C21-D4A7B0E5F813');
    expect(parseSystemProfilerJson(fixture('system-profiler-displays-m2-max.json'), memsize, uuid)).toStrictEqual([
      { model: 'Apple M2 Max', vramMb: 65536, uuid: '3F6E2A1C-8B4D-5E70-9C21-D4A7B0E5F813', metalVersion: '3' },
    ]);
  });

  it('reads an M3 Pro', () => {
    const memsize = parseSysctlMemsize(fixture('sysctl-hw-memsize-m3-pro.txt'));
    const uuid = parsePlatformUuid(fixture('system-profiler-hardware-m3-pro.json'));
    expect(parseSystemProfilerJson(fixture('system-profiler-displays-m3-pro.json'), memsize, uuid)).toStrictEqual([
      { model: 'Apple M3 Pro', vramMb: 36864, uuid: 'A81D4C2F-07E3-5B96-8F1A-2C6D9E0B7345', metalVersion: '3' },
    ]);
  });

  it('prefers sppci_model to an internal _name, and maps metal4', () => {
    const text = JSON.stringify({
      SPDisplaysDataType: [{ _name: 'kHW_AppleM1Item', spdisplays_mtlgpufamilysupport: 'spdisplays_metal4', sppci_model: 'Apple M1' }],
    });
    expect(parseSystemProfilerJson(text, 17179869184, 'U')).toStrictEqual([{ model: 'Apple M1', vramMb: 16384, uuid: 'U', metalVersion: '4' }]);
  });

  it('refuses an Intel Mac: only Apple silicon is supported on macOS', () => {
    const text = JSON.stringify({
      SPDisplaysDataType: [
        { _name: 'AMD Radeon Pro 5500M', spdisplays_vendor: 'sppci_vendor_amd', sppci_model: 'AMD Radeon Pro 5500M', spdisplays_vram: '8 GB' },
        { _name: 'Intel UHD Graphics 630', spdisplays_vendor: 'sppci_vendor_intel', sppci_model: 'Intel UHD Graphics 630' },
      ],
    });
    expect(detectionError(() => parseSystemProfilerJson(text, 34359738368, 'U')).message).toMatch(/only Apple silicon/);
  });
});

type Script = Record<string, RunResult | 'ENOENT'>;

/** A runner that answers from a script keyed by the command line; anything unscripted is not installed. */
function scriptedRunner(script: Script): Runner & { calls: string[] } {
  const calls: string[] = [];
  const run = async (cmd: string, args: string[]) => {
    const line = [cmd, ...args].join(' ');
    calls.push(line);
    const answer = script[line] ?? 'ENOENT';
    if (answer === 'ENOENT') throw Object.assign(new Error(`spawn ${cmd} ENOENT`), { code: 'ENOENT' });
    return answer;
  };
  return Object.assign(run, { calls });
}

const NVIDIA_QUERY = ['nvidia-smi', ...NVIDIA_SMI_QUERY_ARGS].join(' ');
const ROCM_QUERY = ['rocm-smi', ...ROCM_SMI_ARGS].join(' ');
const ok = (stdout: string): RunResult => ({ stdout, stderr: '', code: 0 });
const noFiles = async () => undefined;

describe('detectGpus', () => {
  it('uses nvidia-smi, with the CUDA version from the plain table', async () => {
    const run = scriptedRunner({ [NVIDIA_QUERY]: ok(fixture('nvidia-smi-rtx4090.csv')), 'nvidia-smi': ok(fixture('nvidia-smi-rtx4090-table.txt')) });
    const detection = await detectGpus(run, noFiles);
    expect(detection).toStrictEqual({
      tool: 'nvidia-smi',
      deviceArch: 'nvidia_gpu',
      gpus: [
        {
          model: 'NVIDIA GeForce RTX 4090',
          vramMb: 24564,
          uuid: 'GPU-7b3e91c4-5f2a-8d06-c1e9-4a7f02b6d358',
          pciId: '00000000:01:00.0',
          driverVersion: '550.54.14',
          cudaVersion: '12.4',
        },
      ],
    });
    expect(run.calls).toEqual([
      'nvidia-smi --query-gpu=name,memory.total,uuid,pci.bus_id,driver_version --format=csv,noheader,nounits',
      'nvidia-smi',
    ]);
  });

  it('uses rocm-smi when nvidia-smi is missing, reading the ROCm version file', async () => {
    const run = scriptedRunner({ [ROCM_QUERY]: ok(fixture('rocm-smi-mi300x.json')) });
    const paths: string[] = [];
    const detection = await detectGpus(run, async (path) => {
      paths.push(path);
      return fixture('rocm-info-version.txt');
    });
    expect(detection.tool).toBe('rocm-smi');
    expect(detection.deviceArch).toBe('amd_gpu');
    expect(detection.gpus).toStrictEqual([
      { model: 'AMD Instinct MI300X', vramMb: 196592, uuid: '0x8b27e4d1c95f0a63', pciId: '0000:05:00.0', driverVersion: '6.8.5', rocmVersion: '6.2.4' },
    ]);
    expect(paths).toHaveLength(1);
    expect(paths[0]!.endsWith(join('.info', 'version'))).toBe(true);
  });

  it('uses system_profiler, sysctl and the hardware UUID on a Mac', async () => {
    const run = scriptedRunner({
      'system_profiler SPDisplaysDataType -json': ok(fixture('system-profiler-displays-m2-max.json')),
      'sysctl -n hw.memsize': ok(fixture('sysctl-hw-memsize-m2-max.txt')),
      'system_profiler SPHardwareDataType -json': ok(fixture('system-profiler-hardware-m2-max.json')),
    });
    expect(await detectGpus(run, noFiles)).toStrictEqual({
      tool: 'system_profiler',
      deviceArch: 'apple_gpu',
      gpus: [{ model: 'Apple M2 Max', vramMb: 65536, uuid: '3F6E2A1C-8B4D-5E70-9C21-D4A7B0E5F813', metalVersion: '3' }],
    });
  });

  it('reports a failing nvidia-smi with its message', async () => {
    const run = scriptedRunner({ [NVIDIA_QUERY]: { stdout: fixture('nvidia-smi-driver-failure.txt'), code: 9 } });
    const error = await detectGpus(run, noFiles).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuDetectionError);
    expect((error as GpuDetectionError).noTool).toBe(false);
    expect((error as GpuDetectionError).message).toContain("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.");
  });

  it('reports rocm-smi’s driver error, which it prints on stderr while exiting 0', async () => {
    const run = scriptedRunner({ [ROCM_QUERY]: { stdout: '', stderr: fixture('rocm-smi-driver-not-initialized.stderr.txt'), code: 0 } });
    const error = await detectGpus(run, noFiles).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuDetectionError);
    expect((error as Error).message).toContain('Driver not initialized (amdgpu not found in modules)');
  });

  it('does not let a stale nvidia-smi hide an AMD GPU', async () => {
    const run = scriptedRunner({
      [NVIDIA_QUERY]: { stdout: fixture('nvidia-smi-no-devices.txt'), code: 6 },
      [ROCM_QUERY]: ok(fixture('rocm-smi-7900xtx.json')),
    });
    const detection = await detectGpus(run, noFiles);
    expect(detection.deviceArch).toBe('amd_gpu');
    expect(detection.gpus.map((g) => g.model)).toEqual(['Radeon RX 7900 XTX']);
  });

  it('says clearly when no GPU tool is installed', async () => {
    const run = scriptedRunner({});
    const error = await detectGpus(run, noFiles).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GpuDetectionError);
    expect((error as GpuDetectionError).noTool).toBe(true);
    expect((error as Error).message).toBe(
      'No GPU tool found: install the NVIDIA driver (nvidia-smi), ROCm (rocm-smi), or run on macOS (system_profiler)',
    );
    expect(run.calls).toEqual([NVIDIA_QUERY, ROCM_QUERY, 'system_profiler SPDisplaysDataType -json']);
  });
});

function configError(value: unknown): string {
  try {
    parseAgentConfig(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('agent config', () => {
  const valid = { job_types: ['render', 'llm'], prices: { render_minute_urtc: '250000', llm_1k_tokens_urtc: '2000' }, benchmark_score: 35.6 };

  it('accepts the example config', () => {
    const config = loadAgentConfig(join(import.meta.dirname, '..', 'examples', 'agent.config.json'));
    expect(config.job_types.length).toBeGreaterThan(0);
  });

  it('accepts a valid config as given', () => {
    expect(parseAgentConfig(valid)).toStrictEqual(valid);
  });

  it('requires a price for each served job type', () => {
    expect(configError({ ...valid, prices: { render_minute_urtc: '250000' } })).toContain(
      'prices.llm_1k_tokens_urtc: is required because job_types includes "llm"',
    );
  });

  it('refuses a price or a model list for a job type not served', () => {
    expect(configError({ ...valid, prices: { ...valid.prices, stt_minute_urtc: '100' } })).toContain(
      'prices.stt_minute_urtc: is set but job_types does not include "stt"',
    );
    expect(configError({ ...valid, tts_models: ['xtts-v2'] })).toContain('tts_models: is set but job_types does not include "tts"');
  });

  it('refuses prices that are not positive digit strings', () => {
    for (const price of ['1.5', 250000, '-1', '0', '007', '1e6', '8388608000001']) {
      expect(configError({ ...valid, prices: { ...valid.prices, render_minute_urtc: price } })).toContain('prices.render_minute_urtc:');
    }
  });

  it('refuses unknown job types, unknown keys and a missing benchmark', () => {
    expect(configError({ ...valid, job_types: ['render', 'video'] })).toContain('job_types.1: must be one of render, tts, stt, llm');
    expect(configError({ ...valid, price: {} })).toMatch(/price/);
    const { benchmark_score: _, ...noBenchmark } = valid;
    expect(configError(noBenchmark)).toMatch(/benchmark_score.*benchmark_scores/);
    expect(configError({ ...valid, benchmark_score: -3 })).toContain('benchmark_score:');
  });

  it('reports a file that is not JSON', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'agent-config-')), 'bad.json');
    writeFileSync(file, '{ job_types: [] }');
    expect(() => loadAgentConfig(file)).toThrow(/is not valid JSON/);
  });
});

const WALLET = walletFromSeed('11'.repeat(32));
const THREE_090S: Detection = { tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-2x-rtx3090.csv')).map((g) => ({ ...g, cudaVersion: '12.2' })) };
const CONFIG: AgentConfig = parseAgentConfig({
  job_types: ['render', 'llm'],
  llm_models: ['llama-3.1-8b-instruct'],
  prices: { render_minute_urtc: '250000', llm_1k_tokens_urtc: '2000' },
  benchmark_score: 35.6,
  benchmark_scores: { 'GPU-d41a7e03-6b92-c85f-1e3d-90a2b7f4c615': 34.25 },
});
const CHALLENGE = 'ab'.repeat(32);

describe('buildAttestation', () => {
  it('builds the contract’s body, snake_case, optional fields left out', () => {
    const body = buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config: CONFIG, detection: THREE_090S });
    expect(body).toStrictEqual({
      miner_id: WALLET.address,
      challenge: CHALLENGE,
      device_arch: 'nvidia_gpu',
      gpus: [
        {
          model: 'NVIDIA GeForce RTX 3090',
          vram_mb: 24576,
          uuid: 'GPU-2c8f4a61-09d3-7e5b-b4a2-e61f3d9c0a87',
          pci_id: '00000000:01:00.0',
          driver_version: '535.183.01',
          cuda_version: '12.2',
          benchmark_score: 35.6,
        },
        {
          model: 'NVIDIA GeForce RTX 3090',
          vram_mb: 24576,
          uuid: 'GPU-d41a7e03-6b92-c85f-1e3d-90a2b7f4c615',
          pci_id: '00000000:21:00.0',
          driver_version: '535.183.01',
          cuda_version: '12.2',
          benchmark_score: 34.25,
        },
      ],
      job_types: ['render', 'llm'],
      llm_models: ['llama-3.1-8b-instruct'],
      prices: { render_minute_urtc: '250000', llm_1k_tokens_urtc: '2000' },
    });
    // Nothing undefined hides in it: what is signed is exactly what JSON carries.
    expect(JSON.parse(JSON.stringify(body))).toStrictEqual(body);
  });

  it('leaves out what a GPU does not report (a T4 with [N/A] fields)', () => {
    const detection: Detection = { tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-t4-na-fields.csv')) };
    const body = buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config: CONFIG, detection });
    expect(body.gpus).toStrictEqual([{ model: 'Tesla T4', vram_mb: 15360, uuid: 'GPU-58a2f1d7-c06e-93b4-2d8f-a17c4e5b9036', benchmark_score: 35.6 }]);
  });

  it('sends the leading version number when a tool prints more (rocm-smi with the in-kernel driver)', () => {
    const gpus = parseRocmSmiJson(fixture('rocm-smi-7900xtx.json'), fixture('rocm-info-version.txt'));
    expect(gpus[0]!.driverVersion).toBe('6.8.0-49-generic');
    const body = buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config: CONFIG, detection: { deviceArch: 'amd_gpu', gpus } });
    expect(body.gpus).toStrictEqual([
      { model: 'Radeon RX 7900 XTX', vram_mb: 24560, uuid: '0x3f8a6c1d92e4b507', pci_id: '0000:03:00.0', driver_version: '6.8.0', rocm_version: '6.2.4', benchmark_score: 35.6 },
    ]);
    expect(wireVersion('550.54.14')).toBe('550.54.14');
    expect(wireVersion('unknown')).toBeUndefined();
  });

  it('refuses a GPU without a benchmark', () => {
    const config = parseAgentConfig({ job_types: ['tts'], prices: { tts_1k_chars_urtc: '1000' }, benchmark_scores: { other: 1 } });
    expect(() => buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config, detection: THREE_090S })).toThrow(ConfigError);
  });
});

interface Captured {
  url: string;
  method: string | undefined;
  contentType: string | null;
  body: any;
}

function fakeServer(answers: Record<string, { status: number; body: unknown } | { status: number; text: string }>): FetchLike & { requests: Captured[] } {
  const requests: Captured[] = [];
  const fetchImpl = async (url: string, init: RequestInit) => {
    requests.push({ url, method: init.method, contentType: new Headers(init.headers).get('content-type'), body: JSON.parse(String(init.body)) });
    const path = new URL(url).pathname;
    const answer = answers[path];
    if (!answer) return new Response('not found', { status: 404 });
    const text = 'text' in answer ? answer.text : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  return Object.assign(fetchImpl, { requests });
}

describe('attestOnce', () => {
  const challengeOk = { status: 200, body: { ok: true, challenge: CHALLENGE, expires_at: 1_900_000_000 } };

  it('gets a challenge, then sends the attestation signed by the miner’s key', async () => {
    const answer = { ok: true, miner_id: WALLET.address, status: 'active', trust: 0.92, fingerprint: 'f00d', flags: [] };
    const fetchImpl = fakeServer({ '/gpu/challenge': challengeOk, '/gpu/attest': { status: 200, body: answer } });
    const result = await attestOnce({ serverUrl: 'http://market.test/', wallet: WALLET, config: CONFIG, detection: THREE_090S, fetchImpl });
    expect(result).toStrictEqual(answer);

    const [challengeRequest, attestRequest] = fetchImpl.requests;
    expect(fetchImpl.requests).toHaveLength(2);
    expect(challengeRequest).toStrictEqual({ url: 'http://market.test/gpu/challenge', method: 'POST', contentType: 'application/json', body: { miner_id: WALLET.address } });
    expect(attestRequest!.url).toBe('http://market.test/gpu/attest');
    expect(attestRequest!.method).toBe('POST');

    const { public_key, signature, ...signedFields } = attestRequest!.body;
    expect(signedFields).toStrictEqual(buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config: CONFIG, detection: THREE_090S }));
    expect(public_key).toBe(WALLET.publicKey);
    expect(addressFromPublicKey(public_key)).toBe(signedFields.miner_id);
    expect(isValidSignature({ ...signedFields, action: 'gpu.attest' }, public_key, signature)).toBe(true);
    // The signature covers the hardware: a changed field no longer verifies.
    const tampered = structuredClone(signedFields);
    tampered.gpus[0].vram_mb = 49152;
    expect(isValidSignature({ ...tampered, action: 'gpu.attest' }, public_key, signature)).toBe(false);
    expect(isValidSignature({ ...signedFields, action: 'escrow.lock' }, public_key, signature)).toBe(false);
  });

  it('turns the server’s error body into an AgentError with its code', async () => {
    const fetchImpl = fakeServer({
      '/gpu/challenge': challengeOk,
      '/gpu/attest': { status: 409, body: { ok: false, error: { code: 'DUPLICATE_HARDWARE', message: 'GPU-d41a7e03 is attested by another miner' } } },
    });
    const error = await attestOnce({ serverUrl: 'http://market.test', wallet: WALLET, config: CONFIG, detection: THREE_090S, fetchImpl }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ code: 'DUPLICATE_HARDWARE', message: 'GPU-d41a7e03 is attested by another miner', httpStatus: 409 });
  });

  it('stops at a refused challenge', async () => {
    const fetchImpl = fakeServer({ '/gpu/challenge': { status: 429, body: { ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } } } });
    const error = await attestOnce({ serverUrl: 'http://market.test', wallet: WALLET, config: CONFIG, detection: THREE_090S, fetchImpl }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429 });
    expect(fetchImpl.requests).toHaveLength(1);
  });

  it('reports a proxy’s HTML error page and an unreachable server', async () => {
    const html = fakeServer({ '/gpu/challenge': { status: 502, text: '<html>Bad Gateway</html>' } });
    const error = await attestOnce({ serverUrl: 'http://market.test', wallet: WALLET, config: CONFIG, detection: THREE_090S, fetchImpl: html }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_502', httpStatus: 502 });

    const down: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    const refused = await attestOnce({ serverUrl: 'http://127.0.0.1:9', wallet: WALLET, config: CONFIG, detection: THREE_090S, fetchImpl: down }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AgentError);
    expect(refused).toMatchObject({ code: 'NETWORK' });
    expect((refused as Error).message).toContain('ECONNREFUSED');
  });
});

/** What each fixture machine attests, with a benchmark inside the model's usual range. */
const MACHINES: Array<{ name: string; detection: () => Detection; tflops: number; gpus: number }> = [
  { name: 'RTX 4090', tflops: 80, gpus: 1, detection: () => ({ tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-rtx4090.csv')).map((g) => ({ ...g, cudaVersion: parseNvidiaSmiCudaVersion(fixture('nvidia-smi-rtx4090-table.txt'))! })) }) },
  { name: '2× RTX 3090', tflops: 34, gpus: 2, detection: () => ({ tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-2x-rtx3090.csv')) }) },
  { name: '8× A100-SXM4-80GB', tflops: 18.5, gpus: 8, detection: () => ({ tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-8x-a100-sxm4-80gb.csv')) }) },
  { name: 'H100 80GB HBM3', tflops: 55, gpus: 1, detection: () => ({ tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-h100-80gb-hbm3.csv')) }) },
  { name: 'T4 with [N/A] fields', tflops: 7.5, gpus: 1, detection: () => ({ tool: 'nvidia-smi', deviceArch: 'nvidia_gpu', gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-t4-na-fields.csv')) }) },
  { name: 'RX 7900 XTX', tflops: 45, gpus: 1, detection: () => ({ tool: 'rocm-smi', deviceArch: 'amd_gpu', gpus: parseRocmSmiJson(fixture('rocm-smi-7900xtx.json'), fixture('rocm-info-version.txt')) }) },
  { name: '2× MI250X', tflops: 40, gpus: 4, detection: () => ({ tool: 'rocm-smi', deviceArch: 'amd_gpu', gpus: parseRocmSmiJson(fixture('rocm-smi-2x-mi250x.json'), fixture('rocm-info-version.txt')) }) },
  { name: 'MI300X', tflops: 120, gpus: 1, detection: () => ({ tool: 'rocm-smi', deviceArch: 'amd_gpu', gpus: parseRocmSmiJson(fixture('rocm-smi-mi300x.json'), fixture('rocm-info-version.txt')) }) },
  {
    name: 'M2 Max',
    tflops: 12.5,
    gpus: 1,
    detection: () => ({
      tool: 'system_profiler',
      deviceArch: 'apple_gpu',
      gpus: parseSystemProfilerJson(fixture('system-profiler-displays-m2-max.json'), parseSysctlMemsize(fixture('sysctl-hw-memsize-m2-max.txt')), parsePlatformUuid(fixture('system-profiler-hardware-m2-max.json'))),
    }),
  },
  {
    name: 'M3 Pro',
    tflops: 6.5,
    gpus: 1,
    detection: () => ({
      tool: 'system_profiler',
      deviceArch: 'apple_gpu',
      gpus: parseSystemProfilerJson(fixture('system-profiler-displays-m3-pro.json'), parseSysctlMemsize(fixture('sysctl-hw-memsize-m3-pro.txt')), parsePlatformUuid(fixture('system-profiler-hardware-m3-pro.json'))),
    }),
  },
];

describe('attestOnce against the real market server', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  for (const machine of MACHINES) {
    it(`attests the ${machine.name} fixture machine, and the server lists it`, async () => {
      const wallet = newWallet();
      const config = parseAgentConfig({ job_types: ['render', 'llm'], llm_models: ['llama-3.1-8b-instruct'], prices: { render_minute_urtc: '50000', llm_1k_tokens_urtc: '2000' }, benchmark_score: machine.tflops });
      const result = await attestOnce({ serverUrl: server.url, wallet, config, detection: machine.detection() });
      expect(result).toMatchObject({ ok: true, miner_id: wallet.address, status: 'online', flags: [] });
      const listed = await fetch(`${server.url}/gpu/nodes?include_offline=true&limit=100`).then((r) => r.json() as Promise<{ nodes: Array<{ miner_id: string; gpu_count: number }> }>);
      expect(listed.nodes.find((n) => n.miner_id === wallet.address)?.gpu_count).toBe(machine.gpus);
    });
  }

  it('gets the server’s DUPLICATE_HARDWARE as an AgentError when another key attests the same GPUs', async () => {
    const config = parseAgentConfig({ job_types: ['render'], prices: { render_minute_urtc: '50000' }, benchmark_score: 55 });
    const detection = MACHINES.find((m) => m.name === 'H100 80GB HBM3')!.detection();
    const error = await attestOnce({ serverUrl: server.url, wallet: newWallet(), config, detection }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ code: 'DUPLICATE_HARDWARE', httpStatus: 409 });
  });
});

const CLI = join(import.meta.dirname, '..', 'src', 'agent', 'cli.ts');

/**
 * Runs the CLI with PATH set to `bin` only: an empty directory means no GPU tool, whatever this machine
 * has installed; `withFakeNvidiaSmi` puts a stand-in nvidia-smi there.
 */
function runCli(args: string[], bin = mkdtempSync(join(tmpdir(), 'agent-path-'))): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, ...args],
      { cwd: join(import.meta.dirname, '..'), env: { ...process.env, PATH: bin }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A directory holding an executable `nvidia-smi` that prints the RTX 4090 fixtures, as the real one would. */
function withFakeNvidiaSmi(): string {
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

describe('the agent CLI', () => {
  it('keygen writes a 0600 key file in the wallet format and prints the miner_id; it never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-key-'));
    const key = join(dir, 'node.key');
    const first = await runCli(['keygen', '--key', key]);
    expect(first.code).toBe(0);
    const text = readFileSync(key, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const printed = JSON.parse(first.stdout);
    const wallet = walletFromSeed(text.trim());
    expect(printed).toStrictEqual({ miner_id: wallet.address, public_key: wallet.publicKey, key_file: key });

    const second = await runCli(['keygen', '--key', key]);
    expect(second.code).toBe(78);
    expect(second.stderr).toContain('already exists');
    expect(readFileSync(key, 'utf8')).toBe(text);
  });

  it('attest exits 2 with the clear message when no GPU tool is installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-attest-'));
    mkdirSync(join(dir, 'keys'));
    const key = join(dir, 'keys', 'node.key');
    const result = await runCli(['attest', '--server', 'http://127.0.0.1:9', '--key', key, '--config', 'examples/agent.config.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(NO_GPU_TOOL_MESSAGE);
    const line = JSON.parse(result.stdout.trim());
    expect(line).toMatchObject({ ok: false, error: { code: 'NO_GPU_TOOL', message: NO_GPU_TOOL_MESSAGE } });
    // The key was created for the node all the same (0600), ready for when the driver is installed.
    expect(line.miner_id).toBe(walletFromSeed(readFileSync(key, 'utf8').trim()).address);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  it('attest --dry-run prints the signed body for the detected GPUs and sends nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-dry-run-'));
    const key = join(dir, 'node.key');
    const result = await runCli(['attest', '--dry-run', '--key', key, '--config', 'examples/agent.config.json'], withFakeNvidiaSmi());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('placeholder');
    const { public_key, signature, ...fields } = JSON.parse(result.stdout);
    const wallet = walletFromSeed(readFileSync(key, 'utf8').trim());
    expect(public_key).toBe(wallet.publicKey);
    expect(fields).toStrictEqual(
      buildAttestation({
        minerId: wallet.address,
        challenge: '0'.repeat(64),
        config: loadAgentConfig(join(import.meta.dirname, '..', 'examples', 'agent.config.json')),
        detection: { deviceArch: 'nvidia_gpu', gpus: [{ ...parseNvidiaSmiCsv(fixture('nvidia-smi-rtx4090.csv'))[0]!, cudaVersion: '12.4' }] },
      }),
    );
    expect(isValidSignature({ ...fields, action: 'gpu.attest' }, public_key, signature)).toBe(true);
  });

  it('attest sends the attestation to the server and prints a one-line summary', async () => {
    const server = await startTestServer();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'agent-attest-ok-'));
      const config = join(dir, 'agent.json');
      writeFileSync(config, JSON.stringify({ job_types: ['render'], prices: { render_minute_urtc: '50000' }, benchmark_score: 80 }));
      const result = await runCli(['attest', '--server', server.url, '--key', join(dir, 'node.key'), '--config', config], withFakeNvidiaSmi());
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ ok: true, tool: 'nvidia-smi', device_arch: 'nvidia_gpu', gpus: 1, status: 'online', flags: [] });
    } finally {
      await server.close();
    }
  });

  it('attest --interval repeats until SIGTERM, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-interval-'));
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ job_types: ['render'], prices: { render_minute_urtc: '50000' }, benchmark_score: 80 }));
    // Nothing listens on port 9: each attempt fails, is logged, and the agent keeps going.
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'attest', '--server', 'http://127.0.0.1:9', '--key', join(dir, 'k'), '--config', config, '--interval', '10'], {
      cwd: join(import.meta.dirname, '..'),
      env: { ...process.env, PATH: withFakeNvidiaSmi() },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (!stdout.includes('\n') && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(stdout.trim())).toMatchObject({ ok: false, error: { code: 'NETWORK' } });
    expect(stderr).toContain('attesting every 10 s');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped');
  });

  it('attest refuses bad usage and a bad config', async () => {
    expect((await runCli(['attest', '--key', 'k', '--config', 'c'])).code).toBe(64);
    const dir = mkdtempSync(join(tmpdir(), 'agent-bad-config-'));
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ job_types: ['llm'], prices: {}, benchmark_score: 10 }));
    const result = await runCli(['attest', '--dry-run', '--key', join(dir, 'k'), '--config', config]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('prices.llm_1k_tokens_urtc: is required because job_types includes "llm"');
  });
});

