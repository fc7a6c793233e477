/** The Pothos schema builder: plugins, context, scalars and the error types every mutation shares. */
import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONObjectResolver } from 'graphql-scalars';
import { GraphQLScalarType, Kind } from 'graphql';
import {
  AuthorizationError,
  ERROR_CODES,
  HardwareEvidenceError,
  InsufficientFundsError,
  InvalidInputError,
  MarketError,
  type InputIssue,
  StateError,
} from '../domain/errors.js';
import { invalidInput } from '../domain/validation.js';
import type { Market } from '../market.js';
import { getDatamodel } from '../generated/pothos-prisma-types.js';
import type PrismaTypes from '../generated/pothos-prisma-types.js';

export interface GraphQLContext {
  market: Market;
  /** The `X-Admin-Key` header of the request, when it carried one. */
  adminKey: string | null;
}

/** µRTC as a string of digits: GraphQL's Int is 32-bit and a float would lose money. */
const UrtcScalar = new GraphQLScalarType<bigint, string>({
  name: 'Urtc',
  description: 'An amount in µRTC (1 RTC = 1,000,000 µRTC), serialized as a string of digits.',
  serialize: (value) => {
    if (typeof value !== 'bigint') throw new TypeError('Urtc must be serialized from a BigInt');
    return value.toString();
  },
  parseValue: (value) => {
    if (typeof value !== 'string' || !/^\d{1,19}$/.test(value)) throw new TypeError('Urtc must be a string of digits');
    return BigInt(value);
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || !/^\d{1,19}$/.test(ast.value))
      throw new TypeError('Urtc must be a string of digits');
    return BigInt(ast.value);
  },
});

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    Urtc: { Input: bigint; Output: bigint };
    DateTime: { Input: Date; Output: Date };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}>({
  // Errors before Validation, so that a validation failure becomes a typed INVALID_INPUT result.
  plugins: [ErrorsPlugin, ValidationPlugin, PrismaPlugin, RelayPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.market.db.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: null,
  },
  relay: { clientMutationId: 'omit', cursorType: 'String' },
  // Input validation failures are answered as INVALID_INPUT results; no field here has authorization hooks.
  errors: { defaultTypes: [], unsafelyHandleInputErrors: true },
  validation: { validationError: (result) => invalidInput(result.issues, { name: 'input' }) },
});

builder.addScalarType('Urtc', UrtcScalar);
builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});

export const ErrorCodeEnum = builder.enumType('ErrorCode', {
  description: 'Stable error codes, the same as the REST shim returns (docs/CONTRACT.md).',
  values: ERROR_CODES,
});

export const MarketErrorInterface = builder.interfaceRef<MarketError>('MarketError').implement({
  description: 'An expected failure: nothing changed. `code` is stable; `message` is for humans.',
  fields: (t) => ({
    code: t.field({ type: ErrorCodeEnum, resolve: (e) => e.code }),
    message: t.exposeString('message'),
  }),
});

const InputIssueRef = builder.objectRef<InputIssue>('InputIssue').implement({
  description:
    'One thing wrong with the input: where (a path such as `wallet` or `attestation.gpus[0].vram_mb`) and what.',
  fields: (t) => ({
    path: t.exposeString('path'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInputError',
  description: 'The request is malformed (INVALID_INPUT).',
  interfaces: [MarketErrorInterface],
  fields: (t) => ({
    issues: t.field({
      type: [InputIssueRef],
      description:
        'The fields at fault, as validation named them; empty when the message is about the request as a whole.',
      resolve: (e) => [...e.issues],
    }),
  }),
});

builder.objectType(AuthorizationError, {
  name: 'AuthorizationError',
  description:
    'Signature, operator key or authority failed (INVALID_SIGNATURE, UNAUTHORIZED, FORBIDDEN, OPERATOR_DISABLED).',
  interfaces: [MarketErrorInterface],
});

builder.objectType(StateError, {
  name: 'StateError',
  description:
    'The escrow, deposit, nonce, challenge or node does not allow this (NOT_FOUND, JOB_TYPE_MISMATCH, INVALID_STATE, IDEMPOTENCY_CONFLICT, NONCE_REUSED, INVALID_CHALLENGE, DUPLICATE_HARDWARE, RATE_LIMITED).',
  interfaces: [MarketErrorInterface],
});

builder.objectType(InsufficientFundsError, {
  name: 'InsufficientFundsError',
  description: "The payer's available balance does not cover the amount (INSUFFICIENT_FUNDS).",
  interfaces: [MarketErrorInterface],
  fields: (t) => ({
    availableUrtc: t.field({ type: 'Urtc', resolve: (e) => e.availableUrtc }),
    requiredUrtc: t.field({ type: 'Urtc', resolve: (e) => e.requiredUrtc }),
  }),
});

builder.objectType(HardwareEvidenceError, {
  name: 'HardwareEvidenceError',
  description:
    'The attested hardware cannot be real: a model of another vendor, or a memory size it never had (IMPLAUSIBLE_HARDWARE).',
  interfaces: [MarketErrorInterface],
});

/** The error types of every money mutation's result union. */
export const MONEY_ERRORS = [InvalidInputError, AuthorizationError, StateError, InsufficientFundsError];
/** The error types of attestation and operator node mutations. */
export const NODE_ERRORS = [InvalidInputError, AuthorizationError, StateError, HardwareEvidenceError];
