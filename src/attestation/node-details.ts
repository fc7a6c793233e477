/**
 * What a page of GPU nodes shows beside each node — its GPUs, its models, its earnings, the newest escrows that pay
 * it — read for the whole page at once: one query per kind of detail, however many nodes the page holds.
 * GraphQL's per-request loaders batch into these.
 */
import type { Escrow, GpuDevice, GpuNodeModel, PrismaClient } from '@prisma/client';
import type { Dialect } from '../sql/statement.js';

export interface NodeEarnings {
  releasedUrtc: bigint;
  jobs: number;
}

/** Each node's GPUs in slot order, in the order of `minerIds`. */
export async function gpusOfNodes(prisma: PrismaClient, minerIds: readonly string[]): Promise<GpuDevice[][]> {
  const rows = await prisma.gpuDevice.findMany({
    where: { minerId: { in: [...minerIds] } },
    orderBy: [{ minerId: 'asc' }, { position: 'asc' }],
  });
  return minerIds.map((id) => rows.filter((r) => r.minerId === id));
}

/** Each node's models (TTS, STT, then LLM, each list in name order), in the order of `minerIds`. */
export async function modelsOfNodes(prisma: PrismaClient, minerIds: readonly string[]): Promise<GpuNodeModel[][]> {
  const rows = await prisma.gpuNodeModel.findMany({
    where: { minerId: { in: [...minerIds] } },
    orderBy: [{ minerId: 'asc' }, { kind: 'desc' }, { name: 'asc' }],
  });
  return minerIds.map((id) => rows.filter((r) => r.minerId === id));
}

/** Each node's released escrows: the µRTC paid to it and how many jobs. */
export async function earningsOfNodes(prisma: PrismaClient, minerIds: readonly string[]): Promise<NodeEarnings[]> {
  const rows = await prisma.escrow.groupBy({
    by: ['toWallet'],
    where: { toWallet: { in: [...minerIds] }, status: 'released' },
    _sum: { releasedUrtc: true },
    _count: { _all: true },
  });
  return minerIds.map((id) => {
    const row = rows.find((r) => r.toWallet === id);
    return { releasedUrtc: row?._sum.releasedUrtc ?? 0n, jobs: row?._count._all ?? 0 };
  });
}

/**
 * The newest `limit` escrows paying each node, newest first. Why raw SQL: Prisma has no per-group limit,
 * and a window function picks every node's newest rows in one query. Its placeholders are written for the
 * database's dialect: Prisma.join's fragments come from the SQLite client's runtime, and the PostgreSQL client
 * (src/generated/postgres-client, a runtime of its own) would take one for a single value and match no row.
 */
export async function escrowHistoriesOfNodes(
  prisma: PrismaClient,
  requests: readonly { minerId: string; limit: number }[],
  dialect: Dialect,
): Promise<Escrow[][]> {
  const limit = Math.max(...requests.map((r) => r.limit));
  const minerIds = requests.map((r) => r.minerId);
  const placeholder = (i: number) => (dialect === 'postgres' ? `$${i + 1}` : '?');
  const ids = await prisma.$queryRawUnsafe<{ id: number | bigint }[]>(
    `SELECT id FROM (
      SELECT id, ROW_NUMBER() OVER (PARTITION BY to_wallet ORDER BY id DESC) AS rn
      FROM render_escrow WHERE to_wallet IN (${minerIds.map((_, i) => placeholder(i)).join(', ')})
    ) AS ranked WHERE rn <= ${placeholder(minerIds.length)}`,
    ...minerIds,
    limit,
  );
  const escrows = await prisma.escrow.findMany({
    where: { id: { in: ids.map((r) => Number(r.id)) } },
    orderBy: { id: 'desc' },
  });
  return requests.map((r) => escrows.filter((e) => e.toWallet === r.minerId).slice(0, r.limit));
}
