import { describe, expect, it } from 'vitest';
import { MarketError } from '../src/domain/errors.js';
import { formatRtc, MAX_AMOUNT_URTC, parseAmountPair, parseRtc, parseUrtc, rtcNumber } from '../src/domain/money.js';

const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(MarketError);
    expect((e as MarketError).code).toBe('INVALID_INPUT');
    return true;
  }
  throw new Error('expected INVALID_INPUT');
};

describe('parseRtc', () => {
  it.each([
    ['1', 1_000_000n],
    ['1.5', 1_500_000n],
    [1.5, 1_500_000n],
    [2, 2_000_000n],
    ['0.000001', 1n],
    [0.000001, 1n],
    ['123.456789', 123_456_789n],
    [123.456789, 123_456_789n],
    ['8388608', MAX_AMOUNT_URTC],
    ['8388607.999999', MAX_AMOUNT_URTC - 1n],
    ['0.1', 100_000n],
    [0.1, 100_000n],
  ])('%j → %s µRTC', (input, expected) => {
    expect(parseRtc(input)).toBe(expected);
  });

  it.each([
    ['seven decimals as a string', '0.0000001'],
    ['seven decimals as a number', 1.0000001],
    ['a number JSON rounds to many decimals', 0.30000000000000004],
    ['exponent string', '1e3'],
    ['exponent number below 1e-6', 1e-7],
    ['exponent number above the cap', 1e21],
    ['zero', 0],
    ['zero string', '0.000000'],
    ['negative number', -1],
    ['negative string', '-1'],
    ['above the supply cap', '8388608.000001'],
    ['far above the cap', 10_000_000],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['empty string', ''],
    ['leading dot', '.5'],
    ['trailing dot', '1.'],
    ['whitespace', ' 1'],
    ['plus sign', '+1'],
    ['hex', '0x10'],
    ['comma decimal', '1,5'],
    ['boolean', true],
    ['null', null],
    ['object', { amount: 1 }],
    ['bigint', 1n],
    // The REST shim hands a JSON number's own text over, so these are what a body wrote.
    ['the text of a number a double would round to 1', '1.00000000000000001'],
    ['an upper-case exponent with a sign', '1E+2'],
    ['an exponent that keeps the value whole', '1.5e1'],
    ['a negative zero', '-0'],
    ['30 digits', '123456789012345678901234567890'],
    ['8 whole digits', '10000000'],
    ['a 10,000-digit number', '9'.repeat(10_000)],
  ])('refuses %s', (_name, input) => {
    refused(() => parseRtc(input));
  });
});

describe('parseUrtc', () => {
  it('accepts digit strings from 1 to the cap', () => {
    expect(parseUrtc('1')).toBe(1n);
    expect(parseUrtc('1500000')).toBe(1_500_000n);
    expect(parseUrtc(MAX_AMOUNT_URTC.toString())).toBe(MAX_AMOUNT_URTC);
  });

  it.each([
    ['a number', 1500000],
    ['zero', '0'],
    ['negative', '-5'],
    ['decimal', '1.5'],
    ['above the cap', (MAX_AMOUNT_URTC + 1n).toString()],
    ['beyond 64 bits', '99999999999999999999'],
    ['exponent', '1e6'],
    ['empty', ''],
  ])('refuses %s', (_name, input) => {
    refused(() => parseUrtc(input));
  });
});

describe('parseAmountPair', () => {
  it('takes exactly one of amount_rtc and amount_urtc', () => {
    expect(parseAmountPair('2', undefined)).toBe(2_000_000n);
    expect(parseAmountPair(undefined, '5')).toBe(5n);
    expect(parseAmountPair(null, '5')).toBe(5n);
    refused(() => parseAmountPair('1', '1000000'));
    refused(() => parseAmountPair(undefined, undefined));
  });
});

describe('formatting', () => {
  it('formats µRTC as exact decimal RTC', () => {
    expect(formatRtc(0n)).toBe('0');
    expect(formatRtc(1n)).toBe('0.000001');
    expect(formatRtc(1_500_000n)).toBe('1.5');
    expect(formatRtc(MAX_AMOUNT_URTC)).toBe('8388608');
    expect(formatRtc(MAX_AMOUNT_URTC - 1n)).toBe('8388607.999999');
  });

  it('round-trips every 6-decimal amount through the JSON number', () => {
    for (const urtc of [1n, 999_999n, 1_000_001n, 123_456_789n, MAX_AMOUNT_URTC - 1n, MAX_AMOUNT_URTC]) {
      expect(parseRtc(rtcNumber(urtc))).toBe(urtc);
    }
  });
});
