/** The environment, parsed once with zod; a bad value stops the server at start with a clear message. */
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { describeIssues } from './domain/validation.js';

/** A comma-separated list, trimmed, empty entries dropped. */
const commaList = (check: (entry: string) => boolean, what: string) =>
  z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(check), `each entry must be ${what}`);

const isOrigin = (s: string) => URL.canParse(s) && new URL(s).origin === s;
const isAddressOrCidr = (s: string) => {
  const [address = '', prefix, ...rest] = s.split('/');
  const family = isIP(address);
  if (!family || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
};

const configSchema = z.object({
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** A SQLite `file:` URL (the default), or `postgres://…` for PostgreSQL, which several instances may share. */
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'DATABASE_URL must be a SQLite file: URL or a postgres:// URL')
    .default('file:./data/market.db'),
  RC_ADMIN_KEY: z
    .string()
    .min(32, 'RC_ADMIN_KEY must be at least 32 characters')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** How long an attestation keeps a GPU node online (listed in the inventory). */
  ATTESTATION_TTL_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(3600),
  /** A node may change its price for a job type at most once per this many seconds. */
  PRICE_CHANGE_INTERVAL_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600)
    .default(600),
  /** Unused, unexpired attestation challenges one miner may hold; more are RATE_LIMITED. */
  CHALLENGE_OPEN_MAX_PER_MINER: z.coerce.number().int().min(1).default(5),
  /** Attestation challenges one client address may obtain per minute; more are RATE_LIMITED. */
  CHALLENGE_RATE_PER_MIN: z.coerce.number().int().min(1).default(30),
  /** The bond (µRTC) that makes a node eligible for the fair rate; 100 RTC by default. */
  BOND_MIN_URTC: z.coerce.bigint().min(1n).default(100_000_000n),
  /** How long asked-back bond money stays slashable before it returns to the wallet; 7 days by default. */
  BOND_UNBOND_DELAY_S: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 86_400),
  /** How long committed events stay available to subscribers catching up after a reconnect. */
  EVENT_RETENTION_S: z.coerce.number().int().min(60).default(86_400),
  /** With a Redis URL, events fan out through Redis to every instance; without, they stay in process. */
  REDIS_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(100),
  /** Open connections carrying subscriptions (WebSocket connections and SSE streams) per client address. */
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int().min(1).default(100),
  /** `production` turns introspection and GraphiQL off unless GRAPHIQL=true. */
  NODE_ENV: z.string().default('development'),
  GRAPHIQL: z
    .enum(['true', 'false'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  /** Origins (scheme://host[:port]) allowed to call the API from a browser; none beyond same-origin by default. */
  CORS_ORIGINS: commaList(isOrigin, 'an origin such as https://app.example.com'),
  /** Proxies (addresses or CIDRs) whose X-Forwarded-For entry names the client; none by default. */
  TRUST_PROXY: commaList(isAddressOrCidr, 'an IP address or CIDR such as 10.0.0.0/8'),
  /** The complexity budget of one GraphQL operation (a list field costs its `first`). */
  GRAPHQL_COST_MAX: z.coerce.number().int().min(1).default(1000),
  /** How often the sweeper refunds expired escrows. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).default(5_000),
  /** SQLite's durability: FULL syncs the WAL on every commit (no committed payment is lost on power failure). */
  SQLITE_SYNCHRONOUS: z.enum(['FULL', 'NORMAL']).default('FULL'),
  /**
   * Where FULL's fsync runs (src/db.ts): `pool`, off the event loop on libuv's thread pool, after the COMMIT and
   * before any answer, event or read result of this process that depends on it (more locks per second); `commit`,
   * inside each COMMIT on the event loop, so that not even another process reading the file sees a commit before
   * it is on disk.
   */
  WAL_SYNC: z.enum(['commit', 'pool']).default('pool'),
  /**
   * Who copies the WAL into the database file (src/workers/checkpointer.ts): `thread`, a thread beside the event
   * loop, every 200 ms; `commit`, SQLite's automatic checkpoint inside the COMMIT that crosses 1,000 WAL pages.
   */
  WAL_CHECKPOINT: z.enum(['thread', 'commit']).default('thread'),
  /**
   * Where SQLite's writes run: `loop`, on the event loop; `thread`, the writing connection, its group commit and
   * the WAL's flush on a thread of their own (src/sql/sqlite-thread.ts). `thread` cuts the event loop's time per
   * payment to a third for the same CPU in all: on par on 2 cores, where CPU runs out first; for hosts with cores
   * to spare (README, "The writer thread").
   */
  SQLITE_WRITER: z.enum(['loop', 'thread']).default('loop'),
  /** Writes per group-commit transaction at most (src/group-commit.ts); more wait for the next turn of the loop. */
  GROUP_COMMIT_MAX_OPS: z.coerce.number().int().min(1).max(10_000).default(128),
  /**
   * Threads that verify request signatures (src/workers/signature-pool.ts), beside the event loop; 0 verifies on
   * the event loop. By default one fewer than the machine's cores (at least one).
   */
  SIGNATURE_WORKERS: z.coerce
    .number()
    .int()
    .min(0)
    .max(64)
    .default(Math.max(1, availableParallelism() - 1)),
  /** Custody on RustChain: with a node URL and the custody wallet's key file, deposits and withdrawals are real. */
  RUSTCHAIN_NODE_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  RUSTCHAIN_CHAIN_ID: z.string().min(1).max(100).default('rustchain-mainnet-v2'),
  CUSTODY_KEY_FILE: z
    .string()
    .optional()
    .or(z.literal('').transform(() => undefined)),
  CUSTODY_POLL_INTERVAL_MS: z.coerce.number().int().min(100).default(5_000),
  /** One instance at a time sends withdrawals; a crashed one keeps the others waiting at most this long. */
  CUSTODY_SENDER_LEASE_S: z.coerce.number().int().min(1).max(3600).default(30),
  WITHDRAW_MIN_URTC: z
    .string()
    .regex(/^\d{1,19}$/, 'must be digits (µRTC)')
    .default('100000')
    .transform(BigInt),
  WITHDRAW_DAILY_MAX_URTC: z
    .string()
    .regex(/^\d{1,19}$/, 'must be digits (µRTC)')
    .default('1000000000')
    .transform(BigInt),
  /** The service's Ed25519 receipt key (created, mode 0600, on first start); every instance of one deployment shares it. */
  RECEIPT_KEY_FILE: z.string().min(1).default('./data/receipt.key'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

function parse<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const { message } = describeIssues(parsed.error.issues, { name: 'environment', shownMax: Infinity });
    throw new Error(`invalid configuration: ${message}`);
  }
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return parse(configSchema, env);
}

/** What the HTTP front door needs: query limits, CORS, GraphiQL and who counts as the client. */
export interface HttpSettings {
  /** Introspection and GraphiQL. */
  graphiql: boolean;
  corsOrigins: string[];
  trustProxy: string[];
  graphqlCostMax: number;
}

const httpSchema = configSchema.pick({
  NODE_ENV: true,
  GRAPHIQL: true,
  CORS_ORIGINS: true,
  TRUST_PROXY: true,
  GRAPHQL_COST_MAX: true,
});

export function httpSettings(config: z.infer<typeof httpSchema>): HttpSettings {
  return {
    graphiql: config.GRAPHIQL === undefined ? config.NODE_ENV !== 'production' : config.GRAPHIQL === 'true',
    corsOrigins: config.CORS_ORIGINS,
    trustProxy: config.TRUST_PROXY,
    graphqlCostMax: config.GRAPHQL_COST_MAX,
  };
}

/** The HTTP settings alone, from the environment (for servers started without a full Config). */
export function httpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpSettings {
  return httpSettings(parse(httpSchema, env));
}
