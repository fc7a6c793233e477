/**
 * The operator (dispute resolution, deposits) proves itself with `X-Admin-Key` equal to RC_ADMIN_KEY.
 * Without a configured key every operator action is OPERATOR_DISABLED, whatever the header says.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthorizationError } from './domain/errors.js';

export const ADMIN_KEY_HEADER = 'x-admin-key';

export interface OperatorGate {
  /** False without RC_ADMIN_KEY: nobody can act as the operator (nor resolve a dispute). */
  readonly enabled: boolean;
  /** Throws unless `presentedKey` is the configured operator key. */
  require(presentedKey: string | null | undefined): void;
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function createOperatorGate(adminKey: string | undefined): OperatorGate {
  // Comparing fixed-length digests keeps the comparison constant-time whatever the presented length.
  const expected = adminKey ? digest(adminKey) : null;
  return {
    enabled: expected !== null,
    require(presentedKey) {
      if (!expected)
        throw new AuthorizationError(
          'OPERATOR_DISABLED',
          'operator actions are disabled: RC_ADMIN_KEY is not configured',
        );
      if (!presentedKey || !timingSafeEqual(digest(presentedKey), expected)) {
        throw new AuthorizationError('UNAUTHORIZED', 'this action needs a correct X-Admin-Key header');
      }
    },
  };
}
