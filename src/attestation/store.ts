/**
 * Rows of GPU nodes, their GPUs, models and challenges: the statements an attestation and the operator's
 * actions run inside their units of work (src/sql/statement.ts), so that each is one atomic change on either
 * database. The rows a decision is made on (a challenge, a node's flags, a GPU's holder) are read with
 * `forUpdate`, so that on PostgreSQL the decision holds until COMMIT as it does under SQLite's one writer.
 * The inventory's reads are ./inventory.ts.
 */
import type { JobType } from '../domain/fields.js';
import { bool, sql, type SqlEngine, type Work } from '../sql/statement.js';

export interface StoredNode {
  minerId: string;
  fingerprint: string;
  trust: string;
  prices: Record<JobType, bigint | null>;
  verified: boolean;
  suspended: boolean;
  firstAttestation: number;
  lastAttestation: number;
}

export interface NodeRow {
  minerId: string;
  deviceArch: string;
  gpuModel: string;
  gpuCount: number;
  maxVramMb: number;
  totalVramMb: number;
  cudaVersion: string | null;
  cudaVersionNum: number | null;
  rocmVersion: string | null;
  metalVersion: string | null;
  benchmarkScore: number;
  prices: Record<JobType, bigint | null>;
  /** The model lists as sent (and signed). */
  ttsModels: string[];
  sttModels: string[];
  llmModels: string[];
  /** One row per sent name, with what the catalog makes of it. */
  models: ModelRow[];
  trust: string;
  verified: boolean;
  suspended: boolean;
  fingerprint: string;
  flags: string[];
  firstAttestation: number;
  lastAttestation: number;
}

export interface ModelRow {
  kind: string;
  name: string;
  canonical: string | null;
  jobType: string | null;
  paramsB: number | null;
  quant: string | null;
  flags: string[];
}

export interface DeviceRow {
  uuid: string;
  position: number;
  model: string;
  vramMb: number;
  pciId: string | null;
  driverVersion: string | null;
  cudaVersion: string | null;
  rocmVersion: string | null;
  metalVersion: string | null;
  benchmarkScore: number;
}

export type AttestationStore = ReturnType<typeof createAttestationStore>;

/** The node row as of its attestation; `offline_announced` is reset, which is a boolean in PostgreSQL. */
const upsertNode = (notAnnounced: string) => `
      INSERT INTO gpu_attestations (miner_id, device_arch, gpu_model, gpu_count, max_vram_mb, total_vram_mb, cuda_version,
        cuda_version_num, rocm_version, metal_version, benchmark_score, price_render_minute_urtc, price_tts_1k_chars_urtc,
        price_stt_minute_urtc, price_llm_1k_tokens_urtc, supports_render, supports_tts, supports_stt, supports_llm,
        tts_models, stt_models, llm_models, trust, verified, suspended, fingerprint, flags, first_attestation, last_attestation)
      VALUES (@minerId, @deviceArch, @gpuModel, @gpuCount, @maxVramMb, @totalVramMb, @cudaVersion, @cudaVersionNum, @rocmVersion,
        @metalVersion, @benchmarkScore, @priceRender, @priceTts, @priceStt, @priceLlm, @supportsRender, @supportsTts, @supportsStt,
        @supportsLlm, @ttsModels, @sttModels, @llmModels, @trust, @verified, @suspended, @fingerprint, @flags, @firstAttestation,
        @lastAttestation)
      ON CONFLICT (miner_id) DO UPDATE SET device_arch = excluded.device_arch, gpu_model = excluded.gpu_model,
        gpu_count = excluded.gpu_count, max_vram_mb = excluded.max_vram_mb, total_vram_mb = excluded.total_vram_mb,
        cuda_version = excluded.cuda_version, cuda_version_num = excluded.cuda_version_num, rocm_version = excluded.rocm_version,
        metal_version = excluded.metal_version, benchmark_score = excluded.benchmark_score,
        price_render_minute_urtc = excluded.price_render_minute_urtc, price_tts_1k_chars_urtc = excluded.price_tts_1k_chars_urtc,
        price_stt_minute_urtc = excluded.price_stt_minute_urtc, price_llm_1k_tokens_urtc = excluded.price_llm_1k_tokens_urtc,
        supports_render = excluded.supports_render, supports_tts = excluded.supports_tts, supports_stt = excluded.supports_stt,
        supports_llm = excluded.supports_llm, tts_models = excluded.tts_models, stt_models = excluded.stt_models,
        llm_models = excluded.llm_models, trust = excluded.trust, verified = excluded.verified, fingerprint = excluded.fingerprint,
        flags = excluded.flags, last_attestation = excluded.last_attestation, offline_announced = ${notAnnounced}`;

