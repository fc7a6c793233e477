/**
 * GPU node attestation: a single-use challenge, a signed attestation checked against the GPU catalog,
 * and the operator's verification and suspension. Errors follow the wire contract's order: shape
 * (the caller parsed ./requests.ts), signature, authority, hardware evidence, then state (challenge,
 * hardware bound to another miner). A rejected attestation changes nothing, not even its challenge.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { AuthorizationError, HardwareEvidenceError, StateError } from '../domain/errors.js';
import { JOB_TYPES, type JobType } from '../domain/fields.js';
import { isOutlierQuote, type FairRate } from '../pricing/fair-rate.js';
import { outlierFlag, type PriceChangeRow, type PricingStore } from '../pricing/store.js';
import { verifyActionSignature, type SignedBy } from '../domain/signatures.js';
import type { OperatorGate } from '../operator.js';
import { examineGpus, nodeFingerprint, trustLevel, versionNumber, type TrustLevel } from './evidence.js';
import { attestationAction, PRICE_FIELD, type Attestation } from './requests.js';
import type { NodeChange, NodeEventLog, NodeEventMessage } from './events.js';
import type { AttestationStore, DeviceRow, NodeRow } from './store.js';

export const CHALLENGE_TTL_S = 300;

export type NodeStatus = 'online' | 'offline' | 'suspended';
export type { NodeChange };

export interface AttestationResult {
  minerId: string;
  status: NodeStatus;
  trust: TrustLevel;
  fingerprint: string;
  flags: string[];
}

export interface AttestationServiceDeps {
  store: AttestationStore;
  operator: OperatorGate;
  clock: Clock;
  log: Logger;
  /** How long an attestation keeps a node online. */
  attestationTtlS: number;
  pricing: PricingStore;
  /** The current fair-rate statistic of a job type, against which a new quote is judged. */
  currentRate(jobType: JobType): FairRate;
  /** A node may change its price for a job type at most once per this many seconds. */
  priceChangeIntervalS: number;
  /** Numbers each node change in the change's own transaction. */
  events: NodeEventLog;
  /** Called with the change's event after it has committed. */
  onChange(event: NodeEventMessage): void;
}

export function nodeStatus(node: { suspended: boolean; lastAttestation: number }, now: number, ttlS: number): NodeStatus {
  if (node.suspended) return 'suspended';
  return now - node.lastAttestation <= ttlS ? 'online' : 'offline';
}

