/**
 * GPU catalog and plausibility checks for `/gpu/attest` (docs/CONTRACT.md, "Attestation and inventory"):
 * a model whose vendor does not match `device_arch`, or whose `vram_mb` is not one of the model's real
 * sizes, is IMPLAUSIBLE_HARDWARE; a benchmark far outside the model's usual range is accepted with a flag.
 *
 * Pure data and functions, no I/O: the attestation service maps `implausible` to IMPLAUSIBLE_HARDWARE
 * and turns `flags` into the answer's `flags` and a lower `trust`.
 *
 * Unit of `benchmark_score`: the measured dense FP32 throughput in TFLOPS, as a node agent measures it
 * with a matrix-multiply run (plain FP32: no TF32, no sparsity). A model's `benchmark` range is
 * [0.6 × low spec, 1.15 × high spec] of its published FP32 TFLOPS: measured GEMMs come in under the
 * spec sheet, and a little overclock is normal. "Low" and "high" span the variants one entry covers
 * (cut-down GPU cores, PCIe vs SXM, …), see `fp32` below.
 */
import { DEVICE_ARCHES, type DeviceArch } from '@gpu-render-protocol/agent/protocol';

export { DEVICE_ARCHES, type DeviceArch };
export type GpuVendor = 'nvidia' | 'amd' | 'apple';

export const ARCH_VENDOR: Readonly<Record<DeviceArch, GpuVendor>> = {
  nvidia_gpu: 'nvidia',
  amd_gpu: 'amd',
  apple_gpu: 'apple',
};

/** Plausible `benchmark_score` (FP32 TFLOPS, see the module comment) for a model. */
export interface BenchmarkRange {
  readonly min: number;
  readonly max: number;
}

export interface GpuModelSpec {
  /** Canonical name, without the company prefix tools add ("GeForce RTX 4090", "Instinct MI300X"). */
  readonly name: string;
  readonly vendor: GpuVendor;
  /** The `device_arch` this model attests under. */
  readonly arch: DeviceArch;
  /** Every nominal memory size the model was sold with, in GB (Apple: unified memory). */
  readonly memoryGb: readonly number[];
  /** Other names tools print that normalisation alone does not map to `name`. */
  readonly aliases?: readonly string[];
  readonly benchmark: BenchmarkRange;
}

/**
 * `unknown_model`: the vendor matches but the model is not in the catalog, so memory and benchmark are
 * unchecked. `benchmark_outside_range`: outside [min, max]. `benchmark_far_outside_range`: outside
 * [min / 2, max × 2]; it replaces (does not accompany) `benchmark_outside_range`.
 */
export type GpuFlag = 'unknown_model' | 'benchmark_outside_range' | 'benchmark_far_outside_range';

export type GpuCheck =
  { verdict: 'implausible'; reason: string } | { verdict: 'ok'; spec: GpuModelSpec | undefined; flags: GpuFlag[] };

// ---------------------------------------------------------------------------------------------------
// Catalog data
// ---------------------------------------------------------------------------------------------------

/**
 * Published FP32 TFLOPS: one number, or [low, high] when one entry covers variants with different
 * compute (binned Apple GPUs, PCIe vs SXM, 10 vs 12 GB boards, vector vs matrix-core FP32 on CDNA).
 */
type Fp32 = number | readonly [low: number, high: number];

const VENDOR_ARCH: Readonly<Record<GpuVendor, DeviceArch>> = {
  nvidia: 'nvidia_gpu',
  amd: 'amd_gpu',
  apple: 'apple_gpu',
};
const MIN_OF_SPEC = 0.6;
const MAX_OF_SPEC = 1.15;
const round1 = (x: number) => Math.round(x * 10) / 10;

function entry(vendor: GpuVendor, name: string, memoryGb: number[], fp32: Fp32, aliases?: string[]): GpuModelSpec {
  const [low, high] = typeof fp32 === 'number' ? [fp32, fp32] : fp32;
  return Object.freeze({
    name,
    vendor,
    arch: VENDOR_ARCH[vendor],
    memoryGb: Object.freeze(memoryGb),
    ...(aliases && { aliases: Object.freeze(aliases) }),
    benchmark: Object.freeze({ min: round1(low * MIN_OF_SPEC), max: round1(high * MAX_OF_SPEC) }),
  });
}
const nvidia = (name: string, memoryGb: number[], fp32: Fp32, aliases?: string[]) =>
  entry('nvidia', name, memoryGb, fp32, aliases);