/** `uuid IN` a JSON array of uuids. */
const inJsonArray = (column: string) => ({
  sqlite: `${column} IN (SELECT value FROM json_each(?))`,
  postgres: `${column} IN (SELECT json_array_elements_text(?::json))`,
});

const s = {
  /**
   * PostgreSQL: one miner's challenges and attestations one at a time, as SQLite's one writer runs them, so that a
   * first attestation (no node row yet to lock) and the open-challenge count hold against another instance.
   */
  lockMiner: sql("SELECT pg_advisory_xact_lock(hashtext('gpu_node:' || ?))", { only: 'postgres' }),
  insertChallenge: sql(
    'INSERT INTO attestation_challenges (challenge, miner_id, expires_at, client_address, created_at) VALUES (?, ?, ?, ?, ?)',
  ),
  purgeChallenges: sql('DELETE FROM attestation_challenges WHERE expires_at < ?'),
  storedChallenges: sql('SELECT count(*) FROM attestation_challenges'),
  openChallengesOf: sql(
    'SELECT count(*) FROM attestation_challenges WHERE miner_id = ? AND expires_at >= ? AND used_at IS NULL',
  ),
  challengesFromSince: sql('SELECT count(*) FROM attestation_challenges WHERE client_address = ? AND created_at > ?'),
  // Locked: two attestations naming one challenge at once, on two instances, use it once.
  challenge: sql('SELECT miner_id, expires_at, used_at FROM attestation_challenges WHERE challenge = ?', {
    forUpdate: true,
  }),
  useChallenge: sql('UPDATE attestation_challenges SET used_at = ? WHERE challenge = ? AND used_at IS NULL'),
  node: sql(
    `SELECT miner_id, fingerprint, trust, verified, suspended, first_attestation, last_attestation, price_render_minute_urtc,
         price_tts_1k_chars_urtc, price_stt_minute_urtc, price_llm_1k_tokens_urtc FROM gpu_attestations WHERE miner_id = ?`,
    { forUpdate: true },
  ),
  devicesOfOthers: sql({
    sqlite: `SELECT uuid, miner_id FROM gpu_devices WHERE ${inJsonArray('uuid').sqlite} AND miner_id <> ?`,
    postgres: `SELECT uuid, miner_id FROM gpu_devices WHERE ${inJsonArray('uuid').postgres} AND miner_id <> ?`,
  }),
  upsertNode: sql({ sqlite: upsertNode('0'), postgres: upsertNode('false') }),
  deleteDevices: sql('DELETE FROM gpu_devices WHERE miner_id = ?'),
  insertDevice: sql(`
      INSERT INTO gpu_devices (uuid, miner_id, position, model, vram_mb, pci_id, driver_version, cuda_version, rocm_version, metal_version, benchmark_score)
      VALUES (@uuid, @minerId, @position, @model, @vramMb, @pciId, @driverVersion, @cudaVersion, @rocmVersion, @metalVersion, @benchmarkScore)`),
  deleteModels: sql('DELETE FROM gpu_node_models WHERE miner_id = ?'),
  insertModel: sql(`
      INSERT INTO gpu_node_models (miner_id, kind, name, canonical, job_type, params_b, quant, flags)
      VALUES (@minerId, @kind, @name, @canonical, @jobType, @paramsB, @quant, @flags)`),
  setVerified: sql(
    "UPDATE gpu_attestations SET verified = @verified, trust = CASE WHEN @verified THEN 'verified' ELSE @fallbackTrust END WHERE miner_id = @minerId",
  ),
  setSuspended: sql('UPDATE gpu_attestations SET suspended = ? WHERE miner_id = ?'),
  flagsOf: sql('SELECT flags FROM gpu_attestations WHERE miner_id = ?', { forUpdate: true }),
  setFlags: sql('UPDATE gpu_attestations SET flags = ? WHERE miner_id = ?'),
  assignments: sql({
    sqlite: `SELECT uuid, miner_id FROM gpu_assignments WHERE ${inJsonArray('uuid').sqlite}`,
    postgres: `SELECT uuid, miner_id FROM gpu_assignments WHERE ${inJsonArray('uuid').postgres}`,
  }),
  assign: sql(
    'INSERT INTO gpu_assignments (uuid, miner_id, assigned_at) VALUES (?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET miner_id = excluded.miner_id, assigned_at = excluded.assigned_at',
  ),
  holderOf: sql('SELECT miner_id FROM gpu_devices WHERE uuid = ?', { forUpdate: true }),
  deleteDevice: sql('DELETE FROM gpu_devices WHERE uuid = ?'),
  insertContest: sql(
    'INSERT INTO gpu_contests (uuid, claimant_miner_id, holder_miner_id, contested_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
  ),
  contestHoldersOf: sql('SELECT DISTINCT holder_miner_id FROM gpu_contests WHERE uuid = ?'),
  deleteContests: sql('DELETE FROM gpu_contests WHERE uuid = ?'),
  holdsContested: sql('SELECT 1 FROM gpu_contests WHERE holder_miner_id = ? LIMIT 1'),
};

