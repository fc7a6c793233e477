/**
 * The node agent: what a GPU owner runs to attest their machine to the market.
 *
 *   gpr-agent keygen --key FILE
 *   gpr-agent attest --server URL --key FILE --config FILE [--interval SECONDS] [--dry-run]
 *
 * (`npx @gpu-render-protocol/agent ...` without installing it; `npm run agent -- ...` in the market's repository.)
 *
 * `keygen` creates a wallet key file (64 hex characters, a 32-byte Ed25519 seed, mode 0600: the format
 * of the market's wallet script) and prints the node's miner_id. `attest` loads the key (creating it when
 * the file does not exist), detects the GPUs, asks the server for a challenge and submits the signed
 * attestation, printing one JSON line per attempt on stdout (human messages go to stderr). With
 * `--interval` (or the config's `interval_s`) it attests again every N seconds until SIGINT or
 * SIGTERM; a failed attempt is logged and retried at the next interval. Each attempt also looks for the
 * installed voice and language models (src/models/detect.ts) and attests them with the config's own.
 * `--dry-run` attests once and prints the signed body instead of sending it (with `--server` it fetches a
 * real challenge, without it the challenge is 64 zeros), after one line per model candidate on stderr:
 * kept or skipped, where it was found, and why.
 *
 * Exit codes: 0 done; 1 the attestation failed; 2 no GPU could be detected (no GPU tool installed, or
 * the tool failed); 64 bad usage; 78 a config or key file problem.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { AgentError, attestOnce, buildAttestation, requestChallenge, signAttestation } from './client.js';
import { ConfigError, loadAgentConfig, type AgentConfig } from './config.js';
import { detectGpus, GpuDetectionError, type Detection } from './gpus.js';
import { describeModelInventory, detectModels, withAttestedModels } from './models/detect.js';
import { walletFromSeed, type Wallet } from './protocol/index.js';

const EXIT = { ok: 0, failed: 1, noGpu: 2, usage: 64, config: 78 } as const;

const USAGE = `usage:
  gpr-agent keygen --key FILE
  gpr-agent attest --server URL --key FILE --config FILE [--interval SECONDS] [--dry-run]`;

class UsageError extends Error {}

const SEED_HEX = /^[0-9a-fA-F]{64}$/;

function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...line })}\n`);
}

function createKeyFile(path: string): Wallet {
  const seed = randomBytes(32).toString('hex');
  writeFileSync(path, `${seed}\n`, { mode: 0o600, flag: 'wx' });
  return walletFromSeed(seed);
}

function readKeyFile(path: string): Wallet {
  const seed = readFileSync(path, 'utf8').trim();
  if (!SEED_HEX.test(seed))
    throw new ConfigError(`key file ${path} does not hold a key: expected 64 hex characters (a 32-byte Ed25519 seed)`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    say(`warning: key file ${path} is readable by other users; run: chmod 600 ${path}`);
  }
  return walletFromSeed(seed);
}

function loadOrCreateKey(path: string): Wallet {
  try {
    return readKeyFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(`cannot read key file ${path}: ${(error as Error).message}`);
    }
  }
  try {
    const wallet = createKeyFile(path);
    say(`created key file ${path} (miner_id ${wallet.address}); keep it safe: payouts go to this address`);
    return wallet;
  } catch (error) {
    throw new ConfigError(`cannot create key file ${path}: ${(error as Error).message}`);
  }
}

function keygen(keyPath: string): number {
  let wallet: Wallet;
  try {
    wallet = createKeyFile(keyPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    say(
      code === 'EEXIST'
        ? `key file ${keyPath} already exists; not overwriting it`
        : `cannot create key file ${keyPath}: ${(error as Error).message}`,
    );
    return EXIT.config;
  }
  process.stdout.write(
    `${JSON.stringify({ miner_id: wallet.address, public_key: wallet.publicKey, key_file: keyPath })}\n`,
  );
  return EXIT.ok;
}

interface AttestOptions {
  server: string | undefined;
  wallet: Wallet;
  config: AgentConfig;
  dryRun: boolean;
  signal: AbortSignal;
}

type Outcome = 'ok' | 'failed' | 'no-gpu' | 'no-tool';

async function attempt({ server, wallet, config: configured, dryRun, signal }: AttestOptions): Promise<Outcome> {
  // Models first: a dry run shows what was found even on a machine whose GPU cannot be detected.
  const models = await detectModels(configured);
  if (dryRun) for (const line of describeModelInventory(models)) say(line);
  const config = withAttestedModels(configured, models);
  let detection: Detection;
  try {
    detection = await detectGpus();
  } catch (error) {
    if (!(error instanceof GpuDetectionError)) throw error;
    say(error.message);
    emit({
      ok: false,
      miner_id: wallet.address,
      error: { code: error.noTool ? 'NO_GPU_TOOL' : 'GPU_DETECTION', message: error.message },
    });
    return error.noTool ? 'no-tool' : 'no-gpu';
  }
  const summary = {
    miner_id: wallet.address,
    tool: detection.tool,
    device_arch: detection.deviceArch,
    gpus: detection.gpus.length,
    models: { tts: models.lists.tts.length, stt: models.lists.stt.length, llm: models.lists.llm.length },
  };
  try {
    if (dryRun) {
      const challenge = server
        ? await requestChallenge({ serverUrl: server, minerId: wallet.address, signal })
        : '0'.repeat(64);
      if (!server) say('dry run without --server: the challenge is a placeholder of 64 zeros');
      const body = signAttestation(buildAttestation({ minerId: wallet.address, challenge, config, detection }), wallet);
      process.stdout.write(`${JSON.stringify(body)}\n`);
      return 'ok';
    }
    const answer = await attestOnce({ serverUrl: server!, wallet, config, detection, signal });
    emit({
      ok: true,
      ...summary,
      status: answer.status,
      trust: answer.trust,
      fingerprint: answer.fingerprint,
      flags: answer.flags,
    });
    return 'ok';
  } catch (error) {
    if (error instanceof AgentError || error instanceof ConfigError) {
      const code = error instanceof AgentError ? error.code : 'CONFIG';
      say(`attestation failed: ${code}: ${error.message}`);
      emit({ ok: false, ...summary, error: { code, message: error.message } });
      return 'failed';
    }
    throw error;
  }
}

function parseInterval(text: string | undefined, config: AgentConfig): number | undefined {
  if (text === undefined) return config.interval_s;
  if (!/^\d+$/.test(text) || Number(text) < 10 || Number(text) > 86_400) {
    throw new UsageError(`--interval must be a whole number of seconds from 10 to 86400, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

async function attest(values: {
  server?: string;
  key?: string;
  config?: string;
  interval?: string;
  'dry-run'?: boolean;
}): Promise<number> {
  const dryRun = values['dry-run'] === true;
  if (!values.key) throw new UsageError('attest needs --key FILE');
  if (!values.config) throw new UsageError('attest needs --config FILE');
  if (!values.server && !dryRun) throw new UsageError('attest needs --server URL');
  if (values.server && !/^https?:\/\/[^\s]+$/.test(values.server))
    throw new UsageError(`--server must be an http(s) URL, got ${JSON.stringify(values.server)}`);

  const config = loadAgentConfig(values.config);
  const interval = dryRun ? undefined : parseInterval(values.interval, config);
  const wallet = loadOrCreateKey(values.key);

  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const options: AttestOptions = { server: values.server, wallet, config, dryRun, signal: controller.signal };
    if (interval === undefined) {
      const outcome = await attempt(options);
      return outcome === 'ok' ? EXIT.ok : outcome === 'failed' ? EXIT.failed : EXIT.noGpu;
    }
    let announced = false;
    while (!controller.signal.aborted) {
      let outcome: Outcome;
      try {
        outcome = await attempt(options);
      } catch (error) {
        // Not an expected failure: log it and keep the node's schedule.
        say(`attempt failed unexpectedly: ${(error as Error).stack ?? String(error)}`);
        emit({ ok: false, miner_id: wallet.address, error: { code: 'INTERNAL', message: (error as Error).message } });
        outcome = 'failed';
      }
      // Nothing installed will not install itself; a failing driver may come back, so that is retried.
      if (outcome === 'no-tool') return EXIT.noGpu;
      if (!announced) {
        say(`attesting every ${interval} s as ${wallet.address}; SIGINT or SIGTERM stops`);
        announced = true;
      }
      await sleep(interval * 1000, undefined, { signal: controller.signal }).catch(() => undefined);
    }
    say('stopped');
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

async function main(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        server: { type: 'string' },
        key: { type: 'string' },
        config: { type: 'string' },
        interval: { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return EXIT.ok;
    }
    const [command, ...rest] = positionals;
    if (rest.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
    switch (command) {
      case 'keygen':
        if (!values.key) throw new UsageError('keygen needs --key FILE');
        return keygen(values.key);
      case 'attest':
        return await attest(values);
      default:
        throw new UsageError(
          command === undefined ? 'give a command: keygen or attest' : `unknown command ${JSON.stringify(command)}`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      say(`${(error as Error).message}\n${USAGE}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      say(error.message);
      return EXIT.config;
    }
    say((error as Error).stack ?? String(error));
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
