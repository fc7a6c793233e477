/**
 * The SQLite writer thread (SQLITE_WRITER=thread): the one connection that writes, its group commit and the WAL's
 * flush, beside the event loop. src/sql/sqlite-thread.ts is the event loop's side and explains the protocol; this
 * side runs
 * - a named operation (src/write-operations.ts) whole, as one operation of the group commit;
 * - a unit of work the event loop drives (a function, which cannot cross threads): inside its own group-commit
 *   operation, this thread waits for each statement the loop sends on the `steps` port (Atomics.wait, then
 *   receiveMessageOnPort: synchronously, so nothing else enters the transaction meanwhile), runs it, and answers;
 *   the loop ends the unit by sending `return` or `throw` (the latter rolls its savepoint back).
 * Every answer is sent after the flush that makes its batch durable, as the group commit settles it.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { openWritingConnection, type WalSync } from '../sql/sqlite-connection.js';
import { createGroupCommit } from '../group-commit.js';
import { createSqliteEngine } from '../sql/sqlite.js';
import { Statement, type StepMode } from '../sql/statement.js';
import { createWriteOperations, type OperationSettings } from '../write-operations.js';
import type { Work } from '../sql/statement.js';
import { errorToWire, type WireError } from './thread-errors.js';

export interface WriterSettings {
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  walSync: WalSync;
  maxOps?: number;
  operations: OperationSettings;
  /** SQLite's automatic checkpoint, in WAL pages (0: a checkpointer thread does it). */
  autocheckpointPages: number;
  /** Int32Array slots: see CONTROL below. */
  control: SharedArrayBuffer;
  /** Where the event loop sends a driven unit's statements. */
  steps: MessagePort;
}

/** The control array's slots: COMMITs begun, COMMITs flushed, and a counter the loop bumps for each message on `steps`. */
export const CONTROL = { committing: 0, flushed: 1, steps: 2, length: 3 } as const;

/** How long a driven unit may leave the writer waiting for its next statement before it is rolled back. */
export const STEP_TIMEOUT_MS = 30_000;

/** The event loop to this thread, in arrays: the requests of one turn of its loop. */
export type WriterRequest =
  | { kind: 'perform'; id: number; name: string; args: unknown[] }
  | { kind: 'unit'; id: number }
  | { kind: 'autocheckpoint'; pages: number }
  | { kind: 'close' };

/** A driven unit's next move, on the `steps` port. */
export type StepMessage =
  | { kind: 'step'; id: number; text: string; returningKey?: string; mode: StepMode; params: unknown }
  | { kind: 'return'; id: number }
  | { kind: 'throw'; id: number };

/** This thread to the event loop: one at a time, or in arrays (the answers and flushes of one turn). */
export type WriterReply =
  | { kind: 'ready' }
  | { kind: 'done'; id: number; ok: true; value: unknown }
  | { kind: 'done'; id: number; ok: false; error: WireError }
  | { kind: 'begin'; id: number }
  | { kind: 'stepResult'; id: number; ok: true; value: unknown }
  | { kind: 'stepResult'; id: number; ok: false; error: WireError }
  | { kind: 'flushed'; count: number }
  | { kind: 'flushFailed'; error: WireError }
  | { kind: 'closed' };

/** A tests' hook: called in this thread before each named operation runs (test/fixtures/faulty-sqlite-writer.ts). */
export interface WriterHooks {
  beforeOperation?(name: string, args: unknown[]): void;
}

/** A driven unit ended by the event loop with `throw`: what it threw stays there, this only rolls back. */
class UnitThrew extends Error {}

