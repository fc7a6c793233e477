/**
 * A market for the console's browser tests, seeded through the real API: GPU nodes of known prices (so that a
 * filter and an order have one right answer), an hour-by-hour price history of the last hours, and a funded payer.
 */
import type { Wallet } from '../src/domain/signatures.js';
import { newWallet, startTestServer } from './support/market.js';
import { attest, rtx4090 } from './support/gpu.js';
import { deposit } from './support/rest.js';

export interface SeededConsole {
  server: Awaited<ReturnType<typeof startTestServer>>;
  /** Nodes serving LLM jobs at 1000 + 100·i µRTC per 1K tokens, by i. */
  llmNodes: { wallet: Wallet; priceUrtc: bigint }[];
  /** Nodes serving render jobs only. */
  renderNodes: Wallet[];
  payer: Wallet;
}

export const LLM_NODES = 23;
const HISTORY_HOURS = 5;

export async function seedConsoleMarket(): Promise<SeededConsole> {
  // The market's clock walks through the last hours while it is seeded, then follows real time, so that the
  // history sits in the hourly buckets a browser asks for now.
  const realNow = () => Math.floor(Date.now() / 1000);
  let fixed: number | null = realNow() - HISTORY_HOURS * 3600;
  const server = await startTestServer({ clock: () => fixed ?? realNow() });
  const llmNodes = Array.from({ length: LLM_NODES }, (_, i) => ({
    wallet: newWallet(),
    priceUrtc: 1000n + 100n * BigInt(i),
  }));
  const renderNodes = [newWallet(), newWallet(), newWallet()];
  const llm = (priceUrtc: bigint | number, gpu: Record<string, unknown> = {}) => ({
    job_types: ['llm'],
    llm_models: ['llama-3.1-8b-instruct'],
    prices: { llm_1k_tokens_urtc: String(priceUrtc) },
    gpus: [rtx4090(gpu)],
  });
  const ok = async (reply: Promise<{ status: number; body: unknown }>) => {
    const r = await reply;
    if (r.status !== 200) throw new Error(`seeding failed: ${r.status} ${JSON.stringify(r.body)}`);
  };

  // Hour by hour, three nodes move their prices: candles with an open, a high, a low and a close.
  const movers = llmNodes.slice(0, 3).map((n) => ({ ...n, gpu: rtx4090() }));
  for (let hour = 0; hour < HISTORY_HOURS; hour++) {
    for (const [k, m] of movers.entries())
      await ok(attest(server.url, m.wallet, llm(1500 + 200 * ((hour + k) % 3) + 50 * hour, { uuid: m.gpu.uuid })));
    fixed! += 3600;
  }
  fixed = null;
  for (const [i, n] of llmNodes.entries())
    await ok(attest(server.url, n.wallet, llm(n.priceUrtc, i < movers.length ? { uuid: movers[i]!.gpu.uuid } : {})));
  for (const w of renderNodes)
    await ok(attest(server.url, w, { job_types: ['render'], llm_models: [], prices: { render_minute_urtc: '50000' } }));

  const payer = newWallet();
  const funded = await deposit(server.url, payer.address, '10');
  if (funded.status !== 201) throw new Error('funding the payer failed');
  return { server, llmNodes, renderNodes, payer };
}
