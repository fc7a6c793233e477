/** GET /render/pricing (the fair rates) and GET /render/quote (the µRTC to lock for a job). */
import { z } from 'zod';
import { addressField, JOB_TYPES, jobTypeField } from '../domain/fields.js';
import { rtcNumber } from '../domain/money.js';
import { parseInput } from '../domain/validation.js';
import type { MarketRate } from '../pricing/service.js';
import { sendJson } from './http.js';
import type { Route } from './router.js';

function rateJson(r: MarketRate) {
  return {
    unit: r.unit,
    fair_urtc: r.fairUrtc?.toString() ?? null,
    fair_rtc: r.fairUrtc === null ? null : rtcNumber(r.fairUrtc),
    insufficient_data: r.insufficientData,
    providers: r.providers,
    counted: r.counted,
    min_urtc: r.minUrtc?.toString() ?? null,
    max_urtc: r.maxUrtc?.toString() ?? null,
    updated_at: r.updatedAt,
    quoted_median_urtc: r.quotedMedianUrtc?.toString() ?? null,
    quoted_providers: r.quotedProviders,
    realised_24h: { volume_urtc: r.realised.volumeUrtc.toString(), rate_urtc: r.realised.rateUrtc?.toString() ?? null },
  };
}

const quoteQuery = z.strictObject({
  job_type: jobTypeField,
  units: z
    .string()
    .regex(/^\d{1,13}$/, 'must be a whole number of units')
    .transform(BigInt)
    .refine((u) => u >= 1n, 'must be at least 1'),
  miner_id: addressField,
});

export const pricingRoutes: Route[] = [
  {
    method: 'GET',
    path: '/render/pricing',
    handle({ res, market }) {
      const rates = market.pricing.marketRates();
      sendJson(res, 200, { ok: true, rates: Object.fromEntries(JOB_TYPES.map((j, i) => [j, rateJson(rates[i]!)])) });
    },
  },
  {
    method: 'GET',
    path: '/render/quote',
    handle({ res, market, query }) {
      const { job_type, units, miner_id } = parseInput(quoteQuery, Object.fromEntries(query), { name: 'query' });
      const q = market.pricing.quote(job_type, units, miner_id);
      sendJson(res, 200, {
        ok: true,
        job_type: q.jobType,
        miner_id: q.minerId,
        units: q.units.toString(),
        unit_price_urtc: q.unitPriceUrtc.toString(),
        amount_urtc: q.totalUrtc.toString(),
        amount_rtc: rtcNumber(q.totalUrtc),
        fair_urtc: q.fair.fairUrtc?.toString() ?? null,
        fair_amount_urtc: q.fairTotalUrtc?.toString() ?? null,
      });
    },
  },
];
