/**
 * Voice and language models by name: the catalog of canonical ids and the spellings that name them, shared
 * by the node agent (which names what it detects) and the market server (which matches attestations and
 * inventory filters through it).
 */
export {
  canonicalModel,
  catalogIdsMatching,
  llmMinVramMb,
  MODEL_CATALOG,
  MODEL_ENGINES,
  type CatalogEntry,
  type ModelJobType,
  type ModelName,
} from './catalog.js';
export { normaliseQuant } from './spelling.js';
