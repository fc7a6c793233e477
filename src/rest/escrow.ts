/**
 * The seed's escrow paths: /render, /voice and /llm × escrow | release | refund | deliver | dispute, and the
 * escrow lookup; the operator's POST /escrow/resolve and reports (GET /escrow/disputes, /escrow/reviews); the
 * signed receipt of a settled escrow and the receipt key. Each path family serves its job types; a body's
 * `job_type` (or, when absent, the path's) is the one that was signed.
 */
import { z } from 'zod';
import { InvalidInputError, StateError } from '../domain/errors.js';
import { jobIdField, type JobType } from '../domain/fields.js';
import { parseInput } from '../domain/validation.js';
import { escrowReportPage, REPORT_PAGE_MAX, type EscrowReport } from '../escrow/reports.js';
import {
  deliverRequestSchema,
  disputeRequestSchema,
  lockRequestSchema,
  refundRequestSchema,
  releaseRequestSchema,
  resolveRequestSchema,
} from '../escrow/requests.js';
import { ADMIN_KEY_HEADER } from '../operator.js';
import { adminKey, escrowJson, parseBody, quote, readJsonObject, sendJson } from './http.js';
import type { Route, RouteContext } from './router.js';

interface PathFamily {
  prefix: string;
  serves: readonly JobType[];
  /** The job type assumed when the body names none; /voice has none and requires it. */
  implied?: JobType;
}

const FAMILIES: PathFamily[] = [
  { prefix: '/render', serves: ['render'], implied: 'render' },
  { prefix: '/voice', serves: ['tts', 'stt'] },
  { prefix: '/llm', serves: ['llm'], implied: 'llm' },
];

function withJobType(body: Record<string, unknown>, family: PathFamily): Record<string, unknown> {
  if (body.job_type !== undefined) return body;
  if (!family.implied)
    throw new InvalidInputError(`job_type is required on ${family.prefix} (one of ${family.serves.join(', ')})`);
  return { ...body, job_type: family.implied };
}

export function escrowRoutes(): Route[] {
  return FAMILIES.flatMap((family): Route[] => [
    {
      method: 'POST',
      path: `${family.prefix}/escrow`,
      async handle({ req, res, market }) {
        const request = parseBody(lockRequestSchema, withJobType(await readJsonObject(req), family));
        const { escrow, changed } = await market.escrows.lock(request, family.serves);
        sendJson(res, changed ? 201 : 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
    {
      method: 'POST',
      path: `${family.prefix}/release`,
      async handle({ req, res, market }) {
        const request = parseBody(releaseRequestSchema, withJobType(await readJsonObject(req), family));
        const { escrow, changed } = await market.escrows.release(
          request,
          { adminKey: adminKey(req.headers[ADMIN_KEY_HEADER]) },
          family.serves,
        );
        sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
    {
      method: 'POST',
      path: `${family.prefix}/refund`,
      async handle({ req, res, market }) {
        const request = parseBody(refundRequestSchema, withJobType(await readJsonObject(req), family));
        const { escrow, changed } = await market.escrows.refund(
          request,
          { adminKey: adminKey(req.headers[ADMIN_KEY_HEADER]) },
          family.serves,
        );
        sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
    {
      method: 'POST',
      path: `${family.prefix}/deliver`,
      async handle({ req, res, market }) {
        const request = parseBody(deliverRequestSchema, withJobType(await readJsonObject(req), family));
        const { escrow, changed } = await market.escrows.deliver(request, family.serves);
        sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
    {
      method: 'POST',
      path: `${family.prefix}/dispute`,
      async handle({ req, res, market }) {
        const request = parseBody(disputeRequestSchema, withJobType(await readJsonObject(req), family));
        const { escrow, changed } = await market.escrows.dispute(request, family.serves);
        sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
  ]).concat(settlementRoutes);
}

const reportQuery = z.object({
  limit: z.coerce.number().int().min(1).max(REPORT_PAGE_MAX).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'not a cursor this endpoint gave')
    .optional(),
});

/** An operator report: `{ok, escrows, next_cursor}`, oldest dispute or nearest deadline first. */
async function sendReport({ req, res, market, query }: RouteContext, report: EscrowReport) {
  market.operator.require(adminKey(req.headers[ADMIN_KEY_HEADER]));
  const q = parseInput(
    reportQuery,
    { limit: query.get('limit') ?? undefined, cursor: query.get('cursor') ?? undefined },
    { name: 'query' },
  );
  const cursor = q.cursor === undefined ? undefined : Number(q.cursor);
  const page = await escrowReportPage(market.db.prisma, report, q.limit, cursor);
  sendJson(res, 200, {
    ok: true,
    escrows: page.escrows.map(escrowJson),
    next_cursor: page.nextAfterId === null ? null : String(page.nextAfterId),
  });
}

/** The `:job_id` of a path, checked with the one validation formatter. */
const jobIdParam = (value: string | undefined): string => parseInput(jobIdField, value, { name: 'job_id' });

const settlementRoutes: Route[] = [
  {
    method: 'POST',
    path: '/escrow/resolve',
    async handle({ req, res, market }) {
      const request = parseBody(resolveRequestSchema, await readJsonObject(req));
      const { escrow, changed } = await market.escrows.resolve(request, adminKey(req.headers[ADMIN_KEY_HEADER]));
      sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
    },
  },
  { method: 'GET', path: '/escrow/disputes', handle: (ctx) => sendReport(ctx, 'disputes') },
  { method: 'GET', path: '/escrow/reviews', handle: (ctx) => sendReport(ctx, 'reviews') },
  {
    method: 'GET',
    path: '/render/escrow/:job_id/receipt',
    async handle({ res, market, params }) {
      const jobId = jobIdParam(params.job_id);
      const escrow = await market.escrows.find(jobId);
      if (!escrow) throw new StateError('NOT_FOUND', `no escrow for job ${quote(jobId)}`);
      const { receipt, signature, publicKey } = market.receipts.sign(escrow);
      sendJson(res, 200, { ok: true, receipt, signature, public_key: publicKey });
    },
  },
  {
    method: 'GET',
    path: '/receipt-key',
    handle: ({ res, market }) =>
      sendJson(res, 200, { ok: true, public_key: market.receipts.publicKey, key_id: market.receipts.keyId }),
  },
];

export const escrowLookupRoute: Route = {
  method: 'GET',
  path: '/render/escrow/:job_id',
  async handle({ res, market, params }) {
    const jobId = parseInput(jobIdField, params.job_id, { name: 'job_id' });
    const escrow = await market.escrows.find(jobId);
    if (!escrow) throw new StateError('NOT_FOUND', `no escrow for job ${quote(jobId)}`);
    sendJson(res, 200, { ok: true, ...escrowJson(escrow) });
  },
};
