/** The GPU catalog and the plausibility rules of `/gpu/attest` (src/attestation/catalog.ts). */
import { describe, expect, it } from 'vitest';
import {
  ARCH_VENDOR,
  checkGpu,
  DEVICE_ARCHES,
  findGpuModel,
  GPU_CATALOG,
  type DeviceArch,
  type GpuCheck,
  type GpuModelSpec,
  vendorOfName,
} from '../src/attestation/catalog.js';

const spec = (name: string): GpuModelSpec => {
  const found = GPU_CATALOG.find((s) => s.name === name);
  if (!found) throw new Error(`no catalog entry named ${name}`);
  return found;
};

const ok = (check: GpuCheck) => {
  if (check.verdict !== 'ok') throw new Error(`expected ok, got: ${check.reason}`);
  return check;
};

const reasonOf = (check: GpuCheck) => {
  if (check.verdict !== 'implausible') throw new Error(`expected implausible, got ok ${JSON.stringify(check.flags)}`);
  return check.reason;
};

describe('catalog', () => {
  it('has at least 45 models from each vendor together', () => {
    expect(GPU_CATALOG.length).toBeGreaterThanOrEqual(45);
    for (const vendor of ['nvidia', 'amd', 'apple'] as const) {
      expect(GPU_CATALOG.filter((s) => s.vendor === vendor).length).toBeGreaterThanOrEqual(10);
    }
  });

  it.each(GPU_CATALOG.map((s) => [s.name, s] as const))('%s is well formed', (_name, s) => {
    expect(s.memoryGb.length).toBeGreaterThan(0);
    for (const gb of s.memoryGb) expect(gb).toBeGreaterThan(0);
    expect(new Set(s.memoryGb).size).toBe(s.memoryGb.length);
    expect(s.benchmark.min).toBeGreaterThan(0);
    expect(s.benchmark.min).toBeLessThan(s.benchmark.max);
    expect(ARCH_VENDOR[s.arch]).toBe(s.vendor);
    // Every entry is reachable by its own name and aliases.
    for (const name of [s.name, ...(s.aliases ?? [])]) expect(findGpuModel(name)).toBe(s);
  });

  it('has no two entries with the same canonical name', () => {
    const names = GPU_CATALOG.map((s) => s.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
  });

  it('ranges benchmarks around the published FP32 TFLOPS', () => {
    // RTX 4090: 82.58 TFLOPS → [0.6 ×, 1.15 ×].
    expect(spec('GeForce RTX 4090').benchmark).toEqual({ min: 49.5, max: 95 });
  });
});

describe('findGpuModel', () => {
  it.each([
    // nvidia-smi
    ['NVIDIA GeForce RTX 4090', 'GeForce RTX 4090'],
    ['NVIDIA A100-SXM4-80GB', 'A100'],
    ['NVIDIA A100-SXM4-40GB', 'A100'],
    ['NVIDIA A100 80GB PCIe', 'A100'],
    ['NVIDIA A100-PCIE-40GB', 'A100'],
    ['NVIDIA H100 80GB HBM3', 'H100'],
    ['NVIDIA H100 PCIe', 'H100'],
    ['NVIDIA H100 NVL', 'H100 NVL'],
    ['NVIDIA H200', 'H200'],
    ['NVIDIA H200 NVL', 'H200'],
    ['Tesla T4', 'Tesla T4'],
    ['NVIDIA T4', 'Tesla T4'],
    ['Tesla V100-SXM2-32GB', 'Tesla V100'],
    ['Tesla V100-PCIE-16GB', 'Tesla V100'],
    ['Tesla V100S-PCIE-32GB', 'Tesla V100S'],
    ['NVIDIA RTX A6000', 'RTX A6000'],
    ['NVIDIA L40S', 'L40S'],
    ['NVIDIA L40', 'L40'],
    ['NVIDIA L4', 'L4'],
    ['NVIDIA A10G', 'A10G'],
    ['NVIDIA A10', 'A10'],
    ['NVIDIA RTX 6000 Ada Generation', 'RTX 6000 Ada'],
    ['Quadro RTX 6000', 'Quadro RTX 6000'],
    ['NVIDIA RTX PRO 6000 Blackwell Workstation Edition', 'RTX PRO 6000 Blackwell'],
    ['NVIDIA GeForce RTX 3060', 'GeForce RTX 3060'],
    ['NVIDIA GeForce RTX 3060 Ti', 'GeForce RTX 3060 Ti'],
    ['NVIDIA GeForce RTX 4070', 'GeForce RTX 4070'],
    ['NVIDIA GeForce RTX 4070 Ti', 'GeForce RTX 4070 Ti'],
    ['NVIDIA GeForce RTX 4070 SUPER', 'GeForce RTX 4070 Super'],
    ['NVIDIA GeForce RTX 4070 Ti SUPER', 'GeForce RTX 4070 Ti Super'],
    ['NVIDIA GeForce RTX 4090 D', 'GeForce RTX 4090 D'],
    ['NVIDIA GeForce RTX 5090', 'GeForce RTX 5090'],
    // rocm-smi / amd-smi / rocminfo
    ['AMD Radeon RX 7900 XTX', 'Radeon RX 7900 XTX'],
    ['Radeon RX 7900 XTX', 'Radeon RX 7900 XTX'],
    ['AMD Radeon RX 7900 XT', 'Radeon RX 7900 XT'],
    ['AMD Radeon RX 6800', 'Radeon RX 6800'],
    ['AMD Radeon RX 6800 XT', 'Radeon RX 6800 XT'],
    ['AMD Radeon PRO W7900', 'Radeon Pro W7900'],
    ['AMD Instinct MI300X', 'Instinct MI300X'],
    ['AMD Instinct MI250X / MI250', 'Instinct MI250X'],
    ['AMD Instinct MI250X', 'Instinct MI250X'],
    ['AMD Instinct MI250', 'Instinct MI250'],
    ['AMD Instinct MI210', 'Instinct MI210'],
    // system_profiler
    ['Apple M1', 'Apple M1'],
    ['Apple M2 Max', 'Apple M2 Max'],
    ['Apple M3 Pro', 'Apple M3 Pro'],
    ['Apple M2 Ultra', 'Apple M2 Ultra'],
    ['Apple M4 Max', 'Apple M4 Max'],
    // Case, punctuation, spacing and glued suffixes
    ['nvidia geforce rtx 4090', 'GeForce RTX 4090'],
    ['  NVIDIA   GeForce  RTX-4090 ', 'GeForce RTX 4090'],
    ['GeForce RTX4070Ti', 'GeForce RTX 4070 Ti'],
    ['RTX 4070 Ti-Super', 'GeForce RTX 4070 Ti Super'],
    ['rx 7900xtx', 'Radeon RX 7900 XTX'],
    ['M2 MAX', 'Apple M2 Max'],
    ['a100', 'A100'],
  ])('%s → %s', (input, expected) => {
    expect(findGpuModel(input)?.name).toBe(expected);
  });

  it.each([
    // Suffix traps: a longer name never resolves to a shorter one, nor the reverse.
    ['NVIDIA GeForce RTX 3060 Ti', 'GeForce RTX 3060'],
    ['NVIDIA GeForce RTX 4070 Ti SUPER', 'GeForce RTX 4070 Ti'],
    ['NVIDIA GeForce RTX 4070 Ti SUPER', 'GeForce RTX 4070'],
    ['NVIDIA GeForce RTX 4070 Ti', 'GeForce RTX 4070'],
    ['NVIDIA GeForce RTX 4090 D', 'GeForce RTX 4090'],
    ['AMD Radeon RX 7900 XTX', 'Radeon RX 7900 XT'],
    ['AMD Radeon RX 7900 XT', 'Radeon RX 7900 XTX'],
    ['AMD Radeon RX 6800 XT', 'Radeon RX 6800'],
    ['Apple M2 Max', 'Apple M2'],
    ['Apple M3 Pro', 'Apple M3'],
    ['Apple M1 Ultra', 'Apple M1 Max'],
    ['NVIDIA L40S', 'L40'],
    ['NVIDIA A10G', 'A10'],
    ['NVIDIA H100 NVL', 'H100'],
  ])('%s is not %s', (input, wrong) => {
    expect(findGpuModel(input)?.name).not.toBe(wrong);
  });

  it.each([
    // Unknown words make the name unknown instead of matching a desktop card with other memory.
    'NVIDIA GeForce RTX 4090 Laptop GPU',
    'NVIDIA GeForce RTX 3080 Ti Laptop GPU',
    'NVIDIA RTX A5000 Max-Q',
    'NVIDIA GeForce GTX 1080 Ti',
    'Apple M5',
    // A brand contradicting the entry: NVIDIA's Tesla M4 is not Apple's M4.
    'Tesla M4',
    'AMD GeForce RTX 4090',
    '',
    'NVIDIA',
  ])('%j is not in the catalog', (input) => {
    expect(findGpuModel(input)).toBeUndefined();
  });
});

describe('vendorOfName', () => {
  it.each([
    ['NVIDIA GeForce GTX 1080 Ti', 'nvidia'],
    ['GeForce GTX 1660 SUPER', 'nvidia'],
    ['Quadro P4000', 'nvidia'],
    ['Tesla P4', 'nvidia'],
    ['Tesla M4', 'nvidia'],
    ['RTX 2000 Ada', 'nvidia'],
    ['AMD Radeon RX 580', 'amd'],
    ['Radeon 780M', 'amd'],
    ['AMD Instinct MI300A', 'amd'],
    ['Apple M5', 'apple'],
    ['M4 Ultra', 'apple'],
    ['Apple A17 Pro', 'apple'],
  ])('%s → %s', (input, vendor) => {
    expect(vendorOfName(input)).toBe(vendor);
  });

  it.each(['Intel Arc A770', 'Moore Threads MTT S80', 'AMD GeForce', 'M4000', ''])('%j → undefined', (input) => {
    expect(vendorOfName(input)).toBeUndefined();
  });
});

describe('checkGpu: vendor against device_arch', () => {
  const samples: Record<DeviceArch, { model: string; vramMb: number; benchmarkScore: number }> = {
    nvidia_gpu: { model: 'NVIDIA GeForce RTX 4090', vramMb: 24564, benchmarkScore: 70 },
    amd_gpu: { model: 'AMD Radeon RX 7900 XTX', vramMb: 24560, benchmarkScore: 40 },
    apple_gpu: { model: 'Apple M2 Max', vramMb: 65536, benchmarkScore: 12 },
  };

  for (const arch of DEVICE_ARCHES) {
    it(`accepts a ${arch} GPU under ${arch}`, () => {
      expect(ok(checkGpu(arch, samples[arch])).flags).toEqual([]);
    });
    for (const other of DEVICE_ARCHES.filter((a) => a !== arch)) {
      it(`rejects a ${other} GPU under ${arch}`, () => {
        expect(reasonOf(checkGpu(arch, samples[other]))).toMatch(
          new RegExp(`^model ".+" is an \\w+ GPU but device_arch is ${arch}$`),
        );
      });
    }
  }

  it('says which vendor the model is', () => {
    expect(reasonOf(checkGpu('nvidia_gpu', samples.amd_gpu))).toBe(
      'model "AMD Radeon RX 7900 XTX" is an AMD GPU but device_arch is nvidia_gpu',
    );
  });

  it('rejects an unknown model of the wrong vendor', () => {
    expect(
      reasonOf(checkGpu('amd_gpu', { model: 'NVIDIA GeForce GTX 1080 Ti', vramMb: 11264, benchmarkScore: 10 })),
    ).toMatch(/is an NVIDIA GPU but device_arch is amd_gpu/);
  });

  it('accepts an unknown model of the right vendor with unknown_model', () => {
    const check = ok(
      checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce GTX 1080 Ti', vramMb: 11264, benchmarkScore: 10 }),
    );
    expect(check).toEqual({ verdict: 'ok', spec: undefined, flags: ['unknown_model'] });
    expect(ok(checkGpu('nvidia_gpu', { model: 'Tesla M4', vramMb: 4096, benchmarkScore: 2 })).flags).toEqual([
      'unknown_model',
    ]);
    expect(ok(checkGpu('apple_gpu', { model: 'Apple M5', vramMb: 16384, benchmarkScore: 4 })).flags).toEqual([
      'unknown_model',
    ]);
  });

  it('rejects a model whose vendor cannot be told', () => {
    expect(reasonOf(checkGpu('nvidia_gpu', { model: 'Intel Arc A770', vramMb: 16384, benchmarkScore: 15 }))).toBe(
      'cannot tell the vendor of model "Intel Arc A770"',
    );
    expect(
      reasonOf(checkGpu('nvidia_gpu', { model: 'AMD GeForce RTX 4090', vramMb: 24564, benchmarkScore: 70 })),
    ).toMatch(/cannot tell the vendor/);
  });

  it('rejects a device_arch outside the contract', () => {
    expect(reasonOf(checkGpu('intel_gpu' as DeviceArch, samples.nvidia_gpu))).toMatch(/unknown device_arch/);
  });
});

describe('checkGpu: memory', () => {
  it.each([
    // What the tools really print.
    ['nvidia_gpu', 'NVIDIA GeForce RTX 4090', 24564],
    ['nvidia_gpu', 'NVIDIA A100-SXM4-80GB', 81920],
    ['nvidia_gpu', 'NVIDIA A100 80GB PCIe', 81920],
    ['nvidia_gpu', 'NVIDIA A100-SXM4-40GB', 40960],
    ['nvidia_gpu', 'NVIDIA A100-PCIE-40GB', 40536],
    ['nvidia_gpu', 'NVIDIA H100 80GB HBM3', 81559],
    ['nvidia_gpu', 'NVIDIA H100 80GB HBM3', 81920],
    ['nvidia_gpu', 'Tesla T4', 15360],
    ['nvidia_gpu', 'Tesla T4', 15109], // older drivers, ECC on
    ['nvidia_gpu', 'NVIDIA L40S', 46068], // ECC on
    ['nvidia_gpu', 'Tesla V100-SXM2-32GB', 32510],
    ['nvidia_gpu', 'Tesla V100-SXM2-16GB', 16160],
    ['nvidia_gpu', 'NVIDIA GeForce RTX 3060', 8192],
    ['nvidia_gpu', 'NVIDIA GeForce RTX 3060', 12288],
    ['nvidia_gpu', 'NVIDIA GeForce RTX 3080', 10240],
    ['nvidia_gpu', 'NVIDIA GeForce RTX 3080', 12288],
    ['amd_gpu', 'AMD Radeon RX 7900 XTX', 24560],
    ['amd_gpu', 'AMD Instinct MI250X / MI250', 65520], // one die of two
    ['amd_gpu', 'AMD Instinct MI300X', 196592],
    ['apple_gpu', 'Apple M2 Max', 32 * 1024],
    ['apple_gpu', 'Apple M2 Max', 64 * 1024],
    ['apple_gpu', 'Apple M2 Max', 96 * 1024],
    ['apple_gpu', 'Apple M3 Pro', 18 * 1024],
    ['apple_gpu', 'Apple M3 Pro', 36 * 1024],
  ] as const)('%s %s with %d MiB is plausible', (arch, model, vramMb) => {
    const check = ok(checkGpu(arch, { model, vramMb, benchmarkScore: findGpuModel(model)!.benchmark.min }));
    expect(check.spec).toBe(findGpuModel(model));
  });

  it.each([
    ['nvidia_gpu', 'NVIDIA GeForce RTX 4090', 49152, 'GeForce RTX 4090 has 24 GB; 49152 MiB reported'],
    ['nvidia_gpu', 'NVIDIA GeForce RTX 4090', 16384, 'GeForce RTX 4090 has 24 GB; 16384 MiB reported'],
    ['nvidia_gpu', 'NVIDIA GeForce RTX 3060', 10240, 'GeForce RTX 3060 has 8 or 12 GB; 10240 MiB reported'],
    ['nvidia_gpu', 'NVIDIA A100-SXM4-80GB', 61440, 'A100 has 40 or 80 GB; 61440 MiB reported'],
    ['nvidia_gpu', 'Tesla T4', 8192, 'Tesla T4 has 16 GB; 8192 MiB reported'],
    ['amd_gpu', 'AMD Radeon RX 7900 XTX', 32768, 'Radeon RX 7900 XTX has 24 GB; 32768 MiB reported'],
    ['apple_gpu', 'Apple M2 Max', 16384, 'Apple M2 Max has 32, 64 or 96 GB; 16384 MiB reported'],
    ['apple_gpu', 'Apple M3 Pro', 32768, 'Apple M3 Pro has 18 or 36 GB; 32768 MiB reported'],
  ] as const)('%s %s with %d MiB is implausible', (arch, model, vramMb, reason) => {
    expect(reasonOf(checkGpu(arch, { model, vramMb, benchmarkScore: 10 }))).toBe(reason);
  });

  it('accepts memory from 92% to 101% of nominal, no further', () => {
    const at = (vramMb: number) =>
      checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce RTX 4090', vramMb, benchmarkScore: 70 }).verdict;
    const nominal = 24 * 1024;
    expect(at(Math.ceil(nominal * 0.92))).toBe('ok');
    expect(at(Math.floor(nominal * 1.01))).toBe('ok');
    expect(at(Math.ceil(nominal * 0.92) - 1)).toBe('implausible');
    expect(at(Math.floor(nominal * 1.01) + 1)).toBe('implausible');
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects vram_mb %d', (vramMb) => {
    expect(
      reasonOf(checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce GTX 1080 Ti', vramMb, benchmarkScore: 10 })),
    ).toMatch(/vram_mb/);
  });
});

describe('checkGpu: benchmark', () => {
  const rtx4090 = spec('GeForce RTX 4090');
  const { min, max } = rtx4090.benchmark;
  const flagsAt = (benchmarkScore: number) =>
    ok(checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce RTX 4090', vramMb: 24564, benchmarkScore })).flags;

  it.each([
    ['at min', min, []],
    ['inside', (min + max) / 2, []],
    ['at max', max, []],
    ['just under min', min - 0.01, ['benchmark_outside_range']],
    ['at min / 2', min / 2, ['benchmark_outside_range']],
    ['just under min / 2', min / 2 - 0.01, ['benchmark_far_outside_range']],
    ['just over max', max + 0.01, ['benchmark_outside_range']],
    ['at max × 2', max * 2, ['benchmark_outside_range']],
    ['just over max × 2', max * 2 + 0.01, ['benchmark_far_outside_range']],
    ['tiny', 0.001, ['benchmark_far_outside_range']],
  ] as const)('%s (%d TFLOPS) → %j', (_label, score, flags) => {
    expect(flagsAt(score)).toEqual(flags);
  });

  it('flags an outlying benchmark but still returns the spec', () => {
    const check = ok(checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce RTX 4090', vramMb: 24564, benchmarkScore: 1000 }));
    expect(check).toEqual({ verdict: 'ok', spec: rtx4090, flags: ['benchmark_far_outside_range'] });
  });

  it('does not judge the benchmark of an unknown model', () => {
    expect(
      ok(checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce GTX 1080 Ti', vramMb: 11264, benchmarkScore: 9999 })).flags,
    ).toEqual(['unknown_model']);
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects benchmark_score %d',
    (benchmarkScore) => {
      expect(
        reasonOf(checkGpu('nvidia_gpu', { model: 'NVIDIA GeForce RTX 4090', vramMb: 24564, benchmarkScore })),
      ).toMatch(/benchmark_score must be a positive number/);
    },
  );
});
