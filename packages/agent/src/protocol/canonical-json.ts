/**
 * The byte forms of a signed object that the contract accepts (CONTRACT.md, "Identities and signatures"):
 * - `jcs`: RFC 8785 canonical JSON — keys sorted by UTF-16 code units, no whitespace, ECMAScript number
 *   formatting, minimal string escapes;
 * - `python`: what RustChain's Python wallets produce with `json.dumps(obj, sort_keys=True,
 *   separators=(",", ":"))`: the same text with every character outside printable ASCII escaped as
 *   `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF) and keys sorted by code point.
 * A verifier that read a request body losslessly passes `verbatim`, so a number is written exactly as the
 * body wrote it and a signer's own number formatting (`80.0`) is never second-guessed; a signer building
 * its object from JavaScript values needs none.
 * Hand-written rather than the `canonicalize` package because of those two needs; the market server's
 * tests compare it with that package on random values.
 */

export type CanonicalForm = 'jcs' | 'python';

/** The JSON text to write for a value as it is (a number read losslessly), or undefined to encode it normally. */
export type VerbatimJson = (value: object) => string | undefined;

export function canonicalJson(value: unknown, form: CanonicalForm = 'jcs', verbatim?: VerbatimJson): string {
  const text = encode(value, form, verbatim);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return form === 'python' ? escapeNonAscii(text) : text;
}

/** True when the two forms differ, i.e. the text holds a character outside printable ASCII or a key order differs. */
export function hasPythonForm(jcsText: string): boolean {
  return /[^\x20-\x7e]/.test(jcsText);
}

function encode(value: unknown, form: CanonicalForm, verbatim: VerbatimJson | undefined): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('non-finite numbers have no JSON representation');
      return JSON.stringify(value); // ECMAScript Number::toString, as RFC 8785 requires (-0 is "0")
    case 'bigint':
      return value.toString(); // an integer, written in full
    case 'object':
      break;
    default:
      return undefined; // undefined, functions and symbols are skipped like JSON.stringify skips them
  }
  const text = verbatim?.(value as object);
  if (text !== undefined) return text;
  if (Array.isArray(value)) return `[${value.map((v) => encode(v, form, verbatim) ?? 'null').join(',')}]`;
  const keys = Object.keys(value as object).sort(form === 'jcs' ? undefined : byCodePoint);
  const members: string[] = [];
  for (const key of keys) {
    const member = encode((value as Record<string, unknown>)[key], form, verbatim);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}

function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Python's ensure_ascii: every UTF-16 code unit outside 0x20–0x7e (already-escaped controls aside) as \uXXXX. */
function escapeNonAscii(text: string): string {
  return text.replace(/[^\x00-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
