/** The GraphQL schema: every capability's module registers its types on the builder. */
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './escrow.js';
import './delivery.js';
import './wallet.js';
import './gpu-nodes.js';
import './gpu-models.js';
import './gpu-attestation.js';
import './gpu-events.js';
import './bonds.js';
import './pricing.js';
import './custody.js';
import './market-events.js';

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql (sorted, so diffs show real changes only). */
export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
