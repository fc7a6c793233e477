/**
 * The operator's reports on escrows that wait for someone: open disputes by age (oldest first, the operator's
 * queue) and deliveries in review by deadline (the next auto-releases first). Reads only, through Prisma; the
 * GraphQL connections (src/graphql/delivery.ts) read the same rows in the same order.
 */
import type { Prisma, PrismaClient } from '@prisma/client';
import type { EscrowRecord } from '../ledger.js';

export type EscrowReport = 'disputes' | 'reviews';

export const ESCROW_REPORTS: Record<
  EscrowReport,
  { where: Prisma.EscrowWhereInput; orderBy: Prisma.EscrowOrderByWithRelationInput[] }
> = {
  disputes: { where: { status: 'disputed' }, orderBy: [{ disputedAt: 'asc' }, { id: 'asc' }] },
  reviews: { where: { status: 'delivered' }, orderBy: [{ reviewUntil: 'asc' }, { id: 'asc' }] },
};

export const REPORT_PAGE_MAX = 500;

/** One page of a report; `afterId` is the id of the last escrow of the previous page. */
export async function escrowReportPage(
  prisma: PrismaClient,
  report: EscrowReport,
  limit: number,
  afterId?: number,
): Promise<{ escrows: EscrowRecord[]; nextAfterId: number | null }> {
  const rows = await prisma.escrow.findMany({
    ...ESCROW_REPORTS[report],
    take: limit + 1,
    ...(afterId === undefined ? {} : { cursor: { id: afterId }, skip: 1 }),
  });
  const page = rows.slice(0, limit);
  return { escrows: page, nextAfterId: rows.length > limit ? page.at(-1)!.id : null };
}
