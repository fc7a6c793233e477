#!/usr/bin/env node
// The `gpr-agent` command. The agent ships as TypeScript; tsx compiles it as it loads, so there is no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
