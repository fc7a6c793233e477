/** GET /render/pricing (the fair rates) and GET /render/quote (the µRTC to lock for a job). */
import { z } from 'zod';
import { addressField, JOB_TYPES, jobTypeField } from '../domain/fields.js';
import { MAX_AMOUNT_URTC, rtcNumber, URTC_PER_RTC } from '../domain/money.js';
import { parseInput } from '../domain/validation.js';
import type { MarketRate } from '../pricing/service.js';
import { readJsonObject, sendJson } from './http.js';
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

/**
 * The seed's manipulation check takes `price` in RTC as a JSON number (as the seed sends it), or `price_urtc`.
 * No money moves on it, so an RTC price is rounded to the nearest µRTC.
 */
const priceCheckBody = z
  .strictObject({
    job_type: jobTypeField,
    price: z
      .number()
      .finite()
      .min(0)
      .max(Number(MAX_AMOUNT_URTC / URTC_PER_RTC))
      .optional(),
    price_urtc: z
      .string()
      .regex(/^\d{1,19}$/, 'must be a string of digits (µRTC)')
      .optional(),
  })
  .refine((b) => (b.price === undefined) !== (b.price_urtc === undefined), {
    message: 'give exactly one of price and price_urtc',
  })
  .transform((b) => ({
    jobType: b.job_type,
    priceUrtc: b.price_urtc !== undefined ? BigInt(b.price_urtc) : BigInt(Math.round(b.price! * 1e6)),
  }));

export const pricingRoutes: Route[] = [
  {
    method: 'POST',
    path: '/render/pricing/check',
    async handle({ req, res, market }) {
      const { jobType, priceUrtc } = parseInput(priceCheckBody, await readJsonObject(req), { name: 'body' });
      const c = await market.pricing.checkPrice(jobType, priceUrtc);
      sendJson(res, 200, {
        ok: true,
        job_type: jobType,
        manipulated: c.manipulated,
        reason: c.reason,
        proposed_urtc: c.proposedUrtc.toString(),
        fair_urtc: c.fairUrtc?.toString() ?? null,
        band_low_urtc: c.bandLowUrtc?.toString() ?? null,
        band_high_urtc: c.bandHighUrtc?.toString() ?? null,
      });
    },
  },
  {
    method: 'GET',
    path: '/render/pricing',
    async handle({ res, market }) {
      const rates = await market.pricing.marketRates();
      sendJson(res, 200, { ok: true, rates: Object.fromEntries(JOB_TYPES.map((j, i) => [j, rateJson(rates[i]!)])) });
    },
  },
  {
    method: 'GET',
    path: '/render/quote',
    async handle({ res, market, query }) {
      const { job_type, units, miner_id } = parseInput(quoteQuery, Object.fromEntries(query), { name: 'query' });
      const q = await market.pricing.quote(job_type, units, miner_id);
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
