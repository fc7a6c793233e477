/**
 * SQLite with its writer on a thread of its own (SQLITE_WRITER=thread): the event loop keeps its connection for
 * reads and hands every write to src/workers/sqlite-writer.ts, which holds the one writing connection, the group
 * commit and the WAL's flush. The payment path's statements, COMMITs and fsyncs then cost the loop its share of
 * one message each way per turn instead of the work itself: a third of the loop's time per payment (README, "The
 * writer thread").
 *
 * Two kinds of write cross:
 * - a named operation (src/write-operations.ts: `perform('lockEscrow', req, signer, now)`), sent whole and run
 *   there start to finish, as on the loop;
 * - any other unit of work (`write(function* () { … })`), which is a function and cannot cross: the loop drives
 *   it, sending each statement to the thread, which runs it inside the unit's own savepoint of the current batch
 *   and answers. The thread waits for the loop between statements (nothing else enters the transaction), so these
 *   stay for the rarer writes (attestations, custody, pricing, bonds), at a round trip per statement.
 * Either way the answer comes after the durable COMMIT of its batch. A unit that throws is rolled back on the
 * thread and rejects here with what it threw; a statement that fails is thrown into the unit where it ran.
 *
 * Reads stay on the loop's own connection. With WAL_SYNC=pool a commit is visible before its flush, so a read
 * waits, as on the loop (src/group-commit.ts), until every COMMIT it could have seen is flushed: the thread counts
 * COMMITs begun and flushed in shared memory (the count begun is raised before each COMMIT, so a read that sees a
 * commit loads a count that covers it) and reports each flush.
 *
 * Should the thread die (a crash, an uncaught error), every write it held is answered with an error: none of them
 * was committed unless its batch's COMMIT had completed, in which case a retry finds it done, as after a failed
 * flush. A new thread takes over; a thread that could not start at all is not replaced and writes fail.
 */
import type Database from 'better-sqlite3';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { WalSync } from './sqlite-connection.js';
import type { OperationRunner, OperationSettings } from '../write-operations.js';
import {
  CONTROL,
  type StepMessage,
  type WriterReply,
  type WriterRequest,
  type WriterSettings,
} from '../workers/sqlite-writer.js';
import { errorFromWire } from '../workers/thread-errors.js';
import { createSqliteEngine } from './sqlite.js';
import { skipped, type SqlEngine, type Work } from './statement.js';

const THREAD_ENTRY = new URL('../workers/thread-entry.mjs', import.meta.url);
const WRITER_MODULE = new URL('../workers/sqlite-writer.ts', import.meta.url);

export interface SqliteThreadOptions {
  /** The loop's connection to the same file: reads only, once the thread runs. */
  reader: Database.Database;
  file: string;
  synchronous: 'FULL' | 'NORMAL';
  walSync: WalSync;
  maxOps?: number;
  operations: OperationSettings;
  /**
   * SQLite's automatic checkpoint on the writing connection, in WAL pages: the WAL's limit when a checkpointer thread
   * runs (../workers/checkpointer.ts).
   */
  autocheckpointPages: number;
  log: Logger;
  /** The thread's module, exporting `serve`: ../workers/sqlite-writer.ts unless given (tests wrap it). */
  module?: URL;
}

export interface SqliteThreadEngine extends SqlEngine, OperationRunner {
  readonly dialect: 'sqlite';
  /** Resolves once every COMMIT the thread began before the call is on disk. */
  durable(): Promise<void>;
  /** SQLite's automatic checkpoint on the writing connection (the checkpointer gives it back when it stops). */
  setAutocheckpoint(pages: number): void;
  /** The thread now writing; for tests. */
  thread(): Worker;
  /** Answers what is in flight, then stops the thread and closes its connection. */
  close(): Promise<void>;
}

export class WriterThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriterThreadError';
  }
}