const amd = (name: string, memoryGb: number[], fp32: Fp32, aliases?: string[]) =>
  entry('amd', name, memoryGb, fp32, aliases);
const apple = (name: string, memoryGb: number[], fp32: Fp32) => entry('apple', name, memoryGb, fp32);

/**
 * RDNA3/RDNA4 spec sheets count dual-issue FP32, which a GEMM rarely reaches: the low end of the range
 * is the single-issue rate (half the published figure) so an honest measurement is not flagged.
 */
const dualIssue = (published: number): Fp32 => [published / 2, published];

/** The models providers really run. Multiple memory sizes of one product are one entry. */
export const GPU_CATALOG: readonly GpuModelSpec[] = Object.freeze([
  // NVIDIA GeForce, Turing (2060/2070/2080 ranges cover reference and Founders Edition clocks).
  nvidia('GeForce RTX 2060', [6, 12], [6.45, 7.18]),
  nvidia('GeForce RTX 2060 Super', [8], 7.18),
  nvidia('GeForce RTX 2070', [8], [7.46, 7.88]),
  nvidia('GeForce RTX 2070 Super', [8], 9.06),
  nvidia('GeForce RTX 2080', [8], [10.07, 10.6]),
  nvidia('GeForce RTX 2080 Super', [8], 11.15),
  nvidia('GeForce RTX 2080 Ti', [11], [13.45, 14.23]),
  // Ampere
  nvidia('GeForce RTX 3050', [6, 8], [6.77, 9.1]),
  nvidia('GeForce RTX 3060', [8, 12], 12.74),
  nvidia('GeForce RTX 3060 Ti', [8], 16.2),
  nvidia('GeForce RTX 3070', [8], 20.31),
  nvidia('GeForce RTX 3070 Ti', [8], 21.75),
  nvidia('GeForce RTX 3080', [10, 12], [29.77, 30.64]),
  nvidia('GeForce RTX 3080 Ti', [12], 34.1),
  nvidia('GeForce RTX 3090', [24], 35.58),
  nvidia('GeForce RTX 3090 Ti', [24], 40.0),
  // Ada
  nvidia('GeForce RTX 4060', [8], 15.11),
  nvidia('GeForce RTX 4060 Ti', [8, 16], 22.06),
  nvidia('GeForce RTX 4070', [12], 29.15),
  nvidia('GeForce RTX 4070 Super', [12], 35.48),
  nvidia('GeForce RTX 4070 Ti', [12], 40.09),
  nvidia('GeForce RTX 4070 Ti Super', [16], 44.1),
  nvidia('GeForce RTX 4080', [16], 48.74),
  nvidia('GeForce RTX 4080 Super', [16], 52.22),
  nvidia('GeForce RTX 4090', [24], 82.58),
  nvidia('GeForce RTX 4090 D', [24], 73.54),
  // Blackwell
  nvidia('GeForce RTX 5060', [8], 19.18),
  nvidia('GeForce RTX 5060 Ti', [8, 16], 23.7),
  nvidia('GeForce RTX 5070', [12], 30.87),
  nvidia('GeForce RTX 5070 Ti', [16], 43.94),
  nvidia('GeForce RTX 5080', [16], 56.28),
  nvidia('GeForce RTX 5090', [32], 104.8),

  // NVIDIA datacenter. One entry per chip across form factors (the range spans PCIe to SXM clocks).
  nvidia('Tesla P40', [24], 11.76),
  nvidia('Tesla P100', [12, 16], [9.3, 10.6]),
  nvidia('Tesla T4', [16], 8.14),
  nvidia('Tesla V100', [16, 32], [14.0, 15.7]),
  nvidia('Tesla V100S', [32], 16.4),
  nvidia('A10', [24], 31.2),
  nvidia('A10G', [24], 31.2),
  nvidia('A30', [24], 10.3),
  nvidia('A40', [48], 37.4),
  nvidia('A100', [40, 80], 19.5),
  nvidia('H100', [80], [51.2, 66.9]),
  nvidia('H100 NVL', [94], 60.0),
  nvidia('H200', [141], [60.0, 67.0], ['H200 NVL']),
  nvidia('L4', [24], 30.3),
  nvidia('L40', [48], 90.5),
  nvidia('L40S', [48], 91.6),
  // NVIDIA workstation
  nvidia('Quadro RTX 6000', [24], 16.3),
  nvidia('Quadro RTX 8000', [48], 16.3),
  nvidia('RTX A2000', [6, 12], 8.0),
  nvidia('RTX A4000', [16], 19.2),
  nvidia('RTX A4500', [20], 23.7),
  nvidia('RTX A5000', [24], 27.8),
  nvidia('RTX A6000', [48], 38.7),
  nvidia('RTX 4000 SFF Ada', [20], 19.2, ['RTX 4000 SFF Ada Generation']),
  nvidia('RTX 4000 Ada', [20], 26.7, ['RTX 4000 Ada Generation']),
  nvidia('RTX 5000 Ada', [32], 65.3, ['RTX 5000 Ada Generation']),
  nvidia('RTX 6000 Ada', [48], 91.1, ['RTX 6000 Ada Generation']),
  nvidia(
    'RTX PRO 6000 Blackwell',
    [96],
    [110.0, 126.0],
    [
      'RTX PRO 6000 Blackwell Workstation Edition',
      'RTX PRO 6000 Blackwell Server Edition',
      'RTX PRO 6000 Blackwell Max-Q Workstation Edition',
    ],
  ),

  // AMD Radeon
  amd('Radeon VII', [16], 13.8),
  amd('Radeon RX 6700 XT', [12], 13.21),
  amd('Radeon RX 6800', [16], 16.17),
  amd('Radeon RX 6800 XT', [16], 20.74),
  amd('Radeon RX 6900 XT', [16], 23.04),
  amd('Radeon RX 6950 XT', [16], 23.65),
  amd('Radeon RX 7600', [8], dualIssue(21.75)),
  amd('Radeon RX 7600 XT', [16], dualIssue(22.57)),
  amd('Radeon RX 7700 XT', [12], dualIssue(35.17)),
  amd('Radeon RX 7800 XT', [16], dualIssue(37.32)),
  amd('Radeon RX 7900 GRE', [16], dualIssue(45.98)),
  amd('Radeon RX 7900 XT', [20], dualIssue(51.48)),
  amd('Radeon RX 7900 XTX', [24], dualIssue(61.39)),
  amd('Radeon RX 9070', [16], dualIssue(36.13)),
  amd('Radeon RX 9070 XT', [16], dualIssue(48.66)),
  amd('Radeon Pro W6800', [32], 17.83),
  amd('Radeon Pro W7800', [32, 48], dualIssue(45.2)),
  amd('Radeon Pro W7900', [48], dualIssue(61.3)),
  // AMD Instinct. CDNA runs FP32 GEMMs on matrix cores too: the range spans the vector to the matrix
  // FP32 peak.
  amd('Instinct MI50', [16, 32], 13.3),
  amd('Instinct MI100', [32], [23.1, 46.1]),
  amd('Instinct MI210', [64], [22.6, 45.3]),
  // MI250/MI250X are two dies; the OS and the tools see each as a GPU with 64 GB (half the compute), so
  // both the per-die and the whole-card figures are real. rocm-smi prints "MI250X / MI250" for both
  // (shared device id): we map that to MI250X, whose range therefore starts at MI250's per-die rate.
  amd('Instinct MI250', [64, 128], [45.3 / 2, 90.5]),
  amd('Instinct MI250X', [64, 128], [45.3 / 2, 95.7], ['Instinct MI250X / MI250']),
  amd('Instinct MI300X', [192], [81.7, 163.4]),
  amd('Instinct MI325X', [256], [81.7, 163.4]),

  // Apple: memory is the unified memory configurations sold; FP32 spans the binned and full GPU.
  apple('Apple M1', [8, 16], [2.29, 2.6]),
  apple('Apple M1 Pro', [16, 32], [4.5, 5.2]),
  apple('Apple M1 Max', [32, 64], [7.8, 10.4]),
  apple('Apple M1 Ultra', [64, 128], [15.9, 21.2]),
  apple('Apple M2', [8, 16, 24], [2.9, 3.6]),
  apple('Apple M2 Pro', [16, 32], [5.7, 6.8]),
  apple('Apple M2 Max', [32, 64, 96], [10.7, 13.6]),
  apple('Apple M2 Ultra', [64, 128, 192], [21.5, 27.2]),
  apple('Apple M3', [8, 16, 24], [2.8, 4.1]),
  apple('Apple M3 Pro', [18, 36], [4.9, 7.4]),
  apple('Apple M3 Max', [36, 48, 64, 96, 128], [10.6, 16.4]),
  apple('Apple M3 Ultra', [96, 256, 512], [21.2, 32.8]),
  apple('Apple M4', [8, 16, 24, 32], [3.2, 4.3]), // 8 GB: iPad Pro
  apple('Apple M4 Pro', [24, 48, 64], [6.8, 9.2]),
  apple('Apple M4 Max', [36, 48, 64, 128], [13.6, 18.4]),
]);

