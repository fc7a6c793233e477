/** Starts the market server from the environment (migrations are applied by `npm start` first). */
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { chainFromConfig } from './custody/rustchain-adapter.js';
import { createMarket } from './market.js';
import { startMarketServer } from './server.js';

const config = loadConfig();
const log = createLogger(config.LOG_LEVEL);
if (!config.RC_ADMIN_KEY) log.warn('RC_ADMIN_KEY is not set: deposits and operator release/refund answer OPERATOR_DISABLED');

const chain = chainFromConfig(config);
if (chain) log.info({ event: 'custody.enabled', chain: chain.chain, chain_id: chain.chainId, custody_address: chain.custodyAddress }, `custody on ${chain.chain}: deposits to ${chain.custodyAddress}`);
else log.warn('custody is not configured (RUSTCHAIN_NODE_URL, CUSTODY_KEY_FILE): withdrawals answer CUSTODY_DISABLED');
const market = createMarket(config, log, undefined, chain);
const running = await startMarketServer(market, {
  host: config.HOST,
  port: config.PORT,
  sweepIntervalMs: config.SWEEP_INTERVAL_MS,
  custodyPollIntervalMs: config.CUSTODY_POLL_INTERVAL_MS,
  eventRetentionS: config.EVENT_RETENTION_S,
  maxSubscriptionsPerConnection: config.MAX_SUBSCRIPTIONS_PER_CONNECTION,
  maxConnectionsPerIp: config.MAX_CONNECTIONS_PER_IP,
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info({ event: 'server.stopping', signal }, `${signal}: finishing in-flight requests`);
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
