import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../src/graphql/schema.js';

describe('schema.graphql', () => {
  it('is the printed Pothos schema (run `npm run schema:print` after changing the schema)', () => {
    expect(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8')).toBe(printedSchema());
  });

  it('exposes the contract names', () => {
    const sdl = printedSchema();
    for (const name of [
      'lockEscrow(',
      'releaseEscrow(',
      'refundEscrow(',
      'jobType: JobType!',
      'enum JobType',
      'escrowStatusChanged(afterSeq: Int, jobId: String!)',
      'escrowEvents(afterSeq: Int, wallet: String!)',
      'priceUpdated(afterSeq: Int, jobType: JobType)',
      'nodeStatusChanged(afterSeq: Int, minerId: String)',
      'scalar Urtc',
    ]) {
      expect(sdl).toContain(name);
    }
  });
});
