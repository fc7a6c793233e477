/**
 * Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))`, byte for byte, for the values the RustChain
 * node signs and answers with (docs/NODE-API.md). The node verifies a transfer's signature over text that Python
 * wrote, so a signer in TypeScript must write the same bytes:
 * - a JS `number` is a Python float and is written as Python's `repr` (`1.0`, `1e-06`, `1e+16`); a `bigint` is a
 *   Python int;
 * - strings are escaped as with `ensure_ascii=True` and object keys sorted by code point: canonical JSON's
 *   `python` form (src/domain/canonical-json.ts), which this module hands each number to as the text Python
 *   would write for it.
 */
import { LosslessNumber } from 'lossless-json';
import { canonicalJson } from '../domain/canonical-json.js';

export type PythonJson = null | boolean | number | bigint | string | PythonJson[] | { [key: string]: PythonJson };

/**
 * Python's `repr(float)`. Both languages print the shortest digits that read back as the same double (and pick the
 * closest such digits), so the digits come from `String(x)`; only the layout differs. Python uses the exponent form
 * when the decimal point would sit more than 4 places left of the first digit or more than 16 places right of it
 * (`decpt <= -4 or decpt > 16` in CPython's `format_float_short`), writes at least two exponent digits with a sign,
 * and ends a whole number in fixed form with `.0`.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const { digits, decpt } = shortestDigits(Math.abs(x));
  if (decpt <= -4 || decpt > 16) {
    const exponent = decpt - 1;
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** The shortest round-trip digits of a positive finite double (no leading or trailing zeros) and where the point goes:
 * value = 0.<digits> × 10^decpt. */
function shortestDigits(x: number): { digits: string; decpt: number } {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
  if (!match) throw new Error(`unexpected number text ${String(x)}`);
  const whole = match[1]!;
  let digits = whole + (match[2] ?? '');
  let decpt = whole.length + Number(match[3] ?? 0);
  const leadingZeros = /^0*/.exec(digits)![0].length;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  decpt -= leadingZeros;
  return { digits, decpt };
}

/** A Python float as canonical JSON writes it: its `repr`, verbatim. */
export function pythonFloat(x: number): LosslessNumber {
  // Python writes NaN and Infinity (not JSON); nothing the node signs can hold them, so refuse.
  if (!Number.isFinite(x)) throw new RangeError(`${x} has no JSON representation`);
  return new LosslessNumber(pythonFloatRepr(x));
}

/** The value with every number as the text Python writes for it (bigints stay ints). */
function asPythonNumbers(value: PythonJson): unknown {
  if (typeof value === 'number') return pythonFloat(value);
  if (Array.isArray(value)) return value.map(asPythonNumbers);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value))
    Object.defineProperty(out, key, { value: asPythonNumbers(member), enumerable: true });
  return out;
}

/** `json.dumps(value, sort_keys=True, separators=(",", ":"))` with Python's defaults otherwise (`ensure_ascii`). */
export function pythonJsonDumps(value: PythonJson): string {
  return canonicalJson(asPythonNumbers(value), 'python');
}