interface Waiting {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A unit of work driven from here: its generator, and what it returned or threw (kept here, not sent). */
interface DrivenUnit extends Waiting {
  work: () => Work<unknown>;
  generator?: Work<unknown>;
  ended?: { returned: unknown } | { threw: unknown };
}

interface Thread {
  worker: Worker;
  control: Int32Array;
  steps: MessagePort;
  ready: boolean;
}

type MessagePort = InstanceType<typeof MessageChannel>['port1'];

export function startSqliteThread(options: SqliteThreadOptions): SqliteThreadEngine {
  const { log } = options;
  let nextId = 1;
  const performs = new Map<number, Waiting>();
  const units = new Map<number, DrivenUnit>();
  let readers: { through: number; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let autocheckpointPages = options.autocheckpointPages;
  let closing = false;
  let failed: Error | null = null;
  let closed: Promise<void> | null = null;

  function spawn(): Thread {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL.length * Int32Array.BYTES_PER_ELEMENT));
    const { port1, port2 } = new MessageChannel();
    const settings: WriterSettings & { entry: string } = {
      entry: (options.module ?? WRITER_MODULE).href,
      file: options.file,
      synchronous: options.synchronous,
      walSync: options.walSync,
      maxOps: options.maxOps,
      operations: options.operations,
      autocheckpointPages,
      control: control.buffer as SharedArrayBuffer,
      steps: port2,
    };
    const worker = new Worker(THREAD_ENTRY, { workerData: settings, transferList: [port2] });
    const thread: Thread = { worker, control, steps: port1, ready: false };
    worker.on('message', (replies: WriterReply | WriterReply[]) => {
      if (Array.isArray(replies)) for (const reply of replies) receive(thread, reply);
      else receive(thread, replies);
    });
    worker.on('error', (err) => log.error({ err }, 'the SQLite writer thread failed'));
    worker.once('exit', (code) => stopped(thread, code));
    return thread;
  }

  let current = spawn();

  function receive(thread: Thread, reply: WriterReply) {
    switch (reply.kind) {
      case 'ready':
        thread.ready = true;
        return;
      case 'flushed':
        wakeReaders(reply.count);
        return;
      case 'flushFailed': {
        const error = errorFromWire(reply.error);
        const waiting = readers;
        readers = [];
        for (const r of waiting) r.reject(error);
        return;
      }
      case 'begin': {
        const unit = units.get(reply.id);
        if (!unit) return;
        unit.generator = unit.work();
        const generator = unit.generator;
        advance(thread, reply.id, unit, () => generator.next());
        return;
      }
      case 'stepResult': {
        const unit = units.get(reply.id);
        const generator = unit?.generator;
        if (!unit || !generator || unit.ended) return;
        advance(thread, reply.id, unit, () =>
          reply.ok ? generator.next(reply.value) : generator.throw(errorFromWire(reply.error)),
        );
        return;
      }
      case 'done': {
        const unit = units.get(reply.id);
        if (unit) {
          units.delete(reply.id);
          const ended = unit.ended;
          if (reply.ok && ended && 'returned' in ended) unit.resolve(ended.returned);
          else if (ended && 'threw' in ended) unit.reject(ended.threw);
          else
            unit.reject(
              reply.ok ? new WriterThreadError('a unit of work ended without an answer') : errorFromWire(reply.error),
            );
          return;
        }
        const perform = performs.get(reply.id);
        if (!perform) return;
        performs.delete(reply.id);
        if (reply.ok) perform.resolve(reply.value);
        else perform.reject(errorFromWire(reply.error));
        return;
      }
      case 'closed':
        return;
    }
  }

