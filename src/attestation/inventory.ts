/**
 * The GPU inventory that frontends and bots query by capability: filters, orderings and cursor pages
 * over the attested nodes, on either database (src/sql/statement.ts). The same query serves GraphQL's `gpuNodes`
 * and REST's `GET /gpu/nodes`. Every filter and ordering is backed by an index (see prisma/schema.prisma).
 *
 * The SQL text depends on which filters are given: each distinct text becomes one statement, kept for the
 * process's life, so that each engine prepares it once (there are as many texts as combinations of filters, a
 * bounded number); values are always parameters.
 */
import { canonicalModel, catalogIdsMatching, normaliseQuant } from '@gpu-render-protocol/agent/models';
import type { GpuNode } from '@prisma/client';
import { InvalidInputError } from '../domain/errors.js';
import type { JobType } from '../domain/fields.js';
import { bool, numberOrNull, sql, type Dialect, type SqlEngine, type Statement } from '../sql/statement.js';
import type { DeviceArch } from './catalog.js';
import { TRUST_LEVELS, versionNumber, type TrustLevel } from './evidence.js';
import { catalogEntries, type ModelJobType } from './models.js';

export interface InventoryFilter {
  jobType?: JobType;
  deviceArch?: DeviceArch;
  /** At least this much memory on one GPU, in GB as sold (reported MiB run a little under nominal). */
  minVramGb?: number;
  gpuModel?: string;
  minCudaVersion?: string;
  /** Any spelling the model catalog knows (matched on the canonical id), else the name exactly as sent. */
  ttsModel?: string;
  sttModel?: string;
  llmModel?: string;
  /** An LLM of at least this many billion parameters (with llmModel: that model). */
  minParamsB?: number;
  /** An LLM served in this quantisation, in any spelling (`Q4_K_M`, `q4_k_m`; `fp16` is `f16`). */
  quant?: string;
  /** Needs a job type: at most this price per unit of that job type. */
  maxPriceUrtc?: bigint;
  minTrust?: TrustLevel;
  /** Offline and suspended nodes are listed only when asked for. */
  includeOffline?: boolean;
}

