/**
 * A bot that pays for an LLM job through the GraphQL API, end to end, with typed operations, following the job
 * through delivery:
 *
 *   npm run example:bot -- --server http://127.0.0.1:4000 --admin-key KEY [--key bot.key] [--provider-key node.key]
 *                          [--amount-urtc 2500000] [--timeout 20]
 *
 * (or set GRP_SERVER and RC_ADMIN_KEY). It
 *   1. creates a throwaway bot wallet, or loads it from --key FILE (creating the file, mode 0600, when
 *      it does not exist: the format of scripts/wallet.ts, 64 hex characters);
 *   2. plays the GPU node's part too, with --provider-key FILE (same format, created when missing) or a
 *      throwaway provider wallet: the node signs the delivery, the bot never could;
 *   3. has the operator deposit 10 RTC into the bot wallet (`deposit`, header X-Admin-Key);
 *   4. subscribes over graphql-ws to `escrowStatusChanged` for a new LLM job id;
 *   5. locks the amount for that job (`lockEscrow`, signed by the bot) and waits for the LOCKED event;
 *   6. pays 40% as a milestone once the first tokens stream in (`releaseEscrow` with amountUrtc): the
 *      rest stays locked;
 *   7. the node delivers the output (`deliverEscrow`: its SHA-256, claiming what remains), which opens the
 *      bot's review window (72 h by default; undisputed, the claim is paid automatically at its end);
 *   8. the bot checks the output against the hash and accepts (`releaseEscrow`, no amount: pays the claim);
 *   9. prints each transition it receives; once RELEASED arrives it fetches the service's signed receipt
 *      (`Escrow.receipt`) and verifies it offline against the pinned receipt key (src/client/receipts.ts),
 *      and exits 0.
 *
 * Exit codes: 0 settled; 1 a failure (an error result, a transport problem, or no settlement before
 * --timeout seconds); 64 bad usage.
 *
 * The operations are typed documents (`graphql(...)` below; `npm run codegen` generates their types in
 * src/client/gql/) sent as plain strings with `.toString()`: fetch for queries and mutations, graphql-ws
 * for the subscription. Another client would send the same strings.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { graphql } from '../src/client/gql/gql.js';
import { verifyReceiptText } from '../src/client/receipts.js';
import type { BotEscrowStatusChangedSubscription, TypedDocumentString } from '../src/client/gql/graphql.js';
import { walletFromSeed, type Wallet } from '../src/domain/signatures.js';

const BotDeposit = graphql(`
  mutation BotDeposit($input: DepositInput!) {
    deposit(input: $input) {
      __typename
      ... on DepositSuccess {
        created
        wallet {
          availableRtc
          lockedRtc
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const BotLockEscrow = graphql(`
  mutation BotLockEscrow($input: LockEscrowInput!) {
    lockEscrow(jobType: LLM, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          jobId
          status
          amountRtc
          expiresAt
          payer {
            availableRtc
            lockedRtc
          }
        }
      }
      ... on InsufficientFundsError {
        availableUrtc
        requiredUrtc
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const BotReleaseEscrow = graphql(`
  mutation BotReleaseEscrow($input: ReleaseEscrowInput!) {
    releaseEscrow(jobType: LLM, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          status
          releasedUrtc
          refundedUrtc
          remainingUrtc
          provider {
            address
            availableRtc
          }
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const BotDeliverEscrow = graphql(`
  mutation BotDeliverEscrow($input: DeliverEscrowInput!) {
    deliverEscrow(jobType: LLM, input: $input) {
      __typename
      ... on EscrowSuccess {
        escrow {
          status
          claimedUrtc
          resultHash
          reviewUntil
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const BotReceipt = graphql(`
  query BotReceipt($jobId: String!) {
    receiptKey {
      publicKey
      keyId
    }
    escrow(jobId: $jobId) {
      receipt {
        json
        signature
      }
    }
  }
`);

const BotEscrowStatusChanged = graphql(`
  subscription BotEscrowStatusChanged($jobId: String!, $afterSeq: Int) {
    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
      seq
      change
      at
      escrow {
        jobId
        status
        amountUrtc
        releasedUrtc
        refundedUrtc
        remainingUrtc
      }
    }
  }
`);

type EscrowEvent = BotEscrowStatusChangedSubscription['escrowStatusChanged'];

const USAGE = `usage: npm run example:bot -- --server URL --admin-key KEY [--key FILE] [--provider RTC…] [--amount-urtc N] [--timeout SECONDS]
  --server       the market's base URL (env GRP_SERVER; default http://127.0.0.1:4000)
  --admin-key    the operator key, to deposit 10 RTC into the bot wallet (env RC_ADMIN_KEY)
  --key          the bot's key file (created when missing); default: a throwaway wallet
  --provider-key the GPU node's key file (created when missing), to sign its delivery; default: a throwaway wallet
  --amount-urtc  µRTC to lock, paid as a 40% milestone and the rest on delivery (default 2500000, i.e. 2.5 RTC)
  --timeout      seconds to wait for the settlement (default 20)`;

const DEPOSIT_RTC = '10';
const EXIT = { ok: 0, failed: 1, usage: 64 } as const;

/** An expected failure: printed as one clear line, exit 1. */
class Failure extends Error {}
class UsageError extends Error {}

