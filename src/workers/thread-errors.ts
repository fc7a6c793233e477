/**
 * Errors across a thread boundary. Structured clone keeps an Error's message but not its class or fields, and the
 * API's answers depend on both (a MarketError's code and HTTP status, INSUFFICIENT_FUNDS' amounts, an input
 * error's issues, a ledger invariant's rule). So an error crosses as a plain record and is rebuilt as the same
 * class on the other side; anything else becomes an Error with the same name, message and code (SQLite's
 * `SQLITE_CONSTRAINT_UNIQUE`, say).
 */
import {
  AuthorizationError,
  InsufficientFundsError,
  InvalidInputError,
  MarketError,
  StateError,
  type ErrorCode,
  type InputIssue,
} from '../domain/errors.js';
import { InvariantViolation, type LedgerRule } from '../ledger-invariants.js';

export type WireError =
  | { kind: 'insufficient-funds'; availableUrtc: bigint; requiredUrtc: bigint }
  | { kind: 'invalid-input'; message: string; issues: InputIssue[] }
  | { kind: 'authorization' | 'state' | 'market'; code: ErrorCode; message: string }
  | { kind: 'invariant'; rule: LedgerRule; detail: string }
  | { kind: 'other'; name: string; message: string; code?: string };

export function errorToWire(error: unknown): WireError {
  if (error instanceof InsufficientFundsError)
    return { kind: 'insufficient-funds', availableUrtc: error.availableUrtc, requiredUrtc: error.requiredUrtc };
  if (error instanceof InvalidInputError)
    return { kind: 'invalid-input', message: error.message, issues: [...error.issues] };
  if (error instanceof MarketError) {
    const kind =
      error instanceof AuthorizationError ? 'authorization' : error instanceof StateError ? 'state' : 'market';
    return { kind, code: error.code, message: error.message };
  }
  if (error instanceof InvariantViolation) return { kind: 'invariant', rule: error.rule, detail: error.detail };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      kind: 'other',
      name: error.name,
      message: error.message,
      code: typeof code === 'string' ? code : undefined,
    };
  }
  return { kind: 'other', name: 'Error', message: String(error) };
}

export function errorFromWire(wire: WireError): Error {
  switch (wire.kind) {
    case 'insufficient-funds':
      return new InsufficientFundsError(wire.availableUrtc, wire.requiredUrtc);
    case 'invalid-input':
      return new InvalidInputError(wire.message, wire.issues);
    case 'authorization':
      return new AuthorizationError(wire.code, wire.message);
    case 'state':
      return new StateError(wire.code, wire.message);
    case 'market':
      return new MarketError(wire.code, wire.message);
    case 'invariant':
      return new InvariantViolation(wire.rule, wire.detail);
    case 'other': {
      const error = new Error(wire.message);
      error.name = wire.name;
      if (wire.code !== undefined) Object.assign(error, { code: wire.code });
      return error;
    }
  }
}