export type InventoryOrderField = 'price' | 'benchmark' | 'vram' | 'freshness';
export interface InventoryOrder {
  field: InventoryOrderField;
  direction: 'asc' | 'desc';
  /** The job type whose price orders the list (defaults to the filter's). */
  jobType?: JobType;
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;
/** Tools report a little less memory than the size a GPU is sold with (see the catalog's tolerance). */
const REPORTED_VRAM_RATIO = 0.92;

export const PRICE_COLUMN = {
  render: 'price_render_minute_urtc',
  tts: 'price_tts_1k_chars_urtc',
  stt: 'price_stt_minute_urtc',
  llm: 'price_llm_1k_tokens_urtc',
} as const satisfies Record<JobType, string>;
const SUPPORTS_COLUMN = {
  render: 'supports_render',
  tts: 'supports_tts',
  stt: 'supports_stt',
  llm: 'supports_llm',
} as const satisfies Record<JobType, string>;

/** A WHERE clause being built: its conditions (joined by AND) and their values, in placeholder order. */
interface Clause {
  and: string[];
  params: unknown[];
}

/**
 * The conditions a node must meet, in SQL. `LIKE` is case-insensitive for ASCII in SQLite; PostgreSQL's
 * ILIKE matches it. A boolean is compared with a parameter (0/1), which both databases take for their flag columns.
 */
export function inventoryWhere(
  filter: InventoryFilter,
  order: InventoryOrder | undefined,
  now: number,
  ttlS: number,
  dialect: Dialect,
): Clause {
  const and: string[] = [];
  const params: unknown[] = [];
  const priceJobType = order?.field === 'price' ? (order.jobType ?? filter.jobType) : undefined;
  if (order?.field === 'price' && !priceJobType) throw new InvalidInputError('ordering by price needs a job type');
  if (filter.maxPriceUrtc !== undefined && !filter.jobType) throw new InvalidInputError('max price needs a job type');
  for (const jobType of new Set([filter.jobType, priceJobType]))
    if (jobType) {
      and.push(`g.${SUPPORTS_COLUMN[jobType]} = ?`);
      params.push(1);
    }
  // Implied by supports_* (a CHECK constraint), but it lets SQLite seek past the nulls in the price index.
  if (priceJobType) and.push(`g.${PRICE_COLUMN[priceJobType]} IS NOT NULL`);
  if (filter.jobType && filter.maxPriceUrtc !== undefined) {
    and.push(`g.${PRICE_COLUMN[filter.jobType]} <= ?`);
    params.push(filter.maxPriceUrtc);
  }
  if (filter.deviceArch) {
    and.push('g.device_arch = ?');
    params.push(filter.deviceArch);
  }
  if (filter.minVramGb !== undefined) {
    and.push('g.max_vram_mb >= ?');
    params.push(Math.floor(filter.minVramGb * 1024 * REPORTED_VRAM_RATIO));
  }
  if (filter.gpuModel) {
    const like = dialect === 'postgres' ? 'ILIKE' : 'LIKE';
    and.push(
      `(g.gpu_model ${like} ? OR EXISTS (SELECT 1 FROM gpu_devices d WHERE d.model ${like} ? AND d.miner_id = g.miner_id))`,
    );
    params.push(`%${filter.gpuModel}%`, `%${filter.gpuModel}%`);
  }
  if (filter.minCudaVersion) {
    and.push('g.cuda_version_num >= ?');
    params.push(versionNumber(filter.minCudaVersion)!);
  }
  for (const kind of ['tts', 'stt', 'llm'] as const) {
    const model = modelWhere(kind, filter, dialect);
    if (model) {
      and.push(`EXISTS (SELECT 1 FROM gpu_node_models m WHERE m.miner_id = g.miner_id AND ${model.and.join(' AND ')})`);
      params.push(...model.params);
    }
  }
  if (filter.minTrust) {
    const levels = TRUST_LEVELS.slice(TRUST_LEVELS.indexOf(filter.minTrust));
    and.push(`g.trust IN (${levels.map(() => '?').join(', ')})`);
    params.push(...levels);
  }
  if (!filter.includeOffline) {
    and.push('g.suspended = ? AND g.last_attestation >= ?');
    params.push(0, now - ttlS);
  }
  return { and, params };
}

const MODEL_FILTER = { tts: 'ttsModel', stt: 'sttModel', llm: 'llmModel' } as const;

/**
 * One model row the node must have: a name is canonicalised and matched on the canonical id (so any alias
 * finds every spelling; an engine's own name, such as `whisper`, finds every model of the engine), or, unknown to the catalog, matched as sent. LLM size and quantisation apply to
 * the same row as the LLM name.
 *
 * The row is looked up by its node (the key's miner_id and kind), for each node the page walks: on SQLite, which has no
 * statistics, a unary `+` keeps it from choosing the index by model instead, which reads every node serving the
 * model for each node walked (1–2.5 s at 100,000 nodes, against milliseconds by the node).
 */
function modelWhere(kind: ModelJobType, filter: InventoryFilter, dialect: Dialect): Clause | null {
  const notIndexed = dialect === 'sqlite' ? '+' : ''; // PostgreSQL has statistics (and no unary + on text)
  const and = ['m.kind = ?'];
  const params: unknown[] = [kind];
  const name = filter[MODEL_FILTER[kind]];
  if (name) {
    const canonical = canonicalModel(name, kind).canonical;
    if (canonical === null) {
      and.push(`${notIndexed}m.name = ?`);
      params.push(name);
    } else {
      const ids = catalogIdsMatching(canonical);
      and.push(`${notIndexed}m.canonical IN (${ids.map(() => '?').join(', ')})`);
      params.push(...ids);
    }
  }
  if (kind === 'llm' && filter.minParamsB !== undefined) {
    and.push('m.params_b >= ?');
    params.push(filter.minParamsB);
  }
  if (kind === 'llm' && filter.quant !== undefined) {
    const quant = normaliseQuant(filter.quant);
    if (quant === null)
      throw new InvalidInputError('quant must be a quantisation such as q4_k_m, q8_0, f16, bf16, fp8, awq or gptq');
    and.push('m.quant = ?');
    params.push(quant);
  }
  return and.length > 1 ? { and, params } : null;
}

function orderColumn(
  order: InventoryOrder | undefined,
  filter: InventoryFilter,
): { column: string; direction: 'asc' | 'desc' } {
  const o = order ?? { field: 'freshness', direction: 'desc' };
  const column =
    o.field === 'price'
      ? PRICE_COLUMN[(o.jobType ?? filter.jobType)!]
      : o.field === 'benchmark'
        ? 'benchmark_score'
        : o.field === 'vram'
          ? 'max_vram_mb'
          : 'last_attestation';
  return { column, direction: o.direction };
}

/** miner_id breaks ties, so that the order is total and a cursor page never skips or repeats a node. */
export function inventoryOrderBy(order: InventoryOrder | undefined, filter: InventoryFilter): string {
  const { column, direction } = orderColumn(order, filter);
  const dir = direction.toUpperCase();
  return `g.${column} ${dir}, g.miner_id ${dir}`;
}

/**
 * The nodes after the cursor node (keyset pagination). In a price order the cursor node's price is read first
 * and compared as a value (the price columns are nullable). On the other, non-null columns (a float among them,
 * which a value read back could compare inexactly) the cursor node's own column is compared in SQL, and the page
 * starts at the cursor node, which is then skipped (OFFSET 1); a cursor that names no node gives an empty page.
 */
function afterCursor(
  cursor: { minerId: string; price?: unknown },
  order: InventoryOrder | undefined,
  filter: InventoryFilter,
): Clause & { offset: number } {
  const { column, direction } = orderColumn(order, filter);
  const beyond = direction === 'asc' ? '>' : '<';
  if ('price' in cursor)
    return {
      and: [`(g.${column} ${beyond} ? OR (g.${column} = ? AND g.miner_id ${beyond} ?))`],
      params: [cursor.price, cursor.price, cursor.minerId],
      offset: 0,
    };
  const of = (c: string) => `(SELECT ${c} FROM gpu_attestations WHERE miner_id = ?)`;
  return {
    and: [
      `((g.${column} = ${of(column)} AND g.miner_id ${beyond}= ${of('miner_id')}) OR g.${column} ${beyond} ${of(column)})`,
    ],
    params: [cursor.minerId, cursor.minerId, cursor.minerId],
    offset: 1,
  };
}

/** One statement per distinct text: each engine prepares (and PostgreSQL plans) it once. */
const statements = new Map<string, Statement>();
function statement(text: string): Statement {
  let s = statements.get(text);
  if (!s) {
    s = sql(text);
    statements.set(text, s);
  }
  return s;
}

const cursorPrice = Object.fromEntries(
  Object.entries(PRICE_COLUMN).map(([jobType, column]) => [
    jobType,
    sql(`SELECT miner_id, ${column} AS price FROM gpu_attestations WHERE miner_id = ?`),
  ]),
) as Record<JobType, Statement>;

/** A row of gpu_attestations as the Prisma model names and types it (what GraphQL's GpuNode and REST read). */
export function gpuNodeOfRow(r: Record<string, unknown>): GpuNode {
  const price = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as bigint | number));
  return {
    minerId: r.miner_id as string,
    deviceArch: r.device_arch as string,
    gpuModel: r.gpu_model as string,
    gpuCount: Number(r.gpu_count),
    maxVramMb: Number(r.max_vram_mb),
    totalVramMb: Number(r.total_vram_mb),
    cudaVersion: r.cuda_version as string | null,
    cudaVersionNum: numberOrNull(r.cuda_version_num),
    rocmVersion: r.rocm_version as string | null,
    metalVersion: r.metal_version as string | null,
    benchmarkScore: Number(r.benchmark_score),
    priceRenderMinuteUrtc: price(r.price_render_minute_urtc),
    priceTts1kCharsUrtc: price(r.price_tts_1k_chars_urtc),
    priceSttMinuteUrtc: price(r.price_stt_minute_urtc),
    priceLlm1kTokensUrtc: price(r.price_llm_1k_tokens_urtc),
    supportsRender: bool(r.supports_render),
    supportsTts: bool(r.supports_tts),
    supportsStt: bool(r.supports_stt),
    supportsLlm: bool(r.supports_llm),
    ttsModels: r.tts_models as string,
    sttModels: r.stt_models as string,
    llmModels: r.llm_models as string,
    trust: r.trust as string,
    verified: bool(r.verified),
    suspended: bool(r.suspended),
    fingerprint: r.fingerprint as string,
    flags: r.flags as string,
    offlineAnnounced: bool(r.offline_announced),
    firstAttestation: Number(r.first_attestation),
    lastAttestation: Number(r.last_attestation),
  };
}

