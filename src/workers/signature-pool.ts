/**
 * Signature verification beside the event loop. An Ed25519 verification with the contract's strict checks
 * costs about as much CPU as the rest of a lock's handling on the event loop, so it runs on worker threads
 * (as many as SIGNATURE_WORKERS, by default one fewer than the cores): the loop canonicalises the action
 * (cheap, and needed for the error message anyway), the thread does the curve arithmetic.
 *
 * Checks submitted in one turn of the event loop travel as one message per thread (a message costs the
 * loop about as much as a small verification). A thread that throws answers its batch with an error; a
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
  /** Batches sent and not answered, by id. */
  inFlight: Map<number, Waiting[]>;
  checks: number;
}

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
    const thread: Thread = { worker, inFlight: new Map(), checks: 0 };
    worker.on('message', (reply: VerifyReply) => {
      const batch = thread.inFlight.get(reply.id);
      if (!batch) return;
      thread.inFlight.delete(reply.id);
      thread.checks -= batch.length;
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
      if (!closed) {
        log.error({ code }, 'signature worker exited; starting a replacement');
        threads.push(start());
      }
    });
    return thread;
  }

  for (let i = 0; i < size; i++) threads.push(start());

  /** Sends what this turn queued, split over the threads by how much each already holds. */
  function dispatch() {
    scheduled = false;
    const all = queued;
    queued = [];
    if (closed || threads.length === 0) {
      const error = new SignatureWorkerError('the signature workers are closed');
      for (const w of all) w.reject(error);
      return;
    }
    const share = Math.ceil(all.length / threads.length);
    const order = [...threads].sort((a, b) => a.checks - b.checks);
    for (let i = 0, t = 0; i < all.length; i += share, t++) {
      const thread = order[t]!;
      const batch = all.slice(i, i + share);
      const id = nextBatchId++;
      thread.inFlight.set(id, batch);
      thread.checks += batch.length;
      try {
        thread.worker.postMessage({ id, checks: batch.map((w) => w.check) } satisfies VerifyBatch);
      } catch (error) {
        thread.inFlight.delete(id);
        thread.checks -= batch.length;
        for (const w of batch) w.reject(error);
      }
    }
  }

  return {
    async verify(action, signed) {
      const pending = prepareVerification(action, signed); // missing parts: INVALID_SIGNATURE, as before
      const valid = await new Promise<boolean>((resolve, reject) => {
        queued.push({ check: pending.check, resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(dispatch);
        }
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
