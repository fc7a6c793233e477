/**
 * The node agent as a library: GPU detection, the config file, and building, signing and submitting an
 * attestation. The CLI (src/cli.ts, the `gpr-agent` command) is built from these; the contract's pure
 * pieces are under `@gpu-render-protocol/agent/protocol`.
 */
export * from './client.js';
export * from './config.js';
export * from './gpus.js';
