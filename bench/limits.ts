/**
 * `npm run bench`, limits section: how long the server takes to refuse the worst documents
 * (src/graphql/limits.ts), and what the limits cost a trivial query. In process, through yoga's fetch
 * (no HTTP, so the limits' share is larger than over a socket): each refused document is made unique
 * per run so that no parse or validation cache answers; the trivial query runs in alternating rounds
 * with the limits on and off, and the best round of each counts (the machine is shared).
 *
 * Standalone: `npx tsx bench/limits.ts`.
 */
import { percentile, runIfMain, withBenchMarket } from './support.js';
import { performance } from 'node:perf_hooks';
import { httpSettingsFromEnv } from '../src/config.js';
import { createMarketYoga } from '../src/server.js';

const RUNS = 30;
const ROUND_REQUESTS = 2000;
const ROUNDS = 5;

const history = (i: number) =>
  `h${i}: priceHistory(jobType: LLM, from: "2030-01-01T00:00:00Z", to: "2030-02-01T00:00:00Z", bucket: HOUR) { count median }`;
const WORST: Record<string, string> = {
  '10,000-deep {a{a{…': `{${'a{'.repeat(10_000)}a${'}'.repeat(10_001)}`,
  '1,000 aliased priceHistory': `{ ${Array.from({ length: 1000 }, (_, i) => history(i)).join(' ')} }`,
  '5,000 tokens': `{ ${'__typename '.repeat(5000)}}`,
  'one field 1,000 times': `fragment F on Query { ${'marketRates { jobType } '.repeat(1000)}} query { ...F }`,
  'nested pages 100 × 100':
    '{ gpuNodes(first: 100) { edges { node { priceHistory(first: 100) { edges { node { jobType } } } } } } }',
};

export async function runLimitsBench(): Promise<void> {
  await withBenchMarket('limits', {}, async ({ market }) => {
    const settings = httpSettingsFromEnv({});
    const limited = createMarketYoga(market, settings);
    const unlimited = createMarketYoga(market, settings, { queryLimits: false });
    const post = async (yoga: typeof limited, query: string) =>
      (
        await yoga.fetch('http://bench/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        })
      ).text();

    console.log('\nlimits: refusals (in process, each document unique per run so that no cache answers)');
    let worst = { name: '', p50: 0, p99: 0 };
    for (const [name, query] of Object.entries(WORST)) {
      const ms: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const started = performance.now();
        const answer = await post(limited, `${query}\n# run ${run}`);
        ms.push(performance.now() - started);
        if (!answer.includes('QUERY_TOO_COMPLEX')) throw new Error(`${name} was not refused: ${answer.slice(0, 200)}`);
      }
      ms.sort((a, b) => a - b);
      const [p50, p99] = [percentile(ms, 50), percentile(ms, 99)];
      console.log(`  ${name.padEnd(28)} p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
      if (p50 > worst.p50) worst = { name, p50, p99 };
    }

    const rate = async (yoga: typeof limited) => {
      const started = performance.now();
      for (let i = 0; i < ROUND_REQUESTS; i++)
        if (!(await post(yoga, '{ __typename }')).includes('"Query"')) throw new Error('trivial query failed');
      return (ROUND_REQUESTS * 1000) / (performance.now() - started);
    };
    const on: number[] = [];
    const off: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      off.push(await rate(unlimited));
      on.push(await rate(limited));
    }
    const [best, bestOff] = [Math.max(...on), Math.max(...off)];
    const cost = 1 - best / bestOff;
    console.log(
      `limits: worst refusal ${worst.name} p50 ${worst.p50.toFixed(2)} ms (p99 ${worst.p99.toFixed(2)} ms); ` +
        `trivial query ${best.toFixed(0)}/s with limits, ${bestOff.toFixed(0)}/s without: ${(cost * 100).toFixed(1)}% (target <= 10%: ${cost <= 0.1 ? 'PASS' : 'ABOVE TARGET'})`,
    );
  });
}

await runIfMain(import.meta.url, 'limits', runLimitsBench);
