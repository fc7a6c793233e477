/** Serves the market from the environment; `npm start` (src/start.ts) checks it and applies migrations first. */
import { httpSettings, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { chainFromConfig } from './custody/rustchain-adapter.js';
import { ReceiptKeyError } from './escrow/receipts.js';
import { openMarket, type Market } from './market.js';
import { startMarketServer, type MarketServer } from './server.js';

function refuse(message: string, exitCode = 2): never {
  process.stderr.write(`gpu-render-protocol: ${message}\n`);
  process.exit(exitCode);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  refuse(error instanceof Error ? error.message : String(error));
}
const log = createLogger(config.LOG_LEVEL);
if (!config.RC_ADMIN_KEY)
  log.warn('RC_ADMIN_KEY is not set: deposits and operator release/refund answer OPERATOR_DISABLED');

let running: MarketServer | undefined;
let stopping = false;

function stop(reason: string, exitCode: number): void {
  if (stopping) return;
  stopping = true;
  log.info({ event: 'server.stopping', reason }, `${reason}: finishing in-flight requests`);
  (running?.close() ?? Promise.resolve()).then(
    () => process.exit(exitCode),
    (err: unknown) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    },
  );
}

/** Failures of one connection's socket or stream: they end that connection, not the process's sanity. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_HTTP_HEADERS_SENT',
]);

// Last resort, for what escaped every handler. A rejection nobody awaited abandons the work it belonged
// to; money moves only in transactions that either committed or did not, so the server goes on. An
// exception thrown by a connection's socket or stream is that connection's failure: the server goes on.
// Any other uncaught exception leaves the process in a state nobody can vouch for: it is logged as fatal
// and the server stops gracefully (exit code 1) so that its supervisor starts it clean.
process.on('unhandledRejection', (reason) => {
  log.error({ event: 'process.unhandled_rejection', err: reason }, 'unhandled promise rejection; serving on');
});
process.on('uncaughtException', (err, origin) => {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && CONNECTION_ERROR_CODES.has(code)) {
    log.error({ event: 'process.connection_error', err, origin }, 'uncaught connection error; serving on');
    return;
  }
  log.fatal(
    {
      event: 'process.uncaught_exception',
      err,
      origin,
      pid: process.pid,
      uptime_s: Math.round(process.uptime()),
      memory: process.memoryUsage(),
    },
    'uncaught exception; stopping',
  );
  stop('uncaughtException', 1);
});

let chain: ReturnType<typeof chainFromConfig>;
try {
  chain = chainFromConfig(config);
} catch (error) {
  refuse(error instanceof Error ? error.message : String(error));
}
if (chain) {
  const { chain: name, chainId, custodyAddress } = chain;
  log.info(
    { event: 'custody.enabled', chain: name, chain_id: chainId, custody_address: custodyAddress },
    `custody on ${name}: deposits to ${custodyAddress}`,
  );
} else {
  log.warn('custody is not configured (RUSTCHAIN_NODE_URL, CUSTODY_KEY_FILE): withdrawals answer CUSTODY_DISABLED');
}
let market: Market;
try {
  market = await openMarket(config, log, undefined, chain);
} catch (error) {
  // A database this instance must not serve: another deployment's receipt key (a setting to correct), an unsound
  // ledger (its violations logged above), or one it cannot open. A refusal, not a crash.
  refuse(error instanceof Error ? error.message : String(error), error instanceof ReceiptKeyError ? 2 : 1);
}
try {
  running = await startMarketServer(market, {
    host: config.HOST,
    port: config.PORT,
    sweepIntervalMs: config.SWEEP_INTERVAL_MS,
    custodyPollIntervalMs: config.CUSTODY_POLL_INTERVAL_MS,
    eventRetentionS: config.EVENT_RETENTION_S,
    maxSubscriptionsPerConnection: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxConnectionsPerIp: config.MAX_CONNECTIONS_PER_IP,
    http: httpSettings(config),
  });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  log.fatal(
    { event: 'server.listen_failed', code },
    `cannot listen on ${config.HOST}:${config.PORT}: ${code ?? String(error)}`,
  );
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stop(signal, 0));
