/**
 * Rows of GPU nodes, their GPUs, models and challenges, written on the shared writing connection
 * (src/group-commit.ts) so that an attestation is one atomic unit. Reads for the inventory go
 * through Prisma (./inventory.ts).
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from '../group-commit.js';
import type { JobType } from '../domain/fields.js';

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

export function createAttestationStore(db: Database.Database, writes: GroupCommit) {
  const s = {
    insertChallenge: db.prepare(
      'INSERT INTO attestation_challenges (challenge, miner_id, expires_at, client_address, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    purgeChallenges: db.prepare('DELETE FROM attestation_challenges WHERE expires_at < ?'),
    storedChallenges: db.prepare('SELECT count(*) FROM attestation_challenges').pluck(),
    openChallengesOf: db
      .prepare('SELECT count(*) FROM attestation_challenges WHERE miner_id = ? AND expires_at >= ? AND used_at IS NULL')
      .pluck(),
    challengesFromSince: db
      .prepare('SELECT count(*) FROM attestation_challenges WHERE client_address = ? AND created_at > ?')
      .pluck(),
    challenge: db.prepare('SELECT miner_id, expires_at, used_at FROM attestation_challenges WHERE challenge = ?'),
    useChallenge: db.prepare('UPDATE attestation_challenges SET used_at = ? WHERE challenge = ? AND used_at IS NULL'),
    node: db.prepare(
      `SELECT miner_id, fingerprint, trust, verified, suspended, first_attestation, last_attestation, price_render_minute_urtc,
         price_tts_1k_chars_urtc, price_stt_minute_urtc, price_llm_1k_tokens_urtc FROM gpu_attestations WHERE miner_id = ?`,
    ),
    devicesOfOthers: db.prepare(
      'SELECT uuid, miner_id FROM gpu_devices WHERE uuid IN (SELECT value FROM json_each(?)) AND miner_id <> ?',
    ),
    upsertNode: db.prepare(`
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
        flags = excluded.flags, last_attestation = excluded.last_attestation, offline_announced = 0`),
    deleteDevices: db.prepare('DELETE FROM gpu_devices WHERE miner_id = ?'),
    insertDevice: db.prepare(`
      INSERT INTO gpu_devices (uuid, miner_id, position, model, vram_mb, pci_id, driver_version, cuda_version, rocm_version, metal_version, benchmark_score)
      VALUES (@uuid, @minerId, @position, @model, @vramMb, @pciId, @driverVersion, @cudaVersion, @rocmVersion, @metalVersion, @benchmarkScore)`),
    deleteModels: db.prepare('DELETE FROM gpu_node_models WHERE miner_id = ?'),
    insertModel: db.prepare(`
      INSERT INTO gpu_node_models (miner_id, kind, name, canonical, job_type, params_b, quant, flags)
      VALUES (@minerId, @kind, @name, @canonical, @jobType, @paramsB, @quant, @flags)`),
    setVerified: db.prepare(
      "UPDATE gpu_attestations SET verified = @verified, trust = CASE WHEN @verified THEN 'verified' ELSE @fallbackTrust END WHERE miner_id = @minerId",
    ),
    setSuspended: db.prepare('UPDATE gpu_attestations SET suspended = ? WHERE miner_id = ?'),
    flagsOf: db.prepare('SELECT flags FROM gpu_attestations WHERE miner_id = ?').pluck(),
    setFlags: db.prepare('UPDATE gpu_attestations SET flags = ? WHERE miner_id = ?'),
    assignments: db.prepare(
      'SELECT uuid, miner_id FROM gpu_assignments WHERE uuid IN (SELECT value FROM json_each(?))',
    ),
    assign: db.prepare(
      'INSERT INTO gpu_assignments (uuid, miner_id, assigned_at) VALUES (?, ?, ?) ON CONFLICT (uuid) DO UPDATE SET miner_id = excluded.miner_id, assigned_at = excluded.assigned_at',
    ),
    holderOf: db.prepare('SELECT miner_id FROM gpu_devices WHERE uuid = ?').pluck(),
    deleteDevice: db.prepare('DELETE FROM gpu_devices WHERE uuid = ?'),
    insertContest: db.prepare(
      'INSERT INTO gpu_contests (uuid, claimant_miner_id, holder_miner_id, contested_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    contestHoldersOf: db.prepare('SELECT DISTINCT holder_miner_id FROM gpu_contests WHERE uuid = ?').pluck(),
    deleteContests: db.prepare('DELETE FROM gpu_contests WHERE uuid = ?'),
    holdsContested: db.prepare('SELECT 1 FROM gpu_contests WHERE holder_miner_id = ? LIMIT 1').pluck(),
  };

  const bool = (v: boolean) => (v ? 1 : 0);

  return {
    submit: writes.submit,

    /** Forgets expired challenges (used or not): an attestation can no longer name them. */
    purgeExpiredChallenges(now: number): number {
      return s.purgeChallenges.run(now).changes;
    },

    /** Challenges stored, open ones of `minerId`, and those issued to `clientAddress` after `since`. */
    challengeCounts(minerId: string, clientAddress: string | undefined, since: number, now: number) {
      return {
        stored: Number(s.storedChallenges.get()),
        openOfMiner: Number(s.openChallengesOf.get(minerId, now)),
        fromClient: clientAddress === undefined ? 0 : Number(s.challengesFromSince.get(clientAddress, since)),
      };
    },

    createChallenge(
      challenge: string,
      minerId: string,
      clientAddress: string | undefined,
      expiresAt: number,
      now: number,
    ) {
      s.insertChallenge.run(challenge, minerId, expiresAt, clientAddress ?? null, now);
    },

    findChallenge(challenge: string): { minerId: string; expiresAt: number; usedAt: number | null } | null {
      const row = s.challenge.get(challenge) as
        { miner_id: string; expires_at: bigint; used_at: bigint | null } | undefined;
      return row
        ? {
            minerId: row.miner_id,
            expiresAt: Number(row.expires_at),
            usedAt: row.used_at === null ? null : Number(row.used_at),
          }
        : null;
    },

    useChallenge(challenge: string, now: number): boolean {
      return s.useChallenge.run(now, challenge).changes === 1;
    },

    findNode(minerId: string): StoredNode | null {
      const r = s.node.get(minerId) as Record<string, unknown> | undefined;
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
        verified: Number(r.verified) === 1,
        suspended: Number(r.suspended) === 1,
        firstAttestation: Number(r.first_attestation),
        lastAttestation: Number(r.last_attestation),
      };
    },

    /** GPUs among `uuids` that are bound to another miner. */
    devicesOfOtherMiners(uuids: string[], minerId: string): { uuid: string; minerId: string }[] {
      return (s.devicesOfOthers.all(JSON.stringify(uuids), minerId) as { uuid: string; miner_id: string }[]).map(
        (r) => ({ uuid: r.uuid, minerId: r.miner_id }),
      );
    },

    /** Replaces the node's attestation, GPUs and model rows with these. */
    saveNode(node: NodeRow, devices: DeviceRow[]) {
      s.upsertNode.run({
        ...node,
        priceRender: node.prices.render,
        priceTts: node.prices.tts,
        priceStt: node.prices.stt,
        priceLlm: node.prices.llm,
        supportsRender: bool(node.prices.render !== null),
        supportsTts: bool(node.prices.tts !== null),
        supportsStt: bool(node.prices.stt !== null),
        supportsLlm: bool(node.prices.llm !== null),
        ttsModels: JSON.stringify(node.ttsModels),
        sttModels: JSON.stringify(node.sttModels),
        llmModels: JSON.stringify(node.llmModels),
        verified: bool(node.verified),
        suspended: bool(node.suspended),
        flags: JSON.stringify(node.flags),
      });
      s.deleteDevices.run(node.minerId);
      for (const d of devices) s.insertDevice.run({ ...d, minerId: node.minerId });
      s.deleteModels.run(node.minerId);
      for (const m of node.models) s.insertModel.run({ ...m, minerId: node.minerId, flags: JSON.stringify(m.flags) });
    },

    setVerified(minerId: string, verified: boolean, fallbackTrust: string): boolean {
      return s.setVerified.run({ minerId, verified: bool(verified), fallbackTrust }).changes === 1;
    },

    setSuspended(minerId: string, suspended: boolean): boolean {
      return s.setSuspended.run(bool(suspended), minerId).changes === 1;
    },

    flagsOf(minerId: string): string[] {
      const raw = s.flagsOf.get(minerId) as string | undefined;
      return raw ? (JSON.parse(raw) as string[]) : [];
    },

    setFlags(minerId: string, flags: string[]): void {
      s.setFlags.run(JSON.stringify(flags), minerId);
    },

    /** The operator's assignments among `uuids`: uuid → miner. */
    assignmentsOf(uuids: string[]): Map<string, string> {
      const rows = s.assignments.all(JSON.stringify(uuids)) as { uuid: string; miner_id: string }[];
      return new Map(rows.map((r) => [r.uuid, r.miner_id]));
    },

    /** Records that `claimantId` claims a GPU `holderId` holds; false when that claim was already recorded. */
    recordContest(uuid: string, claimantId: string, holderId: string, now: number): boolean {
      return s.insertContest.run(uuid, claimantId, holderId, now).changes === 1;
    },

    /** Whether `minerId` holds (or held, when it was claimed) a GPU still contested. */
    holdsContestedGpu(minerId: string): boolean {
      return s.holdsContested.get(minerId) !== undefined;
    },

    /**
     * Operator: binds the GPU to `minerId`, closes its contests and takes it away from any other node
     * holding it. Returns the previous holder (null when none) and the nodes whose contest closed.
     */
    assignGpu(uuid: string, minerId: string, now: number): { previousHolder: string | null; contestHolders: string[] } {
      const holder = (s.holderOf.get(uuid) as string | undefined) ?? null;
      const contestHolders = s.contestHoldersOf.all(uuid) as string[];
      s.assign.run(uuid, minerId, now);
      s.deleteContests.run(uuid);
      if (holder !== null && holder !== minerId) s.deleteDevice.run(uuid);
      return { previousHolder: holder, contestHolders };
    },
  };
}
