/**
 * The GPU inventory that frontends and bots query by capability: filters, orderings and cursor pages
 * over the attested nodes, read through Prisma. The same query serves GraphQL's `gpuNodes` and REST's
 * `GET /gpu/nodes`. Every filter and ordering is backed by an index (see prisma/schema.prisma).
 */
import type { GpuNode, Prisma, PrismaClient } from '@prisma/client';
import { InvalidInputError } from '../domain/errors.js';
import type { JobType } from '../domain/fields.js';
import type { DeviceArch } from './catalog.js';
import { TRUST_LEVELS, versionNumber, type TrustLevel } from './evidence.js';

export interface InventoryFilter {
  jobType?: JobType;
  deviceArch?: DeviceArch;
  /** At least this much memory on one GPU, in GB as sold (reported MiB run a little under nominal). */
  minVramGb?: number;
  gpuModel?: string;
  minCudaVersion?: string;
  ttsModel?: string;
  sttModel?: string;
  llmModel?: string;
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
  render: 'priceRenderMinuteUrtc',
  tts: 'priceTts1kCharsUrtc',
  stt: 'priceSttMinuteUrtc',
  llm: 'priceLlm1kTokensUrtc',
} as const satisfies Record<JobType, keyof GpuNode>;
const SUPPORTS_COLUMN = {
  render: 'supportsRender',
  tts: 'supportsTts',
  stt: 'supportsStt',
  llm: 'supportsLlm',
} as const satisfies Record<JobType, keyof GpuNode>;

export function inventoryWhere(
  filter: InventoryFilter,
  order: InventoryOrder | undefined,
  now: number,
  ttlS: number,
): Prisma.GpuNodeWhereInput {
  const and: Prisma.GpuNodeWhereInput[] = [];
  const priceJobType = order?.field === 'price' ? (order.jobType ?? filter.jobType) : undefined;
  if (order?.field === 'price' && !priceJobType) throw new InvalidInputError('ordering by price needs a job type');
  if (filter.maxPriceUrtc !== undefined && !filter.jobType) throw new InvalidInputError('max price needs a job type');
  for (const jobType of new Set([filter.jobType, priceJobType]))
    if (jobType) and.push({ [SUPPORTS_COLUMN[jobType]]: true });
  // Implied by supports_* (a CHECK constraint), but it lets SQLite seek past the nulls in the price index.
  if (priceJobType) and.push({ [PRICE_COLUMN[priceJobType]]: { not: null } });
  if (filter.jobType && filter.maxPriceUrtc !== undefined)
    and.push({ [PRICE_COLUMN[filter.jobType]]: { lte: filter.maxPriceUrtc } });
  if (filter.deviceArch) and.push({ deviceArch: filter.deviceArch });
  if (filter.minVramGb !== undefined)
    and.push({ maxVramMb: { gte: Math.floor(filter.minVramGb * 1024 * REPORTED_VRAM_RATIO) } });
  if (filter.gpuModel)
    and.push({
      OR: [{ gpuModel: { contains: filter.gpuModel } }, { gpus: { some: { model: { contains: filter.gpuModel } } } }],
    });
  if (filter.minCudaVersion) and.push({ cudaVersionNum: { gte: versionNumber(filter.minCudaVersion)! } });
  for (const [kind, name] of [
    ['tts', filter.ttsModel],
    ['stt', filter.sttModel],
    ['llm', filter.llmModel],
  ] as const) {
    if (name) and.push({ models: { some: { kind, name } } });
  }
  if (filter.minTrust)
    and.push({ trust: { in: TRUST_LEVELS.slice(TRUST_LEVELS.indexOf(filter.minTrust)) as TrustLevel[] } });
  if (!filter.includeOffline) and.push({ suspended: false, lastAttestation: { gte: now - ttlS } });
  return { AND: and };
}

function orderColumn(
  order: InventoryOrder | undefined,
  filter: InventoryFilter,
): { column: keyof GpuNode; direction: 'asc' | 'desc' } {
  const o = order ?? { field: 'freshness', direction: 'desc' };
  const column =
    o.field === 'price'
      ? PRICE_COLUMN[(o.jobType ?? filter.jobType)!]
      : o.field === 'benchmark'
        ? 'benchmarkScore'
        : o.field === 'vram'
          ? 'maxVramMb'
          : 'lastAttestation';
  return { column, direction: o.direction };
}

export function inventoryOrderBy(
  order: InventoryOrder | undefined,
  filter: InventoryFilter,
): Prisma.GpuNodeOrderByWithRelationInput[] {
  const { column, direction } = orderColumn(order, filter);
  // miner_id breaks ties, so that the order is total and a cursor page never skips or repeats a node.
  return [{ [column]: direction }, { minerId: direction }];
}

/**
 * The nodes after the cursor node in a price order, as a WHERE clause (keyset pagination). Prisma's
 * own `cursor` option falls back to fetching every following row (LIMIT -1) when the first order
 * column is nullable, as the price columns are; measured at 100,000 nodes: 544 ms against 2.7 ms.
 */
function afterCursor(
  cursorNode: GpuNode,
  order: InventoryOrder | undefined,
  filter: InventoryFilter,
): Prisma.GpuNodeWhereInput {
  const { column, direction } = orderColumn(order, filter);
  const value = cursorNode[column];
  const beyond = direction === 'asc' ? 'gt' : 'lt';
  return { OR: [{ [column]: { [beyond]: value } }, { [column]: value, minerId: { [beyond]: cursorNode.minerId } }] };
}

export interface InventoryPage {
  nodes: GpuNode[];
  hasNextPage: boolean;
  totalCount(): Promise<number>;
}

export async function listGpuNodes(
  prisma: PrismaClient,
  q: { filter: InventoryFilter; order?: InventoryOrder; first?: number; after?: string; now: number; ttlS: number },
): Promise<InventoryPage> {
  const first = q.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE)
    throw new InvalidInputError(`first must be between 1 and ${MAX_PAGE}`);
  const where = inventoryWhere(q.filter, q.order, q.now, q.ttlS);
  const orderBy = inventoryOrderBy(q.order, q.filter);
  let rows: GpuNode[];
  if (q.after && q.order?.field === 'price') {
    const cursorNode = await prisma.gpuNode.findUnique({ where: { minerId: q.after } });
    if (!cursorNode) throw new InvalidInputError('after does not name a GPU node');
    rows = await prisma.gpuNode.findMany({
      where: { AND: [where, afterCursor(cursorNode, q.order, q.filter)] },
      orderBy,
      take: first + 1,
    });
  } else {
    // On the non-null columns (a float among them, which a keyset equality would compare inexactly),
    // Prisma's cursor pages with LIMIT and OFFSET as it should.
    rows = await prisma.gpuNode.findMany({
      where,
      orderBy,
      take: first + 1,
      ...(q.after ? { cursor: { minerId: q.after }, skip: 1 } : {}),
    });
  }
  return {
    nodes: rows.slice(0, first),
    hasNextPage: rows.length > first,
    totalCount: () => prisma.gpuNode.count({ where }),
  };
}