// ---------------------------------------------------------------------------------------------------
// Name normalisation
// ---------------------------------------------------------------------------------------------------

/**
 * Words that carry no model identity: company and brand prefixes, form factors, memory technology.
 * Dropping them lets "NVIDIA A100-SXM4-80GB", "NVIDIA A100 80GB PCIe" and "A100" meet on one key.
 * Suffixes that do name a different card (Ti, Super, XT, XTX, Pro, Max, Ultra, D, S, NVL, Laptop) are
 * never noise.
 */
const NOISE_WORDS = new Set([
  'nvidia',
  'geforce',
  'rtx',
  'gtx',
  'tesla',
  'quadro',
  'amd',
  'radeon',
  'rx',
  'instinct',
  'apple',
  'gpu',
  'graphics',
  'generation',
  'pcie',
]);
const NOISE_PATTERN = /^(?:sxm\d*|hbm\d*e?)$/;
const isNoise = (word: string) => NOISE_WORDS.has(word) || NOISE_PATTERN.test(word);

/** Lower-case words, split at punctuation and at letter/digit boundaries ("4070ti" → 4070, ti). */
function words(name: string): string[] {
  return name.toLowerCase().match(/[a-z]+|\d+/g) ?? [];
}

/**
 * The lookup key of a model name: memory sizes ("80GB") and core counts ("38-core") removed, noise
 * words dropped, the rest joined. Noise is dropped before splitting, so "sxm4" and "hbm3" leave no
 * stray digit behind, and again after, so a glued "RTX4090" loses its "rtx".
 */
function nameKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/\b\d+\s*gb\b|\b\d+[\s-]*core\b/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w && !isNoise(w))
    .flatMap(words)
    .filter((w) => !isNoise(w))
    .join(' ');
}

/** Catalog lookup by key. Two entries normalising to one key would make lookups ambiguous: refuse. */
const INDEX: ReadonlyMap<string, GpuModelSpec> = (() => {
  const index = new Map<string, GpuModelSpec>();
  for (const spec of GPU_CATALOG) {
    for (const name of [spec.name, ...(spec.aliases ?? [])]) {
      const key = nameKey(name);
      const other = index.get(key);
      if (!key || (other && other !== spec)) {
        throw new Error(`GPU catalog: "${name}" normalises to "${key}", ${other ? `same as ${other.name}` : 'empty'}`);
      }
      index.set(key, spec);
    }
  }
  return index;
})();

const BRAND_VENDOR: ReadonlyMap<string, GpuVendor> = new Map([
  ...['nvidia', 'geforce', 'rtx', 'gtx', 'quadro', 'tesla', 'titan'].map((w) => [w, 'nvidia'] as const),
  ...['amd', 'radeon', 'instinct', 'rx', 'firepro'].map((w) => [w, 'amd'] as const),
  ['apple', 'apple'] as const,
]);

/** The vendors a name's brand words point at: none, one, or (contradictory) several. */
const brandsOf = (ws: string[]) => new Set(ws.flatMap((w) => BRAND_VENDOR.get(w) ?? []));

/**
 * The catalog entry of a model name as nvidia-smi, rocm-smi/amd-smi or system_profiler print it.
 *
 * The whole name must match (after normalisation), never a part of it: "RTX 4070 Ti SUPER" cannot
 * resolve to the 4070 Ti, and a name with words we do not know ("RTX 4090 Laptop GPU", "Max-Q") is
 * unknown rather than mistaken for a desktop card with other memory, which would wrongly reject it.
 * A name whose brand contradicts the entry ("Tesla M4" is not an Apple M4) does not match either.
 */
export function findGpuModel(name: string): GpuModelSpec | undefined {
  const spec = INDEX.get(nameKey(name));
  if (!spec) return undefined;
  return [...brandsOf(words(name))].every((vendor) => vendor === spec.vendor) ? spec : undefined;
}

