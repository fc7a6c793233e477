/**
 * The node agent as a library: GPU detection, model detection, the config file, and building, signing and
 * submitting an attestation. The CLI (src/cli.ts, the `gpr-agent` command) is built from these; the contract's pure
 * pieces are under `@gpu-render-protocol/agent/protocol`.
 */
export * from './client.js';
export * from './config.js';
export * from './gpus.js';
export * from './models/detect.js';
export { coquiModelName, coquiModelsDir, scanCoquiModels } from './models/detect-coqui.js';
export { huggingFaceHubDir, huggingFaceRepoId, scanHuggingFaceCache } from './models/detect-huggingface.js';
export { MODEL_DIR_DEPTH, scanModelFiles } from './models/detect-model-files.js';
export { findOnPath, parseOllamaList, scanOllamaModels, type OllamaModel } from './models/detect-ollama.js';
