/**
 * Money is integer µRTC (1 RTC = 1,000,000 µRTC) held in BigInt. Floating point never touches an
 * amount: decimal RTC input is parsed from its text, and output is formatted from the integer.
 */
import { MAX_AMOUNT_URTC, URTC_PER_RTC } from '@gpu-render-protocol/agent/protocol';
import { InvalidInputError } from './errors.js';

/** RustChain's supply cap is MAX_AMOUNT_URTC, 8,388,608 RTC: no single amount can exceed it. */
export { MAX_AMOUNT_URTC, URTC_PER_RTC };

const DECIMAL_RTC = /^(\d{1,7})(?:\.(\d{1,6}))?$/;
const DIGITS = /^\d{1,19}$/;

/** Parses an RTC amount given as a JSON number or a decimal string with at most 6 decimals. */
export function parseRtc(value: unknown, field = 'amount_rtc'): bigint {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidInputError(`${field} must be a finite number`);
    // String(n) is the shortest text that round-trips, so 1.5 → "1.5" and 1e-7 → "1e-7" (refused below).
    text = String(value);
  } else if (typeof value === 'string') {
    text = value;
  } else {
    throw new InvalidInputError(`${field} must be a number or a decimal string`);
  }
  const match = DECIMAL_RTC.exec(text);
  if (!match) {
    throw new InvalidInputError(
      `${field} must be a positive decimal with at most 6 decimals and no exponent, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(6, '0'));
  return checkAmount(whole * URTC_PER_RTC + fraction, field);
}

/** Parses a µRTC amount given as a string of digits. */
export function parseUrtc(value: unknown, field = 'amount_urtc'): bigint {
  if (typeof value !== 'string' || !DIGITS.test(value)) {
    throw new InvalidInputError(`${field} must be a string of digits (µRTC)`);
  }
  return checkAmount(BigInt(value), field);
}

function checkAmount(amount: bigint, field: string): bigint {
  if (amount <= 0n) throw new InvalidInputError(`${field} must be greater than zero`);
  if (amount > MAX_AMOUNT_URTC) throw new InvalidInputError(`${field} exceeds the RTC supply cap of 8388608 RTC`);
  return amount;
}

/** Exactly one of `amount_rtc` and `amount_urtc`, as the contract requires. */
export function parseAmountPair(amountRtc: unknown, amountUrtc: unknown): bigint {
  const hasRtc = amountRtc !== undefined && amountRtc !== null;
  const hasUrtc = amountUrtc !== undefined && amountUrtc !== null;
  if (hasRtc === hasUrtc) throw new InvalidInputError('give exactly one of amount_rtc and amount_urtc');
  return hasRtc ? parseRtc(amountRtc) : parseUrtc(amountUrtc);
}

/** µRTC → exact decimal RTC text, e.g. 1500000n → "1.5", 1n → "0.000001". */
export function formatRtc(urtc: bigint): string {
  const negative = urtc < 0n;
  const abs = negative ? -urtc : urtc;
  const whole = abs / URTC_PER_RTC;
  const fraction = (abs % URTC_PER_RTC).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** µRTC → a JSON number for REST's `amount_rtc`; exact for every amount under the supply cap. */
export function rtcNumber(urtc: bigint): number {
  return Number(formatRtc(urtc));
}