export function createAttestationService({
  store,
  operator,
  clock,
  log,
  attestationTtlS,
  pricing,
  currentRate,
  priceChangeIntervalS,
  events,
  onChange,
}: AttestationServiceDeps) {
  /**
   * The node's quotes against the market: each price change becomes a history row (at most one per
   * job type per interval), and a quote far outside the band around the current fair rate is flagged,
   * which keeps it out of the rate until the node quotes within the band again.
   */
  function priceQuotes(a: Attestation, previous: { prices: Record<JobType, bigint | null> } | null, now: number) {
    const changes: PriceChangeRow[] = [];
    const flags: string[] = [];
    for (const jobType of JOB_TYPES) {
      const field = PRICE_FIELD[jobType];
      const raw = a.prices[field];
      if (raw === undefined) continue;
      const price = BigInt(raw);
      const outlier = isOutlierQuote(price, currentRate(jobType));
      if (outlier) flags.push(outlierFlag(jobType));
      const old = previous?.prices[jobType] ?? null;
      if (old === price) continue;
      const last = pricing.lastChangeAt(a.miner_id, jobType);
      if (last !== null && now - last < priceChangeIntervalS) {
        throw new StateError('RATE_LIMITED', `the ${jobType} price changed ${now - last} s ago; it may change once every ${priceChangeIntervalS} s`);
      }
      changes.push({ minerId: a.miner_id, jobType, oldPriceUrtc: old, newPriceUrtc: price, changedAt: now, outlier });
    }
    return { changes, flags };
  }

  return {
    attestationTtlS,

    async requestChallenge(minerId: string): Promise<{ challenge: string; expiresAt: number }> {
      const now = clock();
      const challenge = randomBytes(32).toString('hex');
      const expiresAt = now + CHALLENGE_TTL_S;
      await store.submit(() => store.createChallenge(challenge, minerId, expiresAt, now));
      return { challenge, expiresAt };
    },

    async attest(attestation: Attestation, signed: SignedBy): Promise<AttestationResult> {
      const signer = verifyActionSignature(attestationAction(attestation), signed);
      if (signer !== attestation.miner_id) throw new AuthorizationError('FORBIDDEN', 'an attestation must be signed by the key of miner_id');
      const evidence = examineGpus(attestation.device_arch, attestation.gpus);
      if (!evidence.plausible) throw new HardwareEvidenceError(evidence.reason);

      const now = clock();
      const fingerprint = nodeFingerprint(attestation.gpus);
      const minerId = attestation.miner_id;
      const result = await store.submit((): AttestationResult & { changedFingerprint: boolean; event: NodeEventMessage } => {
        const challenge = store.findChallenge(attestation.challenge);
        if (!challenge || challenge.minerId !== minerId) throw new StateError('INVALID_CHALLENGE', 'unknown challenge: ask /gpu/challenge for one');
        if (challenge.usedAt !== null) throw new StateError('INVALID_CHALLENGE', 'this challenge was already used');
        if (challenge.expiresAt < now) throw new StateError('INVALID_CHALLENGE', 'this challenge has expired');
        const taken = store.devicesOfOtherMiners(attestation.gpus.map((g) => g.uuid), minerId);
        if (taken.length > 0) {
          throw new StateError('DUPLICATE_HARDWARE', `GPU ${taken[0]!.uuid} is already attested by ${taken[0]!.minerId}`);
        }

        const previous = store.findNode(minerId);
        const changedFingerprint = previous !== null && previous.fingerprint !== fingerprint;
        // The operator verified specific hardware: new hardware starts over from the evidence.
        const verified = previous !== null && previous.verified && !changedFingerprint;
        const quotes = priceQuotes(attestation, previous, now);
        const flags = [...evidence.flags, ...(changedFingerprint ? ['fingerprint_changed'] : []), ...quotes.flags];
        const trust = trustLevel(evidence.catalogConsistent, verified);
        store.saveNode(nodeRow(attestation, evidence.canonicalModels, { trust, verified, fingerprint, flags, now, previous }), deviceRows(attestation));
        for (const change of quotes.changes) pricing.recordChange(change);
        store.useChallenge(attestation.challenge, now);
        const status = nodeStatus({ suspended: previous?.suspended ?? false, lastAttestation: now }, now, attestationTtlS);
        return { minerId, status, trust, fingerprint, flags, changedFingerprint, event: events.record(minerId, 'attested', { status, trust }, now) };
      });

      log.info(
        {
          event: 'gpu.attested',
          miner_id: minerId,
          device_arch: attestation.device_arch,
          gpus: attestation.gpus.length,
          job_types: attestation.job_types,
          trust: result.trust,
          flags: result.flags,
        },
        `node ${minerId} attested ${attestation.gpus.length}× ${attestation.gpus[0]!.model} (${result.trust}${result.flags.length ? `; ${result.flags.join(', ')}` : ''})`,
      );
      if (result.changedFingerprint) log.warn({ event: 'gpu.fingerprint_changed', miner_id: minerId }, `node ${minerId} attested different hardware`);
      onChange(result.event);
      const { changedFingerprint: _, event: __, ...answer } = result;
      return answer;
    },

    /** Records an `offline` event for each node whose attestation lapsed since the last sweep. */
    async announceOffline(): Promise<number> {
      const now = clock();
      const announced = await store.submit(() => events.announceOffline(now - attestationTtlS, now));
      for (const event of announced) {
        log.info({ event: 'gpu.offline', miner_id: event.minerId }, `node ${event.minerId} went offline: its attestation lapsed`);
        onChange(event);
      }
      return announced.length;
    },

    /** Operator: grants (or withdraws) `verified` trust for the node's current hardware. */
    async setVerified(minerId: string, verified: boolean, adminKey: string | null | undefined): Promise<void> {
      operator.require(adminKey);
      const now = clock();
      const event = await store.submit(() => {
        const flags = store.flagsOf(minerId);
        const fallback: TrustLevel = flags.length === 0 ? 'catalog_consistent' : 'self_reported';
        if (!store.setVerified(minerId, verified, fallback)) throw new StateError('NOT_FOUND', `no GPU node ${minerId}`);
        const node = store.findNode(minerId)!;
        return events.record(minerId, verified ? 'verified' : 'unverified', { status: nodeStatus(node, now, attestationTtlS), trust: verified ? 'verified' : fallback }, now);
      });
      log.info({ event: verified ? 'gpu.verified' : 'gpu.unverified', miner_id: minerId }, `operator ${verified ? 'verified' : 'withdrew verification of'} node ${minerId}`);
      onChange(event);
    },

    /** Operator: takes a node out of the inventory (or puts it back). */
    async setSuspended(minerId: string, suspended: boolean, adminKey: string | null | undefined): Promise<void> {
      operator.require(adminKey);
      const now = clock();
      const event = await store.submit(() => {
        if (!store.setSuspended(minerId, suspended)) throw new StateError('NOT_FOUND', `no GPU node ${minerId}`);
        const node = store.findNode(minerId)!;
        return events.record(minerId, suspended ? 'suspended' : 'reinstated', { status: nodeStatus(node, now, attestationTtlS), trust: node.trust }, now);
      });
      log.info({ event: suspended ? 'gpu.suspended' : 'gpu.reinstated', miner_id: minerId }, `operator ${suspended ? 'suspended' : 'reinstated'} node ${minerId}`);
      onChange(event);
    },
  };
}

