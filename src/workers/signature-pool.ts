/**
 * Signature verification beside the event loop. An Ed25519 verification with the contract's strict checks
 * costs about as much CPU as the rest of a lock's handling on the event loop, so it runs on worker threads
 * (as many as SIGNATURE_WORKERS, by default one fewer than the cores): the loop canonicalises the action
 * (cheap, and needed for the error message anyway), the thread does the curve arithmetic.
 *
 * A thread holds at most one batch: checks that arrive while it works wait and go together in its next
 * message, so under load one message carries many checks (a message costs the loop tens of µs, as much as a
 * small verification), and an idle pool still sends a lone check at once. A thread that throws answers its batch with an error; a
 * thread that dies fails the checks it held and is replaced. Either way the request gets an INTERNAL error
 * before any state was touched (verification precedes every write), and the next request is served.
 * With no threads (SIGNATURE_WORKERS=0) the same checks run on the event loop.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import {
  prepareVerification,
  verifiesAny,
  type ActionObject,
  type SignatureCheck,
  type SignedBy,
} from '../domain/signatures.js';
import type { VerifyBatch, VerifyReply } from './signature-worker.js';

export interface SignatureVerifier {
  /** `verifyActionSignature`, resolved with the signer's address or rejected with the same errors. */
  verify(action: ActionObject | ActionObject[], signed: SignedBy): Promise<string>;
  /** Stops the threads; checks in flight fail. */
  close(): Promise<void>;
  /** The threads now serving (none on the event loop); for health checks and tests. */
  threads(): Worker[];
}

/** Verification on the event loop, as `verifyActionSignature` does it. */
export const inlineVerifier: SignatureVerifier = {
  verify: async (action, signed) => {
    const pending = prepareVerification(action, signed);
    return pending.conclude(verifiesAny(pending.check));
  },
  close: async () => {},
  threads: () => [],
};

export class SignatureWorkerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureWorkerError';
  }
}

export interface SignaturePoolOptions {
  size: number;
  log: Logger;
  /** The thread's module, exporting `serve`: ./signature-worker.ts unless given (one that wraps its `answerBatch`). */
  module?: URL;
}

interface Waiting {
  check: SignatureCheck;
  resolve: (valid: boolean) => void;
  reject: (error: unknown) => void;
}

interface Thread {
  worker: Worker;
  /** The batch sent and not answered (at most one), by id. */
  inFlight: Map<number, Waiting[]>;
  /** Whether it ever answered: one that dies before (a module that cannot load) is replaced after a pause. */
  answered: boolean;
}

/** The pause before replacing a thread that died without answering once, so a broken install cannot spin. */
const RESTART_PAUSE_MS = 1_000;

/** This TypeScript runs through tsx: a thread starts in ./thread-entry.mjs, which loads its module with tsx. */
const THREAD_ENTRY = new URL('./thread-entry.mjs', import.meta.url);

export function createSignaturePool({
  size,
  log,
  module = new URL('./signature-worker.ts', import.meta.url),
}: SignaturePoolOptions): SignatureVerifier {
  const threads: Thread[] = [];
  let queued: Waiting[] = [];
  let scheduled = false;
  let nextBatchId = 1;
  let closed = false;

  function start(): Thread {
    const worker = new Worker(THREAD_ENTRY, { workerData: { entry: module.href } });
    const thread: Thread = { worker, inFlight: new Map(), answered: false };
    worker.on('message', (reply: VerifyReply) => {
      const batch = thread.inFlight.get(reply.id);
      if (!batch) return;
      thread.inFlight.delete(reply.id);
      thread.answered = true;
      if (queued.length > 0) dispatch(); // what waited while this thread worked
      if ('error' in reply) {
        log.error({ err: reply.error, checks: batch.length }, 'signature worker failed a batch');
        const error = new SignatureWorkerError('signature verification failed in a worker thread');
        for (const w of batch) w.reject(error);
      } else {
        batch.forEach((w, i) => w.resolve(reply.verdicts[i] === true));
      }
    });
    worker.on('error', (err) => log.error({ err }, 'signature worker crashed'));
    worker.once('exit', (code) => {
      const index = threads.indexOf(thread);
      if (index >= 0) threads.splice(index, 1);
      const error = new SignatureWorkerError(`a signature worker thread exited (code ${code})`);
      for (const batch of thread.inFlight.values()) for (const w of batch) w.reject(error);
      thread.inFlight.clear();
      if (closed) return;
      log.error({ code }, 'signature worker exited; starting a replacement');
      const replace = () => {
        if (closed) return;
        threads.push(start());
        if (queued.length > 0) schedule();
      };
      if (thread.answered) replace();
      else setTimeout(replace, RESTART_PAUSE_MS).unref();
    });
    return thread;
  }

  for (let i = 0; i < size; i++) threads.push(start());

  /** Sends what is queued to the idle threads, split evenly; a busy thread gets the rest when it answers. */
  function dispatch() {
    scheduled = false;
    if (closed || threads.length === 0) {
      const error = new SignatureWorkerError(
        closed ? 'the signature workers are closed' : 'no signature thread is running',
      );
      for (const w of queued.splice(0)) w.reject(error);
      return;
    }
    const idle = threads.filter((t) => t.inFlight.size === 0);
    if (idle.length === 0 || queued.length === 0) return;
    const share = Math.ceil(queued.length / idle.length);
    for (const thread of idle) {
      if (queued.length === 0) break;
      const batch = queued.splice(0, share);
      const id = nextBatchId++;
      thread.inFlight.set(id, batch);
      try {
        thread.worker.postMessage({ id, checks: batch.map((w) => w.check) } satisfies VerifyBatch);
      } catch (error) {
        thread.inFlight.delete(id);
        for (const w of batch) w.reject(error);
      }
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(dispatch);
  }

  return {
    async verify(action, signed) {
      const pending = prepareVerification(action, signed); // missing parts: INVALID_SIGNATURE, as before
      const valid = await new Promise<boolean>((resolve, reject) => {
        queued.push({ check: pending.check, resolve, reject });
        schedule();
      });
      return pending.conclude(valid);
    },
    async close() {
      closed = true;
      await Promise.all(threads.splice(0).map((t) => t.worker.terminate()));
    },
    threads: () => threads.map((t) => t.worker),
  };
}