export interface InventoryPage {
  nodes: GpuNode[];
  hasNextPage: boolean;
  totalCount(): Promise<number>;
}

export async function listGpuNodes(
  engine: SqlEngine,
  q: { filter: InventoryFilter; order?: InventoryOrder; first?: number; after?: string; now: number; ttlS: number },
): Promise<InventoryPage> {
  const first = q.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
    throw new InvalidInputError(`first must be between 1 and ${MAX_PAGE}`);
  const where = inventoryWhere(q.filter, q.order, q.now, q.ttlS, engine.dialect);
  const orderBy = inventoryOrderBy(q.order, q.filter);
  const whereText = (and: string[]) => (and.length > 0 ? ` WHERE ${and.join(' AND ')}` : '');
  const rows = await engine.read(function* () {
    let page = { and: where.and, params: where.params, offset: 0 };
    if (q.after) {
      let cursor: { minerId: string; price?: unknown } = { minerId: q.after };
      if (q.order?.field === 'price') {
        const jobType = (q.order.jobType ?? q.filter.jobType)!;
        const node = yield* cursorPrice[jobType].get<{ miner_id: string; price: unknown }>([q.after]);
        if (!node) throw new InvalidInputError('after does not name a GPU node');
        cursor = { minerId: node.miner_id, price: node.price };
      }
      const after = afterCursor(cursor, q.order, q.filter);
      page = { and: [...where.and, ...after.and], params: [...where.params, ...after.params], offset: after.offset };
    }
    const text = `SELECT g.* FROM gpu_attestations g${whereText(page.and)} ORDER BY ${orderBy} LIMIT ? OFFSET ?`;
    return yield* statement(text).all([...page.params, first + 1, page.offset]);
  });
  const count = statement(`SELECT count(*) FROM gpu_attestations g${whereText(where.and)}`);
  return {
    nodes: rows.slice(0, first).map(gpuNodeOfRow),
    hasNextPage: rows.length > first,
    totalCount: async () => Number(await engine.read(() => count.value(where.params))),
  };
}