const say = (line: string) => process.stdout.write(`${line}\n`);
const randomId = (bytes = 6) => randomBytes(bytes).toString('hex');

// --- HTTP: queries and mutations --------------------------------------------------------------

/** Sends one typed operation; `deadline` (ms since the epoch) bounds the whole request. */
async function execute<R, V>(
  server: string,
  deadline: number,
  document: TypedDocumentString<R, V>,
  variables: V,
  headers: Record<string, string> = {},
): Promise<R> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${server}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify({ query: document.toString(), variables }),
      signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
    });
    text = await res.text();
  } catch (error) {
    if ((error as Error).name === 'TimeoutError')
      throw new Failure(`timed out waiting for ${server}/graphql; --timeout sets the wait`);
    const cause = (error as { cause?: Error }).cause;
    throw new Failure(`cannot reach ${server}/graphql: ${cause?.message ?? (error as Error).message}`);
  }
  let body: { data?: R | null; errors?: { message: string }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Failure(
      `${server}/graphql answered HTTP ${res.status} without a GraphQL response: ${text.slice(0, 200)}`,
    );
  }
  if (body.errors?.length)
    throw new Failure(`GraphQL errors (HTTP ${res.status}): ${body.errors.map((e) => e.message).join('; ')}`);
  if (!body.data) throw new Failure(`${server}/graphql answered HTTP ${res.status} with no data`);
  return body.data;
}

/** A union member other than the success type: every error type has `code` and `message`. */
function failed(
  operation: string,
  result: { __typename: string; code?: string; message?: string; availableUrtc?: string; requiredUrtc?: string },
): Failure {
  let line = `${operation} failed: ${result.code ?? result.__typename}: ${result.message ?? '(no message)'}`;
  if (result.requiredUrtc !== undefined && !line.includes(result.requiredUrtc))
    line += ` (available ${result.availableUrtc} µRTC, required ${result.requiredUrtc} µRTC)`;
  return new Failure(line);
}

// --- WebSocket: the escrow's transitions ------------------------------------------------------

/** The events of one subscription, with promises for the ones still to come. */
class EventFeed {
  readonly events: EscrowEvent[] = [];
  private error: Error | null = null;
  private completed = false;
  private waiters = new Set<() => void>();

  push(event: EscrowEvent) {
    this.events.push(event);
    this.wake();
  }
  fail(error: Error) {
    this.error = error;
    this.wake();
  }
  complete() {
    this.completed = true;
    this.wake();
  }
  private wake() {
    for (const w of this.waiters) w();
  }

