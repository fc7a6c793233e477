/**
 * GPU node attestation: a single-use challenge (rate-limited), a signed attestation checked against the
 * GPU catalog, and the operator's verification, suspension and assignment of contested GPUs. Errors
 * follow the wire contract's order: shape (the caller parsed ./requests.ts), signature, authority,
 * hardware evidence, then state (challenge, hardware bound to another miner). A rejected attestation
 * changes nothing, not even its challenge, with one exception: claiming a GPU that another miner's node
 * holds marks that GPU contested (the holder is flagged and leaves the fair rate until the operator
 * assigns the GPU), so that whoever attested a GPU first does not own it for good.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { AuthorizationError, HardwareEvidenceError, StateError } from '../domain/errors.js';
import { JOB_TYPES, type JobType } from '../domain/fields.js';
import { CONTESTED_FLAG, REASSIGNED_FLAG } from '../pricing/eligibility.js';
import { isOutlierQuote, type FairRate } from '../pricing/fair-rate.js';
import { outlierFlag, type PriceChangeRow, type PricingStore } from '../pricing/store.js';
import { verifyActionSignature, type SignedBy } from '../domain/signatures.js';
import type { OperatorGate } from '../operator.js';
import type { SqlEngine, Work } from '../sql/statement.js';
import { examineGpus, nodeFingerprint, trustLevel, versionNumber, type TrustLevel } from './evidence.js';
import { examineModels, isModelFlag, type AttestedModel } from './models.js';
import { attestationAction, PRICE_FIELD, type Attestation } from './requests.js';
import type { NodeChange, NodeEventLog, NodeEventMessage } from './events.js';
import type { AttestationStore, DeviceRow, ModelRow, NodeRow } from './store.js';

export const CHALLENGE_TTL_S = 300;

export interface ChallengeLimits {
  /** Unused, unexpired challenges one miner may hold (CHALLENGE_OPEN_MAX_PER_MINER). */
  openPerMiner: number;
  /** Challenges one client address may obtain per minute (CHALLENGE_RATE_PER_MIN). */
  perClientPerMinute: number;
  /** Challenges stored at once, market-wide: the bound on the table whatever the number of addresses. */
  storedMax: number;
}

export const CHALLENGE_LIMITS_DEFAULT: ChallengeLimits = {
  openPerMiner: 5,
  perClientPerMinute: 30,
  storedMax: 100_000,
};

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
  /** The database the service's writes run on (an attestation records price changes through the pricing store). */
  sql: SqlEngine;
  operator: OperatorGate;
  clock: Clock;
  log: Logger;
  /** How long an attestation keeps a node online. */
  attestationTtlS: number;
  challengeLimits?: ChallengeLimits;
  pricing: Pick<PricingStore, 'lastChangeAt' | 'recordChange'>;
  /** The current fair-rate statistic of a job type, against which a new quote is judged (read before the write). */
  currentRate: (jobType: JobType) => FairRate | Promise<FairRate>;
  /** A node may change its price for a job type at most once per this many seconds. */
  priceChangeIntervalS: number;
  /** Numbers each node change in the change's own transaction. */
  events: NodeEventLog;
  /** Called with the change's event after it has committed. */
  onChange(event: NodeEventMessage): void;
}

/**
 * Inside a write: records `claimantId`'s claims on GPUs other nodes hold and flags the holders; the events of the
 * claims that are new, appended after every row change (the event log's order, src/subscriptions.ts).
 */
