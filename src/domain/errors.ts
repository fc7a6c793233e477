/**
 * The one error vocabulary of the API. Services throw `MarketError`s; the REST shim turns them into
 * `{ok:false, error:{code, message}}` with the HTTP status below, GraphQL into members of a result union.
 */
export const ERROR_HTTP_STATUS = {
  INVALID_INPUT: 400,
  INVALID_SIGNATURE: 401,
  UNAUTHORIZED: 401,
  INSUFFICIENT_FUNDS: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  INVALID_STATE: 409,
  JOB_TYPE_MISMATCH: 409,
  IDEMPOTENCY_CONFLICT: 409,
  NONCE_REUSED: 409,
  DUPLICATE_HARDWARE: 409,
  INVALID_CHALLENGE: 409,
  PAYLOAD_TOO_LARGE: 413,
  IMPLAUSIBLE_HARDWARE: 422,
  RATE_LIMITED: 429,
  OPERATOR_DISABLED: 503,
  CUSTODY_DISABLED: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;
export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as ErrorCode[];

export class MarketError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MarketError';
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }
}

/** One thing wrong with a request: where (`gpus[0].vram_mb`; the value's name when it is the whole) and what. */
export interface InputIssue {
  path: string;
  message: string;
}

/**
 * Bad shape or value of a request: nothing was looked up, nothing changed. `issues` lists the fields at
 * fault when validation named them (src/domain/validation.ts), and is empty when the message is about
 * the request as a whole.
 */
export class InvalidInputError extends MarketError {
  constructor(
    message: string,
    readonly issues: readonly InputIssue[] = [],
  ) {
    super('INVALID_INPUT', message);
  }
}

/** The caller is not who they claim, or may not do this (signature, operator key, authority). */
export class AuthorizationError extends MarketError {}

/** The request is well formed but the escrow, wallet or nonce is not in a state that allows it. */
export class StateError extends MarketError {}

/** The hardware an attestation describes cannot be real (IMPLAUSIBLE_HARDWARE). */
export class HardwareEvidenceError extends MarketError {
  constructor(message: string) {
    super('IMPLAUSIBLE_HARDWARE', message);
  }
}

/** A request body above the size limit (PAYLOAD_TOO_LARGE): nothing of it was parsed. */
export class PayloadTooLargeError extends MarketError {
  constructor(limitBytes: number) {
    super('PAYLOAD_TOO_LARGE', `request body exceeds ${limitBytes} bytes`);
  }
}

/** The payer's available balance does not cover the lock. */
export class InsufficientFundsError extends MarketError {
  constructor(
    readonly availableUrtc: bigint,
    readonly requiredUrtc: bigint,
  ) {
    super('INSUFFICIENT_FUNDS', `available ${availableUrtc} µRTC, required ${requiredUrtc} µRTC`);
  }
}
