/** The committed typed operations (src/client/gql) are what codegen.ts produces from schema.graphql today. */
import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';

describe('codegen', () => {
  it('is fresh (run `npm run codegen` after changing the schema or an operation)', async () => {
    const outputs = (await generate(
      { ...config, cwd: new URL('..', import.meta.url).pathname, silent: true },
      false,
    )) as { filename: string; content: string }[];
    expect(outputs.length).toBeGreaterThan(0);
    for (const { filename, content } of outputs) {
      expect(readFileSync(new URL(`../${filename}`, import.meta.url), 'utf8'), filename).toBe(content);
    }
  });
});