export interface ModelCount {
  id: string;
  jobType: ModelJobType;
  engine: string;
  displayName: string;
  aliases: readonly string[];
  paramsB: number | null;
  minVramMb: number | null;
  /** Online nodes that name this model (in any spelling). */
  onlineNodes: number;
}

export interface UnknownModelCount {
  name: string;
  jobType: ModelJobType;
  onlineNodes: number;
}

/** Unknown names listed at most, the most served first. */
export const UNKNOWN_MODELS_MAX = 100;

/** The statements of `modelCounts`, of one kind of model (`@kind`) or of all. */
function modelCountStatements(ofKind: boolean) {
  // `suspended` is a boolean in PostgreSQL.
  const online = (notSuspended: string) =>
    `${notSuspended} AND g.last_attestation >= @since${ofKind ? ' AND m.kind = @kind' : ''}`;
  const served = (notSuspended: string) => `
      SELECT m.canonical, count(DISTINCT m.miner_id) AS nodes
      FROM gpu_node_models m JOIN gpu_attestations g ON g.miner_id = m.miner_id
      WHERE m.canonical IS NOT NULL AND ${online(notSuspended)}
      GROUP BY m.canonical`;
  const unknown = (notSuspended: string, nameOrder: string) => `
      SELECT m.kind, m.name, count(*) AS nodes
      FROM gpu_node_models m JOIN gpu_attestations g ON g.miner_id = m.miner_id
      WHERE m.canonical IS NULL AND ${online(notSuspended)}
      GROUP BY m.kind, m.name ORDER BY nodes DESC, ${nameOrder} LIMIT @limit`;
  return {
    served: sql({ sqlite: served('g.suspended = 0'), postgres: served('g.suspended = false') }),
    // Names in byte order, as SQLite orders them, whatever the PostgreSQL database's collation.
    unknown: sql({
      sqlite: unknown('g.suspended = 0', 'm.name'),
      postgres: unknown('g.suspended = false', 'm.name COLLATE "C"'),
    }),
  };
}
const modelCountsOf = { all: modelCountStatements(false), kind: modelCountStatements(true) };

/**
 * The catalog's models of a job type (all when none) with how many online nodes serve each, and the names
 * online nodes sent that the catalog does not know, counted: what a frontend's model menus need. A node naming
 * one model in two spellings counts once (count DISTINCT).
 */
export async function modelCounts(
  engine: SqlEngine,
  q: { jobType?: ModelJobType; now: number; ttlS: number },
): Promise<{ known: ModelCount[]; unknown: UnknownModelCount[] }> {
  const s = q.jobType ? modelCountsOf.kind : modelCountsOf.all;
  const params = { since: q.now - q.ttlS, ...(q.jobType ? { kind: q.jobType } : {}) };
  const [served, unknown] = await engine.read(function* () {
    return [
      yield* s.served.all<{ canonical: string; nodes: unknown }>(params),
      yield* s.unknown.all<{ kind: ModelJobType; name: string; nodes: unknown }>({
        ...params,
        limit: UNKNOWN_MODELS_MAX,
      }),
    ] as const;
  });
  const nodes = new Map(served.map((r) => [r.canonical, Number(r.nodes)]));
  return {
    known: catalogEntries(q.jobType).map((e) => ({
      id: e.id,
      jobType: e.jobType,
      engine: e.engine,
      displayName: e.displayName,
      aliases: e.aliases,
      paramsB: e.paramsB ?? null,
      minVramMb: e.minVramMb ?? null,
      onlineNodes: nodes.get(e.id) ?? 0,
    })),
    unknown: unknown.map((r) => ({ name: r.name, jobType: r.kind, onlineNodes: Number(r.nodes) })),
  };
}
