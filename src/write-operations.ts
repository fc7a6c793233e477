/**
 * The write path's named operations: units of work (src/sql/statement.ts) that take only what a message can carry,
 * so that `perform('lockEscrow', req, signer, now)` runs the same code on the event loop (`localOperations`) or on
 * the SQLite writer thread (src/sql/sqlite-thread.ts), which builds this registry on its own connection. The
 * payment path is here; rarer writes pass their unit of work as a function (`SqlEngine.write`), which the writer
 * thread also runs, a statement per message.
 *
 * An operation's arguments and result cross threads by structured clone: plain objects, strings, numbers,
 * BigInts. What it throws crosses as ./workers/thread-errors.ts carries it (the domain errors keep their class,
 * code and fields).
 */
import { escrowOperations } from './escrow/operations.js';
import { createEscrowEventLog } from './escrow/events.js';
import { createLedger } from './ledger.js';
import type { SqlEngine, Work } from './sql/statement.js';

/** The settings an operation depends on: the same in every thread, given once when a writer starts. */
export interface OperationSettings {
  /** How long an attestation keeps a node's prices on offer (the configuration's ATTESTATION_TTL_S). */
  attestationTtlS: number;
}

/** The registry, its statements run on `engine`. */
export function createWriteOperations(engine: SqlEngine, settings: OperationSettings) {
  return {
    ...escrowOperations({
      ledger: createLedger(engine),
      events: createEscrowEventLog(engine),
      attestationTtlS: settings.attestationTtlS,
    }),
  };
}

export type WriteOperations = ReturnType<typeof createWriteOperations>;
export type OperationName = keyof WriteOperations;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any operation's parameters
type OperationsShape = { [name: string]: (...args: any[]) => Work<unknown> };
type ResultOf<W> = W extends Work<infer T> ? T : never;

/** Runs named operations, each atomically, resolving once durably committed (as `SqlEngine.write`). */
export interface OperationRunner<Ops extends OperationsShape = WriteOperations> {
  perform<K extends keyof Ops & string>(name: K, ...args: Parameters<Ops[K]>): Promise<ResultOf<ReturnType<Ops[K]>>>;
}

/** `operations` run by `write` in this thread: PostgreSQL's, or SQLite's driven on the event loop. */
export function runnerOf<Ops extends OperationsShape>(
  operations: Ops,
  write: SqlEngine['write'],
): OperationRunner<Ops> {
  return {
    perform: (name, ...args) => write(() => operations[name]!(...args) as Work<ResultOf<ReturnType<Ops[typeof name]>>>),
  };
}

/** Whether `engine` runs the named operations itself (the SQLite writer thread does). */
export function isOperationRunner(engine: SqlEngine): engine is SqlEngine & OperationRunner {
  return typeof (engine as Partial<OperationRunner>).perform === 'function';
}
