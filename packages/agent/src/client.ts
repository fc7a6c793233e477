/**
 * The agent's side of attestation (CONTRACT.md, "Attestation and inventory"): ask for a challenge,
 * build the attestation from what was detected and what the config says, sign it with the node's
 * wallet key and submit it.
 */
import { z } from 'zod';
import { benchmarkFor, ConfigError, type AgentConfig } from './config.js';
import type { Detection } from './gpus.js';
import { ATTEST_ACTION, type DeviceArch, type JobType, type Wallet } from './protocol/index.js';

export { ATTEST_ACTION };

export interface GpuAttestation {
  model: string;
  vram_mb: number;
  uuid: string;
  pci_id?: string;
  driver_version?: string;
  cuda_version?: string;
  rocm_version?: string;
  metal_version?: string;
  benchmark_score: number;
}

export interface AttestationPrices {
  render_minute_urtc?: string;
  tts_1k_chars_urtc?: string;
  stt_minute_urtc?: string;
  llm_1k_tokens_urtc?: string;
}

/** The POST /gpu/attest body without `public_key` and `signature`: what gets signed (plus `action`). */
export interface AttestationBody {
  miner_id: string;
  challenge: string;
  device_arch: DeviceArch;
  gpus: GpuAttestation[];
  job_types: JobType[];
  tts_models?: string[];
  stt_models?: string[];
  llm_models?: string[];
  prices: AttestationPrices;
}

export interface SignedAttestation extends AttestationBody {
  public_key: string;
  signature: string;
}

/** A failure reported by the server (`code` is its error code) or met on the way to it. */
export class AgentError extends Error {
  constructor(
    /** The server's error code (INVALID_CHALLENGE, DUPLICATE_HARDWARE…), or NETWORK, BAD_RESPONSE, HTTP_<status>. */
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/**
 * A version as the attestation carries it: the leading dotted number of what the tool printed. With the
 * amdgpu driver that ships in the kernel, rocm-smi's "Driver version" is the kernel release
 * ("6.8.0-49-generic"), which is sent as "6.8.0"; a version with no leading number is left out.
 */
export function wireVersion(version: string | undefined): string | undefined {
  return version === undefined ? undefined : /^\d+(?:\.\d+)*/.exec(version.trim())?.[0];
}

export interface BuildAttestationInput {
  minerId: string;
  challenge: string;
  config: AgentConfig;
  detection: Pick<Detection, 'deviceArch' | 'gpus'>;
}

/**
 * The unsigned attestation, field for field as the contract names them. Optional fields that are
 * absent are left out, never sent as null; versions go through `wireVersion`. Throws a ConfigError
 * when a GPU has no benchmark.
 */
export function buildAttestation({ minerId, challenge, config, detection }: BuildAttestationInput): AttestationBody {
  const gpus = detection.gpus.map((gpu): GpuAttestation => {
    const benchmark = benchmarkFor(config, gpu.uuid);
    const [driverVersion, cudaVersion, rocmVersion, metalVersion] = [
      gpu.driverVersion,
      gpu.cudaVersion,
      gpu.rocmVersion,
      gpu.metalVersion,
    ].map(wireVersion);
    if (benchmark === undefined) {
      throw new ConfigError(
        `no benchmark for GPU ${gpu.uuid} (${gpu.model}): add it to benchmark_scores, or set benchmark_score for every GPU`,
      );
    }
    return {
      model: gpu.model,
      vram_mb: gpu.vramMb,
      uuid: gpu.uuid,
      ...(gpu.pciId !== undefined && { pci_id: gpu.pciId }),
      ...(driverVersion !== undefined && { driver_version: driverVersion }),
      ...(cudaVersion !== undefined && { cuda_version: cudaVersion }),
      ...(rocmVersion !== undefined && { rocm_version: rocmVersion }),
      ...(metalVersion !== undefined && { metal_version: metalVersion }),
      benchmark_score: benchmark,
    };
  });

  const prices: AttestationPrices = {};
  for (const [key, value] of Object.entries(config.prices) as Array<[keyof AttestationPrices, string | undefined]>) {
    if (value !== undefined) prices[key] = value;
  }

  const body: AttestationBody = {
    miner_id: minerId,
    challenge,
    device_arch: detection.deviceArch,
    gpus,
    job_types: [...config.job_types],
    prices,
  };
  if (config.tts_models) body.tts_models = [...config.tts_models];
  if (config.stt_models) body.stt_models = [...config.stt_models];
  if (config.llm_models) body.llm_models = [...config.llm_models];
  return body;
}

/** The signed action object is the body plus `action: "gpu.attest"`. */
export function signAttestation(body: AttestationBody, wallet: Wallet): SignedAttestation {
  const signature = wallet.sign({ ...body, action: ATTEST_ACTION });
  return { ...body, public_key: wallet.publicKey, signature };
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const challengeAnswer = z.looseObject({ ok: z.literal(true), challenge: z.string().min(1), expires_at: z.unknown() });
const attestAnswer = z.looseObject({
  ok: z.literal(true),
  miner_id: z.string(),
  status: z.string(),
  trust: z.union([z.number(), z.string()]),
  fingerprint: z.string(),
  flags: z.array(z.unknown()),
});
export type AttestResult = z.infer<typeof attestAnswer>;

const errorAnswer = z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) });

