/**
 * The byte forms of a signed object that the contract accepts (docs/CONTRACT.md, "Identities and signatures"):
 * RFC 8785 canonical JSON (`jcs`) and the form RustChain's Python wallets sign (`python`). One copy, shared
 * with the node agent: @gpu-render-protocol/agent/protocol. The server reads request bodies losslessly, so a
 * number (lossless-json's LosslessNumber) is written exactly as the body wrote it: `80.0` stays `80.0`; a
 * writer that must print numbers as Python does (src/custody/python-json.ts) hands them over the same way.
 */
import {
  canonicalJson as canonicalJsonOf,
  hasPythonForm,
  type CanonicalForm,
} from '@gpu-render-protocol/agent/protocol';
import { isLosslessNumber } from 'lossless-json';

export { hasPythonForm, type CanonicalForm };

const asWritten = (value: object): string | undefined => (isLosslessNumber(value) ? value.value : undefined);

export function canonicalJson(value: unknown, form: CanonicalForm = 'jcs'): string {
  return canonicalJsonOf(value, form, asWritten);
}