function contestIn(store: AttestationStore, events: NodeEventLog, ttlS: number) {
  return function* (
    taken: { uuid: string; minerId: string }[],
    claimantId: string,
    now: number,
  ): Work<NodeEventMessage[]> {
    const contested: { minerId: string; status: NodeStatus; trust: string }[] = [];
    for (const { uuid, minerId: holderId } of taken) {
      if (!(yield* store.recordContest(uuid, claimantId, holderId, now))) continue;
      const flags = yield* store.flagsOf(holderId);
      if (!flags.includes(CONTESTED_FLAG)) yield* store.setFlags(holderId, [...flags, CONTESTED_FLAG]);
      const node = (yield* store.findNode(holderId))!;
      contested.push({ minerId: holderId, status: nodeStatus(node, now, ttlS), trust: node.trust });
    }
    const recorded: NodeEventMessage[] = [];
    for (const { minerId, ...state } of contested)
      recorded.push(yield* events.record(minerId, 'contested', state, now));
    return recorded;
  };
}

export function nodeStatus(
  node: { suspended: boolean; lastAttestation: number },
  now: number,
  ttlS: number,
): NodeStatus {
  if (node.suspended) return 'suspended';
  return now - node.lastAttestation <= ttlS ? 'online' : 'offline';
}

export function createAttestationService({
  store,
  sql,
  operator,
  clock,
  log,
  attestationTtlS,
  challengeLimits = CHALLENGE_LIMITS_DEFAULT,
  pricing,
  currentRate,
  priceChangeIntervalS,
  events,
  onChange,
}: AttestationServiceDeps) {
  const contest = contestIn(store, events, attestationTtlS);

  /**
   * The node's quotes against the market: each price change becomes a history row (at most one per
   * job type per interval), and a quote far outside the band around the current fair rate is flagged,
   * which keeps it out of the rate until the node quotes within the band again.
   */
  function* priceQuotes(
    a: Attestation,
    rates: Partial<Record<JobType, FairRate>>,
    previous: { prices: Record<JobType, bigint | null> } | null,
    now: number,
  ): Work<{ changes: PriceChangeRow[]; flags: string[] }> {
    const changes: PriceChangeRow[] = [];
    const flags: string[] = [];
    for (const jobType of JOB_TYPES) {
      const field = PRICE_FIELD[jobType];
      const raw = a.prices[field];
      if (raw === undefined) continue;
      const price = BigInt(raw);
      const outlier = isOutlierQuote(price, rates[jobType]!);
      if (outlier) flags.push(outlierFlag(jobType));
      const old = previous?.prices[jobType] ?? null;
      if (old === price) continue;
      const last = yield* pricing.lastChangeAt(a.miner_id, jobType);
      if (last !== null && now - last < priceChangeIntervalS) {
        throw new StateError(
          'RATE_LIMITED',
          `the ${jobType} price changed ${now - last} s ago; it may change once every ${priceChangeIntervalS} s`,
        );
      }
      changes.push({ minerId: a.miner_id, jobType, oldPriceUrtc: old, newPriceUrtc: price, changedAt: now, outlier });
    }
    return { changes, flags };
  }

  /** The fair rates of the job types the attestation quotes, read before its unit of work (which must not wait). */
  async function ratesQuoted(a: Attestation): Promise<Partial<Record<JobType, FairRate>>> {
    const rates: Partial<Record<JobType, FairRate>> = {};
    for (const jobType of JOB_TYPES)
      if (a.prices[PRICE_FIELD[jobType]] !== undefined) rates[jobType] = await currentRate(jobType);
    return rates;
  }

  return {
    attestationTtlS,

    /**
     * A fresh challenge for `minerId`. `clientAddress` is the requesting client's address as the front
     * door determines it (absent for in-process callers); limits are RATE_LIMITED and store nothing.
     */
    async requestChallenge(minerId: string, clientAddress?: string): Promise<{ challenge: string; expiresAt: number }> {
      const now = clock();
      const challenge = randomBytes(32).toString('hex');
      const expiresAt = now + CHALLENGE_TTL_S;
      const { openPerMiner, perClientPerMinute, storedMax } = challengeLimits;
      await sql.write(function* () {
        yield* store.lockMiner(minerId);
        yield* store.purgeExpiredChallenges(now);
        const counts = yield* store.challengeCounts(minerId, clientAddress, now - 60, now);
        if (counts.fromClient >= perClientPerMinute) {
          throw new StateError(
            'RATE_LIMITED',
            `at most ${perClientPerMinute} challenges a minute per client address; try again in a minute`,
          );
        }
        if (counts.openOfMiner >= openPerMiner) {
          throw new StateError(
            'RATE_LIMITED',
            `${minerId} already holds ${openPerMiner} open challenges: use one, or wait until they expire (${CHALLENGE_TTL_S} s)`,
          );
        }
        if (counts.stored >= storedMax)
          throw new StateError('RATE_LIMITED', 'too many open challenges market-wide; try again shortly');
        yield* store.createChallenge(challenge, minerId, clientAddress, expiresAt, now);
      });
      return { challenge, expiresAt };
    },

    /** The sweeper's part: forgets expired challenges (the request path also does, before counting). */
    async purgeExpiredChallenges(): Promise<number> {
      const now = clock();
      return sql.write(() => store.purgeExpiredChallenges(now));
    },

    /**
     * `fieldsAsSent`, when the front door has them, are the body's fields with numbers as the node wrote them:
     * the signed object is built from those first (`80.0` stays `80.0`), and from the parsed values otherwise.
     */
    async attest(
      attestation: Attestation,
      signed: SignedBy,
      fieldsAsSent?: Record<string, unknown>,
    ): Promise<AttestationResult> {
      const parsed = attestationAction(attestation);
      const signer = verifyActionSignature(
        // Either form keeps miner_id as written: the parsed one has its wallet in lowercase.
        fieldsAsSent
          ? [
              { ...fieldsAsSent, action: 'gpu.attest' },
              { ...parsed, miner_id: fieldsAsSent.miner_id },
            ]
          : parsed,
        signed,
      );
      if (signer !== attestation.miner_id)
        throw new AuthorizationError('FORBIDDEN', 'an attestation must be signed by the key of miner_id');
      const evidence = examineGpus(attestation.device_arch, attestation.gpus);
      if (!evidence.plausible) throw new HardwareEvidenceError(evidence.reason);
      // Canonicalised only now, after the signature was verified over the names as sent.
      const models = examineModels(
        { tts: attestation.tts_models, stt: attestation.stt_models, llm: attestation.llm_models },
        Math.max(...attestation.gpus.map((g) => g.vram_mb)),
      );

      const rates = await ratesQuoted(attestation);
      const now = clock();
      const fingerprint = nodeFingerprint(attestation.gpus);
      const minerId = attestation.miner_id;
      type Outcome =
        | (AttestationResult & { refused?: undefined; changedFingerprint: boolean; event: NodeEventMessage })
        | { refused: StateError; contested: NodeEventMessage[] };
      const result = await sql.write(function* (): Work<Outcome> {
        yield* store.lockMiner(minerId);
        const challenge = yield* store.findChallenge(attestation.challenge);
        if (!challenge || challenge.minerId !== minerId)
          throw new StateError('INVALID_CHALLENGE', 'unknown challenge: ask /gpu/challenge for one');
        if (challenge.usedAt !== null) throw new StateError('INVALID_CHALLENGE', 'this challenge was already used');
        if (challenge.expiresAt < now) throw new StateError('INVALID_CHALLENGE', 'this challenge has expired');
        const uuids = attestation.gpus.map((g) => g.uuid);
        const assigned = yield* store.assignmentsOf(uuids);
        const elsewhere = uuids.find((uuid) => assigned.has(uuid) && assigned.get(uuid) !== minerId);
        if (elsewhere)
          throw new StateError(
            'DUPLICATE_HARDWARE',
            `GPU ${elsewhere} was assigned by the operator to ${assigned.get(elsewhere)}`,
          );
        const taken = yield* store.devicesOfOtherMiners(uuids, minerId);
        if (taken.length > 0) {
          // Refused, but the claim stands: committed with the refusal, so the operator sees it.
          const contested = yield* contest(taken, minerId, now);
          const refused = new StateError(
            'DUPLICATE_HARDWARE',
            `GPU ${taken[0]!.uuid} is already attested by ${taken[0]!.minerId}; it is now contested until the operator assigns it`,
          );
          return { refused, contested };
        }

        const previous = yield* store.findNode(minerId);
        const changedFingerprint = previous !== null && previous.fingerprint !== fingerprint;
        // The operator verified specific hardware: new hardware starts over from the evidence.
        const verified = previous !== null && previous.verified && !changedFingerprint;
        const quotes = yield* priceQuotes(attestation, rates, previous, now);
        const flags = [
          ...evidence.flags,
          ...(changedFingerprint ? ['fingerprint_changed'] : []),
          ...quotes.flags,
          ...((yield* store.holdsContestedGpu(minerId)) ? [CONTESTED_FLAG] : []),
          ...models.flags,
        ];
        // Model flags are left out of trust: they say what the node claims to serve, not what its hardware is.
        const trust = trustLevel(evidence.catalogConsistent, verified);
        yield* store.saveNode(
          nodeRow(attestation, evidence.canonicalModels, models.models, {
            trust,
            verified,
            fingerprint,
            flags,
            now,
            previous,
          }),
          deviceRows(attestation),
        );
        for (const change of quotes.changes) yield* pricing.recordChange(change);
        yield* store.useChallenge(attestation.challenge, now);
        const status = nodeStatus(
          { suspended: previous?.suspended ?? false, lastAttestation: now },
          now,
          attestationTtlS,
        );
        return {
          minerId,
          status,
          trust,
          fingerprint,
          flags,
          changedFingerprint,
          event: yield* events.record(minerId, 'attested', { status, trust }, now),
        };
      });
      if (result.refused) {
        for (const event of result.contested) {
          log.warn(
            { event: 'gpu.contested', miner_id: event.minerId, claimant: minerId },
            `${minerId} claims a GPU of node ${event.minerId}: contested until the operator assigns it`,
          );
          onChange(event);
        }
        throw result.refused;
      }

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
      if (result.changedFingerprint)
        log.warn(
          { event: 'gpu.fingerprint_changed', miner_id: minerId },
          `node ${minerId} attested different hardware`,
        );
      onChange(result.event);
      const { changedFingerprint: _, event: __, ...answer } = result;
      return answer;
    },

    /** Records an `offline` event for each node whose attestation lapsed since the last sweep. */
    async announceOffline(): Promise<number> {
      const now = clock();
      const announced = await sql.write(() => events.announceOffline(now - attestationTtlS, now));
      for (const event of announced) {
        log.info(
          { event: 'gpu.offline', miner_id: event.minerId },
          `node ${event.minerId} went offline: its attestation lapsed`,
        );
        onChange(event);
      }
      return announced.length;
    },

    /** Operator: grants (or withdraws) `verified` trust for the node's current hardware. */
    async setVerified(minerId: string, verified: boolean, adminKey: string | null | undefined): Promise<void> {
      operator.require(adminKey);
      const now = clock();
      const event = await sql.write(function* () {
        const flags = (yield* store.flagsOf(minerId)).filter((f) => !isModelFlag(f));
        const fallback: TrustLevel = flags.length === 0 ? 'catalog_consistent' : 'self_reported';
        if (!(yield* store.setVerified(minerId, verified, fallback)))
          throw new StateError('NOT_FOUND', `no GPU node ${minerId}`);
        const node = (yield* store.findNode(minerId))!;
        return yield* events.record(
          minerId,
          verified ? 'verified' : 'unverified',
          { status: nodeStatus(node, now, attestationTtlS), trust: verified ? 'verified' : fallback },
          now,
        );
      });
      log.info(
        { event: verified ? 'gpu.verified' : 'gpu.unverified', miner_id: minerId },
        `operator ${verified ? 'verified' : 'withdrew verification of'} node ${minerId}`,
      );
      onChange(event);
    },

    /**
     * Operator: the GPU belongs to `minerId`. Its contests close (their holders lose the flag), another
     * node holding it loses it (flagged `hardware_reassigned` until it attests again), and from now on
     * only `minerId` may attest with it.
     */
    async assignGpu(
      uuid: string,
      minerId: string,
      adminKey: string | null | undefined,
    ): Promise<{ uuid: string; minerId: string; previousHolder: string | null }> {
      operator.require(adminKey);
      const now = clock();
      const result = await sql.write(function* () {
        const { previousHolder, contestHolders } = yield* store.assignGpu(uuid, minerId, now);
        const lost = previousHolder !== null && previousHolder !== minerId ? previousHolder : null;
        const nodes: { id: string; status: NodeStatus; trust: string }[] = [];
        for (const id of new Set([minerId, ...contestHolders, ...(lost ? [lost] : [])])) {
          const node = yield* store.findNode(id);
          if (!node) continue;
          const before = yield* store.flagsOf(id);
          let flags = (yield* store.holdsContestedGpu(id)) ? before : before.filter((f) => f !== CONTESTED_FLAG);
          if (id === lost && !flags.includes(REASSIGNED_FLAG)) flags = [...flags, REASSIGNED_FLAG];
          yield* store.setFlags(id, flags);
          nodes.push({ id, status: nodeStatus(node, now, attestationTtlS), trust: node.trust });
        }
        // The events last, after every row change (the event log's order, src/subscriptions.ts).
        const changed: NodeEventMessage[] = [];
        for (const { id, ...state } of nodes) changed.push(yield* events.record(id, 'assigned', state, now));
        return { previousHolder, changed };
      });
      log.info(
        { event: 'gpu.assigned', uuid, miner_id: minerId, previous_holder: result.previousHolder },
        `operator assigned GPU ${uuid} to ${minerId}${result.previousHolder && result.previousHolder !== minerId ? ` (taken from ${result.previousHolder})` : ''}`,
      );
      for (const event of result.changed) onChange(event);
      return { uuid, minerId, previousHolder: result.previousHolder };
    },

    /** Operator: takes a node out of the inventory (or puts it back). */
    async setSuspended(minerId: string, suspended: boolean, adminKey: string | null | undefined): Promise<void> {
      operator.require(adminKey);
      const now = clock();
      const event = await sql.write(function* () {
        if (!(yield* store.setSuspended(minerId, suspended)))
          throw new StateError('NOT_FOUND', `no GPU node ${minerId}`);
        const node = (yield* store.findNode(minerId))!;
        return yield* events.record(
          minerId,
          suspended ? 'suspended' : 'reinstated',
          { status: nodeStatus(node, now, attestationTtlS), trust: node.trust },
          now,
        );
      });
      log.info(
        { event: suspended ? 'gpu.suspended' : 'gpu.reinstated', miner_id: minerId },
        `operator ${suspended ? 'suspended' : 'reinstated'} node ${minerId}`,
      );
      onChange(event);
    },
  };
}

export type AttestationService = ReturnType<typeof createAttestationService>;

function nodeRow(
  a: Attestation,
  canonicalModels: string[],
  models: AttestedModel[],
  s: {
    trust: TrustLevel;
    verified: boolean;
    fingerprint: string;
    flags: string[];
    now: number;
    previous: { suspended: boolean; firstAttestation: number } | null;
  },
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
    models: models.map(modelRow),
    trust: s.trust,
    verified: s.verified,
    suspended: s.previous?.suspended ?? false,
    fingerprint: s.fingerprint,
    flags: s.flags,
    firstAttestation: s.previous?.firstAttestation ?? s.now,
    lastAttestation: s.now,
  };
}

function modelRow({ kind, name, flags }: AttestedModel): ModelRow {
  return {
    kind,
    name: name.sent,
    canonical: name.canonical,
    jobType: name.jobType,
    paramsB: name.paramsB,
    quant: name.quant,
    flags,
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