/**
 * The vendor a model name names, by brand words, for models not in the catalog. Contradictory brands
 * ("AMD GeForce") name no vendor. Without a brand, an Apple chip name ("M3 Ultra": M and one digit) is
 * Apple; brands come first because NVIDIA also had an M4 ("Tesla M4").
 */
export function vendorOfName(name: string): GpuVendor | undefined {
  const ws = words(name);
  const brands = brandsOf(ws);
  if (brands.size > 0) return brands.size === 1 ? [...brands][0] : undefined;
  return ws.some((w, i) => w === 'm' && /^[1-9]$/.test(ws[i + 1] ?? '')) ? 'apple' : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Plausibility
// ---------------------------------------------------------------------------------------------------

/**
 * Tools report MiB, a little under nominal: nvidia-smi shows 24564 MiB for a 24 GB card, rocm-smi
 * 24560. ECC on GDDR6 datacenter cards (T4, L4, A10, L40S) reserves 1/16 more, so a 16 GB T4 shows
 * 15360 MiB (0.9375) and with older drivers 15109 MiB (0.922): hence 0.92, not tighter. The ceiling
 * leaves room for rounding only. Adjacent sizes of one model (10/12, 40/80, 8/16/24 GB) stay distinct.
 */
const VRAM_MIN_FRACTION = 0.92;
const VRAM_MAX_FRACTION = 1.01;

const VENDOR_LABEL: Readonly<Record<GpuVendor, string>> = { nvidia: 'NVIDIA', amd: 'AMD', apple: 'Apple' };

function matchesNominal(vramMb: number, gb: number): boolean {
  return vramMb >= gb * 1024 * VRAM_MIN_FRACTION && vramMb <= gb * 1024 * VRAM_MAX_FRACTION;
}

/** "24 GB", "8 or 12 GB", "32, 64 or 96 GB". */
function formatSizes(memoryGb: readonly number[]): string {
  const sizes = memoryGb.map(String);
  const last = sizes.pop();
  return `${sizes.length ? `${sizes.join(', ')} or ` : ''}${last} GB`;
}

function benchmarkFlags({ min, max }: BenchmarkRange, score: number): GpuFlag[] {
  if (score < min / 2 || score > max * 2) return ['benchmark_far_outside_range'];
  if (score < min || score > max) return ['benchmark_outside_range'];
  return [];
}

const implausible = (reason: string): GpuCheck => ({ verdict: 'implausible', reason });

/**
 * Whether one attested GPU is plausible for `deviceArch`. Implausible: a vendor other than the arch's
 * (or no telling the vendor), memory that is none of a known model's real sizes, a benchmark or memory
 * that is not a positive number. Otherwise ok, with flags for what could not be vouched for: an
 * unknown model, or a benchmark outside the model's range (accepted, never silently).
 */
export function checkGpu(
  deviceArch: DeviceArch,
  gpu: { model: string; vramMb: number; benchmarkScore: number },
): GpuCheck {
  const { model, vramMb, benchmarkScore } = gpu;
  // Callers validate the wire format; these guards keep a bad value from passing as "ok".
  if (!Object.hasOwn(ARCH_VENDOR, deviceArch)) return implausible(`unknown device_arch ${String(deviceArch)}`);
  if (!Number.isFinite(vramMb) || vramMb <= 0) return implausible(`vram_mb must be a positive number; got ${vramMb}`);
  if (!Number.isFinite(benchmarkScore) || benchmarkScore <= 0) {
    return implausible(`benchmark_score must be a positive number; got ${benchmarkScore}`);
  }

  const spec = findGpuModel(model);
  const vendor = spec?.vendor ?? vendorOfName(model);
  if (!vendor) return implausible(`cannot tell the vendor of model "${model}"`);
  if (vendor !== ARCH_VENDOR[deviceArch]) {
    return implausible(`model "${model}" is an ${VENDOR_LABEL[vendor]} GPU but device_arch is ${deviceArch}`);
  }
  if (!spec) return { verdict: 'ok', spec: undefined, flags: ['unknown_model'] };

  if (!spec.memoryGb.some((gb) => matchesNominal(vramMb, gb))) {
    return implausible(`${spec.name} has ${formatSizes(spec.memoryGb)}; ${vramMb} MiB reported`);
  }
  return { verdict: 'ok', spec, flags: benchmarkFlags(spec.benchmark, benchmarkScore) };
}