export function serve(hooks: WriterHooks = {}) {
  const port = parentPort!;
  const settings = workerData as WriterSettings;
  const control = new Int32Array(settings.control);
  const send = (reply: WriterReply) => port.postMessage(reply);
  // Answers and flush reports go out together, once per turn of this thread's loop: a message costs both threads
  // a structured clone and a wake-up, so one per batch rather than one per write. A driven unit's messages go at
  // once (this thread is waiting for the answer).
  let outbox: WriterReply[] = [];
  const sendSoon = (reply: WriterReply) => {
    if (outbox.push(reply) === 1) setImmediate(sendOutbox);
  };
  function sendOutbox() {
    const replies = outbox;
    outbox = [];
    port.postMessage(replies);
  }
  const connection = openWritingConnection(settings.file, settings.synchronous, settings.walSync);
  const db = connection.sqlite;
  db.pragma(`wal_autocheckpoint = ${settings.autocheckpointPages}`);
  const writes = createGroupCommit(db, {
    sync: connection.syncWal ?? undefined,
    maxOps: settings.maxOps,
    progress: {
      committing: (count) => Atomics.store(control, CONTROL.committing, count),
      flushed: (count) => {
        Atomics.store(control, CONTROL.flushed, count);
        sendSoon({ kind: 'flushed', count });
      },
      flushFailed: (error) => sendSoon({ kind: 'flushFailed', error: errorToWire(error) }),
    },
  });
  const engine = createSqliteEngine(db, writes);
  const operations = createWriteOperations(engine, settings.operations) as unknown as Record<
    string,
    (...args: unknown[]) => Work<unknown>
  >;
  const statements = new Map<string, Statement>();

  /** The next message for unit `id`; messages of units already ended (rolled back on a timeout) are dropped. */
  function nextStep(id: number): StepMessage {
    for (;;) {
      const seen = Atomics.load(control, CONTROL.steps);
      const received = receiveMessageOnPort(settings.steps);
      if (received && (received.message as StepMessage).id === id) return received.message as StepMessage;
      if (received) continue;
      if (Atomics.wait(control, CONTROL.steps, seen, STEP_TIMEOUT_MS) === 'timed-out')
        throw new Error(`a unit of work sent no statement for ${STEP_TIMEOUT_MS} ms: rolled back`);
    }
  }

  function runStep(step: Extract<StepMessage, { kind: 'step' }>): unknown {
    let statement = statements.get(step.text);
    if (!statement) {
      statement = new Statement(step.text, step.returningKey ? { returningKey: step.returningKey } : {});
      statements.set(step.text, statement);
    }
    const params = step.params as unknown[];
    switch (step.mode) {
      case 'run':
        return engine.now(statement.run(params));
      case 'get':
        return engine.now(statement.get(params));
      case 'all':
        return engine.now(statement.all(params));
      case 'insert':
        return engine.now(statement.insert(params));
    }
  }

  /** A unit the event loop drives, run inside the group commit's transaction. */
  function drivenUnit(id: number): void {
    send({ kind: 'begin', id });
    for (;;) {
      const message = nextStep(id);
      if (message.kind === 'return') return;
      if (message.kind === 'throw') throw new UnitThrew();
      try {
        send({ kind: 'stepResult', id, ok: true, value: runStep(message) });
      } catch (error) {
        send({ kind: 'stepResult', id, ok: false, error: errorToWire(error) });
      }
    }
  }

  const answer = (id: number, done: Promise<unknown>) =>
    done.then(
      (value) => sendSoon({ kind: 'done', id, ok: true, value }),
      (error: unknown) => sendSoon({ kind: 'done', id, ok: false, error: errorToWire(error) }),
    );

  port.on('message', (requests: WriterRequest[]) => {
    for (const request of requests) handle(request);
  });

  function handle(request: WriterRequest) {
    switch (request.kind) {
      case 'perform': {
        const operation = operations[request.name];
        if (!operation) {
          answer(request.id, Promise.reject(new Error(`no write operation named ${request.name}`)));
          return;
        }
        answer(
          request.id,
          engine.write(() => {
            hooks.beforeOperation?.(request.name, request.args);
            return operation(...request.args);
          }),
        );
        return;
      }
      case 'unit':
        answer(
          request.id,
          writes.submit(() => drivenUnit(request.id)),
        );
        return;
      case 'autocheckpoint':
        db.pragma(`wal_autocheckpoint = ${request.pages}`);
        return;
      case 'close':
        // Whatever was submitted before has been answered or will be: the group commit settles before this runs again.
        void writes.durable().finally(() => {
          connection.close();
          if (outbox.length > 0) sendOutbox();
          send({ kind: 'closed' });
          port.close();
        });
        return;
    }
  }
  send({ kind: 'ready' });
}
