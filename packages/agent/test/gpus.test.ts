/**
 * GPU detection: each tool's parser against fixtures of its output, and detection through an injected
 * runner (which tool wins, what a failing or missing tool reports), so no GPU is needed.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  detectGpus,
  GpuDetectionError,
  NVIDIA_SMI_QUERY_ARGS,
  parseNvidiaSmiCsv,
  parseNvidiaSmiCudaVersion,
  parsePlatformUuid,
  parseRocmSmiJson,
  parseRocmVersionFile,
  parseSysctlMemsize,
  parseSystemProfilerJson,
  ROCM_SMI_ARGS,
  type RunResult,
  type Runner,
} from '../src/gpus.js';
import { fixture } from './support/fixtures.js';

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
    expect(gpus.map((g) => g.pciId)).toEqual(
      ['07', '0F', '47', '4E', '87', '90', 'B7', 'BD'].map((b) => `00000000:${b}:00.0`),
    );
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
      {
        model: 'NVIDIA GeForce RTX 4090',
        vramMb: 24564,
        uuid: 'GPU-aaaa',
        pciId: '00000000:01:00.0',
        driverVersion: '550.54.14',
      },
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
    expect(detectionError(() => parseNvidiaSmiCsv(fixture('nvidia-smi-no-devices.txt'))).message).toContain(
      'No devices were found',
    );
    expect(detectionError(() => parseNvidiaSmiCsv('\n')).message).toMatch(/printed nothing/);
  });

  it('refuses a GPU without memory.total or UUID: neither can be attested', () => {
    expect(
      detectionError(() => parseNvidiaSmiCsv('NVIDIA GB10, [N/A], GPU-1, 0000000F:01:00.0, 580.95.05')).message,
    ).toMatch(/memory\.total/);
    expect(
      detectionError(() => parseNvidiaSmiCsv('Tesla T4, 15360, [N/A], 00000000:00:04.0, 535.183.01')).message,
    ).toMatch(/no UUID/);
  });
});

describe('parseNvidiaSmiCudaVersion', () => {
  it('reads the plain nvidia-smi header', () => {
    expect(parseNvidiaSmiCudaVersion(fixture('nvidia-smi-rtx4090-table.txt'))).toBe('12.4');
  });

  it('reads nvidia-smi -q, and is undefined when absent or N/A', () => {
    expect(
      parseNvidiaSmiCudaVersion(
        'Driver Version                            : 555.42.02\nCUDA Version                              : 12.5\n',
      ),
    ).toBe('12.5');
    expect(
      parseNvidiaSmiCudaVersion('| NVIDIA-SMI 550.54.14   Driver Version: 550.54.14   CUDA Version: N/A |'),
    ).toBeUndefined();
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
    expect(gpus.map((g) => g.uuid)).toEqual([
      '0x9a41c3e07b25d816',
      '0x7e2d05b9c4a1f3e8',
      '0x51c8e2f3a09d7b64',
      '0xd03b7a6e4f18c295',
    ]);
    expect(gpus.map((g) => g.pciId)).toEqual(['0000:C1:00.0', '0000:C6:00.0', '0000:C9:00.0', '0000:CE:00.0']);
    for (const gpu of gpus) {
      expect(gpu).toMatchObject({
        model: 'AMD Instinct MI250X / MI250',
        vramMb: 65520,
        driverVersion: '6.7.0',
        rocmVersion: '6.2.4',
      });
    }
  });

  it('reads an MI300X, and leaves the ROCm version out when it is not given', () => {
    expect(parseRocmSmiJson(fixture('rocm-smi-mi300x.json'))).toStrictEqual([
      {
        model: 'AMD Instinct MI300X',
        vramMb: 196592,
        uuid: '0x8b27e4d1c95f0a63',
        pciId: '0000:05:00.0',
        driverVersion: '6.8.5',
      },
    ]);
  });

  it('reads ROCm 5 key spellings, sorts card10 after card2, and skips a warning line before the JSON', () => {
    const entry = (uid: string) => ({
      'Unique ID': uid,
      'VRAM Total Memory (B)': '17163091968',
      'Card series': 'Radeon RX 6800 XT',
    });
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
    expect(detectionError(() => parseRocmSmiJson('{"system": {"Driver version": "6.8.5"}}')).message).toMatch(
      /no AMD GPU/,
    );
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
      SPDisplaysDataType: [
        { _name: 'kHW_AppleM1Item', spdisplays_mtlgpufamilysupport: 'spdisplays_metal4', sppci_model: 'Apple M1' },
      ],
    });
    expect(parseSystemProfilerJson(text, 17179869184, 'U')).toStrictEqual([
      { model: 'Apple M1', vramMb: 16384, uuid: 'U', metalVersion: '4' },
    ]);
  });

  it('refuses an Intel Mac: only Apple silicon is supported on macOS', () => {
    const text = JSON.stringify({
      SPDisplaysDataType: [
        {
          _name: 'AMD Radeon Pro 5500M',
          spdisplays_vendor: 'sppci_vendor_amd',
          sppci_model: 'AMD Radeon Pro 5500M',
          spdisplays_vram: '8 GB',
        },
        {
          _name: 'Intel UHD Graphics 630',
          spdisplays_vendor: 'sppci_vendor_intel',
          sppci_model: 'Intel UHD Graphics 630',
        },
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
    const run = scriptedRunner({
      [NVIDIA_QUERY]: ok(fixture('nvidia-smi-rtx4090.csv')),
      'nvidia-smi': ok(fixture('nvidia-smi-rtx4090-table.txt')),
    });
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
      {
        model: 'AMD Instinct MI300X',
        vramMb: 196592,
        uuid: '0x8b27e4d1c95f0a63',
        pciId: '0000:05:00.0',
        driverVersion: '6.8.5',
        rocmVersion: '6.2.4',
      },
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
    expect((error as GpuDetectionError).message).toContain(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    );
  });

  it('reports rocm-smi’s driver error, which it prints on stderr while exiting 0', async () => {
    const run = scriptedRunner({
      [ROCM_QUERY]: { stdout: '', stderr: fixture('rocm-smi-driver-not-initialized.stderr.txt'), code: 0 },
    });
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