const REQUEST_TIMEOUT_MS = 30_000;

function endpoint(serverUrl: string, path: string): string {
  return `${serverUrl.replace(/\/+$/, '')}${path}`;
}

async function postJson(fetchImpl: FetchLike, url: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    const reason = timeout.aborted
      ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
      : (cause ?? (error as Error).message);
    throw new AgentError(signal?.aborted ? 'ABORTED' : 'NETWORK', `POST ${url}: ${reason}`);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AgentError(
      response.ok ? 'BAD_RESPONSE' : `HTTP_${response.status}`,
      `POST ${url} answered HTTP ${response.status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`,
      response.status,
    );
  }
  const failure = errorAnswer.safeParse(parsed);
  if (failure.success) throw new AgentError(failure.data.error.code, failure.data.error.message, response.status);
  if (!response.ok) {
    throw new AgentError(
      `HTTP_${response.status}`,
      `POST ${url} answered HTTP ${response.status}: ${text.slice(0, 200)}`,
      response.status,
    );
  }
  return parsed;
}

export interface AttestOnceInput {
  serverUrl: string;
  wallet: Wallet;
  config: AgentConfig;
  detection: Pick<Detection, 'deviceArch' | 'gpus'>;
  fetchImpl?: FetchLike;
  signal?: AbortSignal;
}

/** POST /gpu/challenge, then the signed POST /gpu/attest. Resolves to the server's answer or throws an AgentError. */
export async function attestOnce({
  serverUrl,
  wallet,
  config,
  detection,
  fetchImpl = fetch,
  signal,
}: AttestOnceInput): Promise<AttestResult> {
  const challenge = await requestChallenge({ serverUrl, minerId: wallet.address, fetchImpl, signal });
  const body = signAttestation(buildAttestation({ minerId: wallet.address, challenge, config, detection }), wallet);
  const url = endpoint(serverUrl, '/gpu/attest');
  const answer = attestAnswer.safeParse(await postJson(fetchImpl, url, body, signal));
  if (!answer.success)
    throw new AgentError(
      'BAD_RESPONSE',
      `POST ${url}: the answer lacks ${answer.error.issues.map((i) => i.path.join('.')).join(', ')}`,
    );
  return answer.data;
}

/** POST /gpu/challenge → the challenge string. */
export async function requestChallenge({
  serverUrl,
  minerId,
  fetchImpl = fetch,
  signal,
}: {
  serverUrl: string;
  minerId: string;
  fetchImpl?: FetchLike;
  signal?: AbortSignal;
}): Promise<string> {
  const url = endpoint(serverUrl, '/gpu/challenge');
  const answer = challengeAnswer.safeParse(await postJson(fetchImpl, url, { miner_id: minerId }, signal));
  if (!answer.success) throw new AgentError('BAD_RESPONSE', `POST ${url}: the answer has no challenge`);
  return answer.data.challenge;
}
