/** Operator deposits and balance lookups. */
import { addressField } from '../domain/fields.js';
import { rtcNumber } from '../domain/money.js';
import { parseInput } from '../domain/validation.js';
import { ADMIN_KEY_HEADER } from '../operator.js';
import { depositRequestSchema, type Balance } from '../wallet/service.js';
import { adminKey, parseBody, readJsonObject, sendJson } from './http.js';
import type { Route } from './router.js';

function balanceJson(b: Balance) {
  return {
    wallet: b.address,
    available_urtc: b.availableUrtc.toString(),
    available_rtc: rtcNumber(b.availableUrtc),
    locked_urtc: b.lockedUrtc.toString(),
    locked_rtc: rtcNumber(b.lockedUrtc),
  };
}

export const walletRoutes: Route[] = [
  {
    method: 'POST',
    path: '/wallet/deposit',
    async handle({ req, res, market }) {
      const request = parseBody(depositRequestSchema, await readJsonObject(req));
      const { deposit, balance, created } = await market.wallets.deposit(
        request,
        adminKey(req.headers[ADMIN_KEY_HEADER]),
      );
      sendJson(res, created ? 201 : 200, {
        ok: true,
        created,
        reference: deposit.reference,
        amount_urtc: deposit.amountUrtc.toString(),
        amount_rtc: rtcNumber(deposit.amountUrtc),
        deposited_at: deposit.createdAt,
        ...balanceJson(balance),
      });
    },
  },
  {
    method: 'GET',
    path: '/wallet/balance',
    async handle({ res, market, query }) {
      const wallet = parseInput(addressField, query.get('wallet') ?? '', { name: 'wallet' });
      sendJson(res, 200, { ok: true, ...balanceJson(await market.wallets.balance(wallet)) });
    },
  },
];
