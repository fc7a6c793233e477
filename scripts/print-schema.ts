/** Writes schema.graphql from the Pothos schema (test/schema.test.ts fails when it is stale). */
import { writeFileSync } from 'node:fs';
import { printedSchema } from '../src/graphql/schema.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printedSchema());
console.log('wrote schema.graphql');
