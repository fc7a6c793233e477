/**
 * The seed's escrow paths: /render, /voice and /llm × escrow | release | refund, and the escrow lookup.
 * Each path family serves its job types; a body's `job_type` (or, when absent, the path's) is the one
 * that was signed.
 */
import { InvalidInputError, StateError } from '../domain/errors.js';
import { jobIdField, type JobType } from '../domain/fields.js';
import { parseInput } from '../domain/validation.js';
import { lockRequestSchema, refundRequestSchema, releaseRequestSchema } from '../escrow/requests.js';
import { ADMIN_KEY_HEADER } from '../operator.js';
import { adminKey, escrowJson, parseBody, quote, readJsonObject, sendJson } from './http.js';
import type { Route } from './router.js';

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
  if (!family.implied) throw new InvalidInputError(`job_type is required on ${family.prefix} (one of ${family.serves.join(', ')})`);
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
        const { escrow, changed } = await market.escrows.release(request, { adminKey: adminKey(req.headers[ADMIN_KEY_HEADER]) }, family.serves);
        sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
    {
      method: 'POST',
      path: `${family.prefix}/refund`,
      async handle({ req, res, market }) {
        const request = parseBody(refundRequestSchema, withJobType(await readJsonObject(req), family));
        const { escrow, changed } = await market.escrows.refund(request, { adminKey: adminKey(req.headers[ADMIN_KEY_HEADER]) }, family.serves);
        sendJson(res, 200, { ok: true, changed, ...escrowJson(escrow) });
      },
    },
  ]);
}

export const escrowLookupRoute: Route = {
  method: 'GET',
  path: '/render/escrow/:job_id',
  handle({ res, market, params }) {
    const jobId = parseInput(jobIdField, params.job_id, { name: 'job_id' });
    const escrow = market.escrows.find(jobId);
    if (!escrow) throw new StateError('NOT_FOUND', `no escrow for job ${quote(jobId)}`);
    sendJson(res, 200, { ok: true, ...escrowJson(escrow) });
  },
};