export type AttestationService = ReturnType<typeof createAttestationService>;

function nodeRow(
  a: Attestation,
  canonicalModels: string[],
  s: { trust: TrustLevel; verified: boolean; fingerprint: string; flags: string[]; now: number; previous: { suspended: boolean; firstAttestation: number } | null },
): NodeRow {
  const price = (jobType: JobType) => {
    const v = a.prices[PRICE_FIELD[jobType]];
    return v === undefined ? null : BigInt(v);
  };
  const first = a.gpus[0]!;
  const cuda = a.gpus.map((g) => g.cuda_version).find(Boolean);
  return {
    minerId: a.miner_id,
    deviceArch: a.device_arch,
    gpuModel: canonicalModels[0]!,
    gpuCount: a.gpus.length,
    maxVramMb: Math.max(...a.gpus.map((g) => g.vram_mb)),
    totalVramMb: a.gpus.reduce((sum, g) => sum + g.vram_mb, 0),
    cudaVersion: cuda ?? null,
    cudaVersionNum: versionNumber(cuda),
    rocmVersion: first.rocm_version ?? null,
    metalVersion: first.metal_version ?? null,
    benchmarkScore: a.gpus.reduce((sum, g) => sum + g.benchmark_score, 0),
    prices: { render: price('render'), tts: price('tts'), stt: price('stt'), llm: price('llm') },
    ttsModels: a.tts_models ?? [],
    sttModels: a.stt_models ?? [],
    llmModels: a.llm_models ?? [],
    trust: s.trust,
    verified: s.verified,
    suspended: s.previous?.suspended ?? false,
    fingerprint: s.fingerprint,
    flags: s.flags,
    firstAttestation: s.previous?.firstAttestation ?? s.now,
    lastAttestation: s.now,
  };
}

function deviceRows(a: Attestation): DeviceRow[] {
  return a.gpus.map((g, position) => ({
    uuid: g.uuid,
    position,
    model: g.model,
    vramMb: g.vram_mb,
    pciId: g.pci_id ?? null,
    driverVersion: g.driver_version ?? null,
    cudaVersion: g.cuda_version ?? null,
    rocmVersion: g.rocm_version ?? null,
    metalVersion: g.metal_version ?? null,
    benchmarkScore: g.benchmark_score,
  }));
}