  /** The first event matching `match`; rejects on a subscription error, an early end, or the deadline. */
  waitFor(what: string, match: (e: EscrowEvent) => boolean, deadline: number): Promise<EscrowEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.find(match);
        const stop = (outcome: () => void) => {
          clearTimeout(timer);
          this.waiters.delete(check);
          outcome();
        };
        if (found) stop(() => resolve(found));
        else if (this.error) stop(() => reject(this.error));
        else if (this.completed) stop(() => reject(new Failure(`the subscription ended before ${what}`)));
        else if (Date.now() >= deadline) {
          const last = this.events.at(-1);
          const seen = last ? `last event: seq ${last.seq} ${last.change}` : 'no event received';
          stop(() => reject(new Failure(`timed out waiting for ${what} (${seen}); --timeout sets the wait`)));
        }
      };
      const timer = setTimeout(check, Math.max(0, deadline - Date.now()));
      this.waiters.add(check);
      check();
    });
  }
}

/** graphql-ws reports a failed subscription as an Error, a list of GraphQL errors, or a close event. */
function subscriptionError(reason: unknown): Error {
  if (reason instanceof Error) return new Failure(`subscription failed: ${reason.message}`);
  if (Array.isArray(reason))
    return new Failure(`subscription failed: ${reason.map((e: { message?: string }) => e.message).join('; ')}`);
  const close = reason as { code?: number; reason?: string; message?: string; type?: string };
  if (typeof close.code === 'number')
    return new Failure(`subscription socket closed: ${close.code} ${close.reason || ''}`.trim());
  return new Failure(`subscription failed: ${close.message ?? close.type ?? String(reason)}`);
}

function subscribe(client: Client, jobId: string, onEvent: (e: EscrowEvent) => void): EventFeed {
  const feed = new EventFeed();
  // afterSeq 0 on a job id nobody used yet: every event of the job is delivered, including one
  // committed before the server has set the subscription up (no race with the lock below).
  client.subscribe<BotEscrowStatusChangedSubscription>(
    { query: BotEscrowStatusChanged.toString(), variables: { jobId, afterSeq: 0 } },
    {
      next: (result) => {
        if (result.errors?.length) feed.fail(subscriptionError(result.errors));
        else if (result.data) {
          onEvent(result.data.escrowStatusChanged);
          feed.push(result.data.escrowStatusChanged);
        }
      },
      error: (reason) => feed.fail(subscriptionError(reason)),
      complete: () => feed.complete(),
    },
  );
  return feed;
}

function printEvent(e: EscrowEvent) {
  say(
    `event seq=${e.seq} change=${e.change} status=${e.escrow.status} amount_urtc=${e.escrow.amountUrtc} ` +
      `released_urtc=${e.escrow.releasedUrtc} refunded_urtc=${e.escrow.refundedUrtc} remaining_urtc=${e.escrow.remainingUrtc} at=${e.at}`,
  );
}

// --- the bot ----------------------------------------------------------------------------------

const SEED_HEX = /^[0-9a-fA-F]{64}$/;