/** A flag as a parameter: 0/1 binds in SQLite and is a boolean's input in PostgreSQL. */
const flag = (v: boolean) => (v ? 1 : 0);

export interface StoredChallenge {
  minerId: string;
  expiresAt: number;
  usedAt: number | null;
}

/** The operations run inside a unit of work of `engine`: `store.write(function* () { yield* store.findNode(id) })`. */
export function createAttestationStore(engine: SqlEngine) {
  return {
    /** Runs a unit of work of the operations below, atomically (src/sql/statement.ts). */
    write: engine.write,
    /** Runs reads of the operations below. */
    read: engine.read,

    /** Inside a write, first: waits for the miner's other challenges and attestations in flight (PostgreSQL). */
    *lockMiner(minerId: string): Work<void> {
      yield* s.lockMiner.get([minerId]);
    },

    /** Forgets expired challenges (used or not): an attestation can no longer name them. */
    *purgeExpiredChallenges(now: number): Work<number> {
      return yield* s.purgeChallenges.run([now]);
    },

    /** Challenges stored, open ones of `minerId`, and those issued to `clientAddress` after `since`. */
    *challengeCounts(minerId: string, clientAddress: string | undefined, since: number, now: number) {
      return {
        stored: Number(yield* s.storedChallenges.value()),
        openOfMiner: Number(yield* s.openChallengesOf.value([minerId, now])),
        fromClient:
          clientAddress === undefined ? 0 : Number(yield* s.challengesFromSince.value([clientAddress, since])),
      };
    },

    *createChallenge(
      challenge: string,
      minerId: string,
      clientAddress: string | undefined,
      expiresAt: number,
      now: number,
    ): Work<void> {
      yield* s.insertChallenge.run([challenge, minerId, expiresAt, clientAddress ?? null, now]);
    },

    *findChallenge(challenge: string): Work<StoredChallenge | null> {
      const row = yield* s.challenge.get<{ miner_id: string; expires_at: unknown; used_at: unknown }>([challenge]);
      return row
        ? {
            minerId: row.miner_id,
            expiresAt: Number(row.expires_at),
            usedAt: row.used_at === null ? null : Number(row.used_at),
          }
        : null;
    },

    *useChallenge(challenge: string, now: number): Work<boolean> {
      return (yield* s.useChallenge.run([now, challenge])) === 1;
    },

    *findNode(minerId: string): Work<StoredNode | null> {
      const r = yield* s.node.get([minerId]);
      if (!r) return null;
      return {
        minerId: r.miner_id as string,
        fingerprint: r.fingerprint as string,
        trust: r.trust as string,
        prices: {
          render: r.price_render_minute_urtc as bigint | null,
          tts: r.price_tts_1k_chars_urtc as bigint | null,
          stt: r.price_stt_minute_urtc as bigint | null,
          llm: r.price_llm_1k_tokens_urtc as bigint | null,
        },
        verified: bool(r.verified),
        suspended: bool(r.suspended),
        firstAttestation: Number(r.first_attestation),
        lastAttestation: Number(r.last_attestation),
      };
    },

    /** GPUs among `uuids` that are bound to another miner. */
    *devicesOfOtherMiners(uuids: string[], minerId: string): Work<{ uuid: string; minerId: string }[]> {
      const rows = yield* s.devicesOfOthers.all<{ uuid: string; miner_id: string }>([JSON.stringify(uuids), minerId]);
      return rows.map((r) => ({ uuid: r.uuid, minerId: r.miner_id }));
    },

    /** Replaces the node's attestation, GPUs and model rows with these. */
    *saveNode(node: NodeRow, devices: DeviceRow[]): Work<void> {
      yield* s.upsertNode.run({
        minerId: node.minerId,
        deviceArch: node.deviceArch,
        gpuModel: node.gpuModel,
        gpuCount: node.gpuCount,
        maxVramMb: node.maxVramMb,
        totalVramMb: node.totalVramMb,
        cudaVersion: node.cudaVersion,
        cudaVersionNum: node.cudaVersionNum,
        rocmVersion: node.rocmVersion,
        metalVersion: node.metalVersion,
        benchmarkScore: node.benchmarkScore,
        priceRender: node.prices.render,
        priceTts: node.prices.tts,
        priceStt: node.prices.stt,
        priceLlm: node.prices.llm,
        supportsRender: flag(node.prices.render !== null),
        supportsTts: flag(node.prices.tts !== null),
        supportsStt: flag(node.prices.stt !== null),
        supportsLlm: flag(node.prices.llm !== null),
        ttsModels: JSON.stringify(node.ttsModels),
        sttModels: JSON.stringify(node.sttModels),
        llmModels: JSON.stringify(node.llmModels),
        trust: node.trust,
        verified: flag(node.verified),
        suspended: flag(node.suspended),
        fingerprint: node.fingerprint,
        flags: JSON.stringify(node.flags),
        firstAttestation: node.firstAttestation,
        lastAttestation: node.lastAttestation,
      });
      yield* s.deleteDevices.run([node.minerId]);
      for (const d of devices) yield* s.insertDevice.run({ ...d, minerId: node.minerId });
      yield* s.deleteModels.run([node.minerId]);
      for (const m of node.models)
        yield* s.insertModel.run({ ...m, minerId: node.minerId, flags: JSON.stringify(m.flags) });
    },

    *setVerified(minerId: string, verified: boolean, fallbackTrust: string): Work<boolean> {
      return (yield* s.setVerified.run({ minerId, verified: flag(verified), fallbackTrust })) === 1;
    },

    *setSuspended(minerId: string, suspended: boolean): Work<boolean> {
      return (yield* s.setSuspended.run([flag(suspended), minerId])) === 1;
    },

    *flagsOf(minerId: string): Work<string[]> {
      const raw = yield* s.flagsOf.value<string>([minerId]);
      return raw ? (JSON.parse(raw) as string[]) : [];
    },

    *setFlags(minerId: string, flags: string[]): Work<void> {
      yield* s.setFlags.run([JSON.stringify(flags), minerId]);
    },

    /** The operator's assignments among `uuids`: uuid → miner. */
    *assignmentsOf(uuids: string[]): Work<Map<string, string>> {
      const rows = yield* s.assignments.all<{ uuid: string; miner_id: string }>([JSON.stringify(uuids)]);
      return new Map(rows.map((r) => [r.uuid, r.miner_id]));
    },

    /** Records that `claimantId` claims a GPU `holderId` holds; false when that claim was already recorded. */
    *recordContest(uuid: string, claimantId: string, holderId: string, now: number): Work<boolean> {
      return (yield* s.insertContest.run([uuid, claimantId, holderId, now])) === 1;
    },

    /** Whether `minerId` holds (or held, when it was claimed) a GPU still contested. */
    *holdsContestedGpu(minerId: string): Work<boolean> {
      return (yield* s.holdsContested.get([minerId])) !== undefined;
    },

    /**
     * Operator: binds the GPU to `minerId`, closes its contests and takes it away from any other node
     * holding it. Returns the previous holder (null when none) and the nodes whose contest closed.
     */
    *assignGpu(
      uuid: string,
      minerId: string,
      now: number,
    ): Work<{ previousHolder: string | null; contestHolders: string[] }> {
      const holder = (yield* s.holderOf.value<string>([uuid])) ?? null;
      const contestHolders = yield* s.contestHoldersOf.values<string>([uuid]);
      yield* s.assign.run([uuid, minerId, now]);
      yield* s.deleteContests.run([uuid]);
      if (holder !== null && holder !== minerId) yield* s.deleteDevice.run([uuid]);
      return { previousHolder: holder, contestHolders };
    },
  };
}
