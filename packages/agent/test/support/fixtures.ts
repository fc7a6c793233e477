/**
 * The GPU tools' output fixtures (fixtures/gpu-tools, see its README) and the machines they describe.
 * The market server's integration test attests the same machines against a real server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseNvidiaSmiCsv,
  parseNvidiaSmiCudaVersion,
  parsePlatformUuid,
  parseRocmSmiJson,
  parseSysctlMemsize,
  parseSystemProfilerJson,
  type Detection,
} from '../../src/gpus.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'gpu-tools');
export const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

const nvidia = (csv: string, table?: string): Detection => {
  const cudaVersion = table === undefined ? undefined : parseNvidiaSmiCudaVersion(fixture(table));
  const gpus = parseNvidiaSmiCsv(fixture(csv));
  return {
    tool: 'nvidia-smi',
    deviceArch: 'nvidia_gpu',
    gpus: cudaVersion ? gpus.map((g) => ({ ...g, cudaVersion })) : gpus,
  };
};
const amd = (json: string): Detection => ({
  tool: 'rocm-smi',
  deviceArch: 'amd_gpu',
  gpus: parseRocmSmiJson(fixture(json), fixture('rocm-info-version.txt')),
});
const apple = (chip: string): Detection => ({
  tool: 'system_profiler',
  deviceArch: 'apple_gpu',
  gpus: parseSystemProfilerJson(
    fixture(`system-profiler-displays-${chip}.json`),
    parseSysctlMemsize(fixture(`sysctl-hw-memsize-${chip}.txt`)),
    parsePlatformUuid(fixture(`system-profiler-hardware-${chip}.json`)),
  ),
});

export interface FixtureMachine {
  name: string;
  detection: () => Detection;
  /** A benchmark inside the model's usual range (measured dense FP32 TFLOPS). */
  tflops: number;
  gpus: number;
}

/** What each fixture machine attests. */
export const MACHINES: FixtureMachine[] = [
  {
    name: 'RTX 4090',
    tflops: 80,
    gpus: 1,
    detection: () => nvidia('nvidia-smi-rtx4090.csv', 'nvidia-smi-rtx4090-table.txt'),
  },
  { name: '2× RTX 3090', tflops: 34, gpus: 2, detection: () => nvidia('nvidia-smi-2x-rtx3090.csv') },
  { name: '8× A100-SXM4-80GB', tflops: 18.5, gpus: 8, detection: () => nvidia('nvidia-smi-8x-a100-sxm4-80gb.csv') },
  { name: 'H100 80GB HBM3', tflops: 55, gpus: 1, detection: () => nvidia('nvidia-smi-h100-80gb-hbm3.csv') },
  { name: 'T4 with [N/A] fields', tflops: 7.5, gpus: 1, detection: () => nvidia('nvidia-smi-t4-na-fields.csv') },
  { name: 'RX 7900 XTX', tflops: 45, gpus: 1, detection: () => amd('rocm-smi-7900xtx.json') },
  { name: '2× MI250X', tflops: 40, gpus: 4, detection: () => amd('rocm-smi-2x-mi250x.json') },
  { name: 'MI300X', tflops: 120, gpus: 1, detection: () => amd('rocm-smi-mi300x.json') },
  { name: 'M2 Max', tflops: 12.5, gpus: 1, detection: () => apple('m2-max') },
  { name: 'M3 Pro', tflops: 6.5, gpus: 1, detection: () => apple('m3-pro') },
];
