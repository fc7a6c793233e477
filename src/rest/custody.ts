/**
 * Custody over REST (docs/CONTRACT.md, "Custody on RustChain"): withdrawals, a wallet's chain deposits and
 * withdrawals, the public proof of reserves, and the operator's view of deposits that name no wallet.
 */
import { z } from 'zod';
import { withdrawRequestSchema } from '../custody/requests.js';
import type { ChainDepositRecord, WithdrawalRecord } from '../custody/store.js';
import { addressField } from '../domain/fields.js';
import { rtcNumber } from '../domain/money.js';
import { invalidField, parseInput } from '../domain/validation.js';
import { ADMIN_KEY_HEADER } from '../operator.js';
import { adminKey, parseBody, readJsonObject, sendJson } from './http.js';
import type { Route } from './router.js';

export function withdrawalJson(w: WithdrawalRecord) {
  return {
    withdrawal_id: String(w.id),
    wallet: w.wallet,
    to_address: w.toAddress,
    amount_urtc: w.amountUrtc.toString(),
    amount_rtc: rtcNumber(w.amountUrtc),
    status: w.status,
    tx_hash: w.txHash,
    failure_reason: w.failureReason,
    created_at: w.createdAt,
    sent_at: w.sentAt,
    confirmed_at: w.confirmedAt,
    failed_at: w.failedAt,
  };
}

export function chainDepositJson(d: ChainDepositRecord) {
  return {
    tx_hash: d.txHash,
    chain: d.chain,
    from_address: d.fromAddress,
    wallet: d.wallet,
    amount_urtc: d.amountUrtc.toString(),
    amount_rtc: rtcNumber(d.amountUrtc),
    memo: d.memo,
    status: d.status,
    seen_at: d.seenAt,
    credited_at: d.creditedAt,
    voided_at: d.voidedAt,
  };
}

const PAGE_MAX = 100;
const listQuery = z.object({
  wallet: addressField,
  limit: z.coerce.number().int().min(1).max(PAGE_MAX).default(50),
  cursor: z.string().max(200).optional(),
});

function parseQuery(query: URLSearchParams) {
  const wanted = {
    wallet: query.get('wallet') ?? undefined,
    limit: query.get('limit') ?? undefined,
    cursor: query.get('cursor') ?? undefined,
  };
  return parseInput(listQuery, wanted, { name: 'query' });
}

/** Deposit cursors: `<seen_at>:<tx_hash>` of the last row of the previous page. */
function depositCursor(cursor: string | undefined) {
  if (cursor === undefined) return undefined;
  const m = /^(\d{1,12}):([0-9a-f]{1,128})$/.exec(cursor);
  if (!m) throw invalidField('cursor', 'not a cursor this endpoint gave');
  return { seenAt: Number(m[1]), txHash: m[2]! };
}

export const custodyRoutes: Route[] = [
  {
    method: 'POST',
    path: '/wallet/withdraw',
    async handle({ req, res, market }) {
      const request = parseBody(withdrawRequestSchema, await readJsonObject(req));
      const withdrawal = await market.custody.withdraw(request);
      sendJson(res, 202, { ok: true, ...withdrawalJson(withdrawal) });
    },
  },
  {
    method: 'GET',
    path: '/wallet/withdrawals',
    async handle({ res, market, query }) {
      const q = parseQuery(query);
      const before = q.cursor === undefined ? undefined : Number(q.cursor);
      if (before !== undefined && !Number.isSafeInteger(before))
        throw invalidField('cursor', 'not a cursor this endpoint gave');
      const rows = await market.custody.withdrawals(q.wallet, q.limit + 1, before);
      const page = rows.slice(0, q.limit);
      sendJson(res, 200, {
        ok: true,
        withdrawals: page.map(withdrawalJson),
        next_cursor: rows.length > q.limit ? String(page.at(-1)!.id) : null,
      });
    },
  },
  {
    method: 'GET',
    path: '/wallet/deposits',
    async handle({ res, market, query }) {
      const q = parseQuery(query);
      const rows = await market.custody.deposits(q.wallet, q.limit + 1, depositCursor(q.cursor));
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      sendJson(res, 200, {
        ok: true,
        deposits: page.map(chainDepositJson),
        next_cursor: rows.length > q.limit && last ? `${last.seenAt}:${last.txHash}` : null,
      });
    },
  },
  {
    method: 'GET',
    path: '/custody',
    async handle({ res, market }) {
      const r = await market.custody.report();
      sendJson(res, 200, {
        ok: true,
        enabled: market.custody.enabled,
        chain: r.chain,
        chain_id: r.chainId,
        custody_address: r.custodyAddress,
        onchain_urtc: r.onchainUrtc?.toString() ?? null,
        liabilities_urtc: r.liabilitiesUrtc.toString(),
        incoming_urtc: r.incomingUrtc.toString(),
        pending_withdrawals_urtc: r.pendingWithdrawalsUrtc.toString(),
        surplus_urtc: r.surplusUrtc?.toString() ?? null,
        checked_at: r.checkedAt,
      });
    },
  },
  {
    method: 'GET',
    path: '/custody/unattributed',
    async handle({ req, res, market }) {
      const deposits = await market.custody.unattributed(adminKey(req.headers[ADMIN_KEY_HEADER]));
      sendJson(res, 200, { ok: true, deposits: deposits.map(chainDepositJson) });
    },
  },
  {
    method: 'POST',
    path: '/custody/attribute',
    async handle({ req, res, market }) {
      const body = parseBody(
        z.object({ txHash: z.string().regex(/^[0-9a-f]{1,128}$/, 'must be a transaction hash'), wallet: addressField }),
        await readJsonObject(req),
      );
      const deposit = await market.custody.attribute(body.txHash, body.wallet, adminKey(req.headers[ADMIN_KEY_HEADER]));
      sendJson(res, 200, { ok: true, ...chainDepositJson(deposit) });
    },
  },
];