  /** Runs the unit up to its next statement (skipping PostgreSQL-only ones), and sends it, or its end. */
  function advance(thread: Thread, id: number, unit: DrivenUnit, resume: () => IteratorResult<unknown, unknown>) {
    let step = resume;
    for (;;) {
      let next: IteratorResult<unknown, unknown>;
      try {
        next = step();
      } catch (error) {
        unit.ended = { threw: error };
        return sendStep(thread, { kind: 'throw', id });
      }
      if (next.done) {
        unit.ended = { returned: next.value };
        return sendStep(thread, { kind: 'return', id });
      }
      const s = next.value as import('./statement.js').Step;
      if (s.statement.options.only === 'postgres') {
        const answer = skipped(s);
        step = () => unit.generator!.next(answer);
        continue;
      }
      return sendStep(thread, {
        kind: 'step',
        id,
        text: s.statement.textFor('sqlite'),
        returningKey: s.statement.options.returningKey,
        mode: s.mode,
        params: s.params,
      });
    }
  }

  function sendStep(thread: Thread, message: StepMessage) {
    thread.steps.postMessage(message);
    Atomics.add(thread.control, CONTROL.steps, 1);
    Atomics.notify(thread.control, CONTROL.steps);
  }

  function wakeReaders(flushed: number) {
    if (readers.length === 0) return;
    const waiting = readers;
    readers = [];
    for (const r of waiting) {
      if (r.through <= flushed) r.resolve();
      else readers.push(r);
    }
  }

  function stopped(thread: Thread, code: number) {
    if (thread !== current) return;
    const error = new WriterThreadError(
      closing
        ? 'the database is closed'
        : `the SQLite writer thread stopped (exit code ${code}): this write may not have happened; retry it`,
    );
    for (const waiting of [...performs.values(), ...units.values()]) waiting.reject(error);
    performs.clear();
    units.clear();
    outbox = []; // refused above: a new thread must not carry them out
    const waiting = readers;
    readers = [];
    for (const r of waiting) r.reject(error);
    if (closing) return;
    if (!thread.ready) {
      failed = new WriterThreadError(`the SQLite writer thread could not start (exit code ${code})`);
      log.error({ code }, 'the SQLite writer thread could not start: writes fail');
      return;
    }
    log.error({ code }, 'the SQLite writer thread stopped; the writes it held failed, a new thread takes over');
    current = spawn();
  }

  // Requests go to the thread together, once per turn of the event loop: a message costs both threads a structured
  // clone and a wake-up, so one per turn rather than one per write.
  let outbox: WriterRequest[] = [];
  function request(message: WriterRequest) {
    if (outbox.push(message) === 1) setImmediate(sendOutbox);
  }
  function sendOutbox() {
    const requests = outbox;
    outbox = [];
    if (requests.length > 0) current.worker.postMessage(requests);
  }

  const refusal = () => failed ?? (closing ? new WriterThreadError('the database is closed') : null);

  function durable(): Promise<void> {
    const control = current.control;
    const through = Atomics.load(control, CONTROL.committing);
    if (Atomics.load(control, CONTROL.flushed) >= through) return Promise.resolve();
    return new Promise<void>((resolve, reject) => readers.push({ through, resolve, reject }));
  }

  const reads = createSqliteEngine(options.reader, {
    submit: () => Promise.reject(new WriterThreadError('writes go to the SQLite writer thread')),
    durable,
  });

  return {
    dialect: 'sqlite',
    read: reads.read,
    snapshot: reads.snapshot,
    durable,

    write<T>(work: () => Work<T>): Promise<T> {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        units.set(id, { work, resolve: resolve as (value: unknown) => void, reject });
        request({ kind: 'unit', id });
      });
    },

    perform(name, ...args) {
      const refused = refusal();
      if (refused) return Promise.reject(refused);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        performs.set(id, { resolve: resolve as (value: unknown) => void, reject });
        request({ kind: 'perform', id, name, args });
      });
    },

    setAutocheckpoint(pages) {
      autocheckpointPages = pages;
      request({ kind: 'autocheckpoint', pages });
    },

    thread: () => current.worker,

    close() {
      if (closed) return closed;
      closing = true;
      const worker = current.worker;
      closed = new Promise<void>((resolve) => {
        worker.once('exit', () => resolve());
        request({ kind: 'close' });
        setTimeout(() => void worker.terminate(), 10_000).unref();
      });
      return closed;
    },
  };
}