function walletFromKeyFile(keyFile: string | undefined): { wallet: Wallet; origin: string } {
  if (!keyFile) return { wallet: walletFromSeed(randomBytes(32).toString('hex')), origin: 'throwaway key' };
  let seed: string;
  try {
    seed = readFileSync(keyFile, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Failure(`cannot read key file ${keyFile}: ${(error as Error).message}`);
    seed = randomBytes(32).toString('hex');
    try {
      writeFileSync(keyFile, `${seed}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      throw new Failure(`cannot create key file ${keyFile}: ${(error as Error).message}`);
    }
    return { wallet: walletFromSeed(seed), origin: `new key file ${keyFile}` };
  }
  if (!SEED_HEX.test(seed))
    throw new Failure(`key file ${keyFile} does not hold a key: expected 64 hex characters (a 32-byte Ed25519 seed)`);
  return { wallet: walletFromSeed(seed), origin: `key file ${keyFile}` };
}

interface Options {
  server: string;
  adminKey: string;
  keyFile: string | undefined;
  providerKeyFile: string | undefined;
  amountUrtc: string;
  timeoutS: number;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      'admin-key': { type: 'string' },
      key: { type: 'string' },
      'provider-key': { type: 'string' },
      'amount-urtc': { type: 'string', default: '2500000' },
      timeout: { type: 'string', default: '20' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const server = (values.server ?? process.env.GRP_SERVER ?? 'http://127.0.0.1:4000').replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(server))
    throw new UsageError(`--server must be an http(s) URL, got ${JSON.stringify(server)}`);
  const adminKey = values['admin-key'] ?? process.env.RC_ADMIN_KEY;
  if (!adminKey)
    throw new UsageError('the operator key is needed to deposit: pass --admin-key KEY or set RC_ADMIN_KEY');
  if (!/^[1-9]\d{0,15}$/.test(values['amount-urtc']))
    throw new UsageError(
      `--amount-urtc must be a positive whole number of µRTC, got ${JSON.stringify(values['amount-urtc'])}`,
    );
  const timeoutS = Number(values.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, got ${JSON.stringify(values.timeout)}`);
  return {
    server,
    adminKey,
    keyFile: values.key,
    providerKeyFile: values['provider-key'],
    amountUrtc: values['amount-urtc'],
    timeoutS,
  };
}

async function run(o: Options): Promise<number> {
  const deadline = Date.now() + o.timeoutS * 1000;
  const bot = walletFromKeyFile(o.keyFile);
  const node = walletFromKeyFile(o.providerKeyFile);
  const provider = node.wallet.address;
  say(`bot      ${bot.wallet.address} (${bot.origin})`);
  say(`provider ${provider} (${node.origin})`);

  // 1. The operator credits the bot (idempotent on the reference: a retry would not pay twice).
  const reference = `bot-deposit-${randomId()}`;
  const { deposit } = await execute(
    o.server,
    deadline,
    BotDeposit,
    { input: { wallet: bot.wallet.address, amountRtc: DEPOSIT_RTC, reference } },
    { 'x-admin-key': o.adminKey },
  );
  if (deposit.__typename !== 'DepositSuccess') throw failed('deposit', deposit);
  say(
    `deposit  ${DEPOSIT_RTC} RTC (reference ${reference}): bot available ${deposit.wallet.availableRtc} RTC, locked ${deposit.wallet.lockedRtc} RTC`,
  );

  // 2. Watch the job before it exists.
  const jobId = `llm-bot-${Date.now().toString(36)}-${randomId(4)}`;
  const client = createClient({
    url: `${o.server.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
  });
  try {
    const feed = subscribe(client, jobId, printEvent);
    say(`watch    escrowStatusChanged(jobId: "${jobId}") over graphql-ws`);

    // 3. Lock, signed by the bot over the contract's action object.
    const lockNonce = `lock-${randomId()}`;
    const lockAction = {
      action: 'escrow.lock',
      job_id: jobId,
      job_type: 'llm',
      from_wallet: bot.wallet.address,
      to_wallet: provider,
      amount_urtc: o.amountUrtc,
      nonce: lockNonce,
    };
    const { lockEscrow } = await execute(o.server, deadline, BotLockEscrow, {
      input: {
        jobId,
        fromWallet: bot.wallet.address,
        toWallet: provider,
        amountUrtc: o.amountUrtc,
        nonce: lockNonce,
        publicKey: bot.wallet.publicKey,
        signature: bot.wallet.sign(lockAction),
      },
    });
    if (lockEscrow.__typename !== 'EscrowSuccess') throw failed('lockEscrow', lockEscrow);
    const locked = lockEscrow.escrow;
    say(
      `lock     ${locked.amountRtc} RTC for llm job ${locked.jobId}: ${locked.status}, expires ${locked.expiresAt}; bot available ${locked.payer.availableRtc} RTC, locked ${locked.payer.lockedRtc} RTC`,
    );
    await feed.waitFor(`the LOCKED event of job ${jobId}`, (e) => e.change === 'LOCKED', deadline);

    // 4. The first tokens stream in: a milestone payment of 40%; the rest stays locked.
    const milestone = ((BigInt(o.amountUrtc) * 2n) / 5n).toString();
    if (milestone !== '0') {
      const released = await release(o, deadline, bot.wallet, jobId, milestone);
      say(`paid     a milestone of ${milestone} µRTC: ${released.status}, ${released.remainingUrtc} µRTC still locked`);
    }

    // 5. The node delivers the output: its SHA-256, claiming what remains. The bot's review window opens.
    const output = `tokens of ${jobId}`;
    const resultHash = createHash('sha256').update(output).digest('hex');
    const deliverNonce = `deliver-${randomId()}`;
    const { deliverEscrow } = await execute(o.server, deadline, BotDeliverEscrow, {
      input: {
        jobId,
        resultHash,
        nonce: deliverNonce,
        publicKey: node.wallet.publicKey,
        signature: node.wallet.sign({
          action: 'escrow.deliver',
          job_id: jobId,
          job_type: 'llm',
          result_hash: resultHash,
          nonce: deliverNonce,
        }),
      },
    });
    if (deliverEscrow.__typename !== 'EscrowSuccess') throw failed('deliverEscrow', deliverEscrow);
    say(
      `deliver  ${jobId}: ${deliverEscrow.escrow.status}, claims ${deliverEscrow.escrow.claimedUrtc} µRTC; review until ${deliverEscrow.escrow.reviewUntil}`,
    );

    // 6. The bot checks what it received against the hash, then accepts: the claim is paid.
    if (createHash('sha256').update(output).digest('hex') !== deliverEscrow.escrow.resultHash)
      throw new Failure(`the output of ${jobId} does not match its result hash: dispute it`);
    const accepted = await release(o, deadline, bot.wallet, jobId);
    say(
      `accept   ${jobId}: ${accepted.status}, released ${accepted.releasedUrtc} µRTC in all; provider available ${accepted.provider.availableRtc} RTC`,
    );

    // 7. Wait for the settlement to arrive over the subscription, then check the service's signed receipt offline.
    const settlement = await feed.waitFor(
      `the settlement of job ${jobId}`,
      (e) => e.change === 'RELEASED' || e.change === 'REFUNDED' || e.change === 'EXPIRED',
      deadline,
    );
    if (settlement.change !== 'RELEASED')
      throw new Failure(`job ${jobId} settled as ${settlement.change}, not released`);
    say(
      `settled  job ${jobId} ${settlement.change} at seq ${settlement.seq}: ${settlement.escrow.releasedUrtc} µRTC to ${provider}`,
    );
    const { receiptKey, escrow } = await execute(o.server, deadline, BotReceipt, { jobId });
    if (!escrow?.receipt) throw new Failure(`job ${jobId} has no receipt`);
    const check = verifyReceiptText(escrow.receipt.json, escrow.receipt.signature, receiptKey.publicKey);
    if (!check.ok) throw new Failure(`the receipt of ${jobId} does not verify: ${check.reason}`);
    say(
      `receipt  verified with key ${receiptKey.keyId}: ${check.receipt.status}, ${check.receipt.released_urtc} µRTC released, settled by ${check.receipt.settled_by}`,
    );
    return EXIT.ok;
  } finally {
    await client.dispose();
  }
}

/** The bot's release: a milestone with an amount, the acceptance of a delivery without one. */
async function release(o: Options, deadline: number, bot: Wallet, jobId: string, amountUrtc?: string) {
  const nonce = `release-${randomId()}`;
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.release',
    job_id: jobId,
    job_type: 'llm',
    nonce,
  };
  if (amountUrtc) action.amount_urtc = amountUrtc;
  const { releaseEscrow } = await execute(o.server, deadline, BotReleaseEscrow, {
    input: { jobId, amountUrtc, nonce, publicKey: bot.publicKey, signature: bot.sign(action) },
  });
  if (releaseEscrow.__typename !== 'EscrowSuccess') throw failed('releaseEscrow', releaseEscrow);
  return releaseEscrow.escrow;
}

async function main(argv: string[]): Promise<number> {
  try {
    const options = parseOptions(argv);
    if (options === 'help') {
      say(USAGE);
      return EXIT.ok;
    }
    return await run(options);
  } catch (error) {
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (error instanceof Failure) {
      process.stderr.write(`error: ${error.message}\n`);
      return EXIT.failed;
    }
    process.stderr.write(`error: ${(error as Error).stack ?? String(error)}\n`);
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
