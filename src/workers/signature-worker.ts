/**
 * A signature-verification thread's module (see ./signature-pool.ts): receives batches of checks, answers each
 * batch with one verdict per check, or with the error that stopped the batch.
 */
import { parentPort } from 'node:worker_threads';
import { verifiesAny, type SignatureCheck } from '../domain/signatures.js';

export interface VerifyBatch {
  id: number;
  checks: SignatureCheck[];
}

export type VerifyReply = { id: number; verdicts: boolean[] } | { id: number; error: string };

/** Answers a batch with `verify` (the real verification unless a module that wraps it gives another). */
export function answerBatch(batch: VerifyBatch, verify: (check: SignatureCheck) => boolean = verifiesAny): VerifyReply {
  try {
    return { id: batch.id, verdicts: batch.checks.map((check) => verify(check)) };
  } catch (error) {
    return { id: batch.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

/** Serves the pool's batches with `answer`: a thread's module exports `serve` (./thread-entry.mjs calls it). */
export function serveBatches(answer: (batch: VerifyBatch) => VerifyReply): void {
  parentPort!.on('message', (batch: VerifyBatch) => parentPort!.postMessage(answer(batch)));
}

export const serve = () => serveBatches((batch) => answerBatch(batch));
