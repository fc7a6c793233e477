/**
 * What a frontend asks the market: the cheapest online GPU nodes for a job type, and the fair rate.
 *
 *   npm run example:inventory -- --server http://127.0.0.1:4000 [--job-type LLM] [--min-vram-gb 24] [--max-price-urtc N] [--first 10]
 *
 * (or set GRP_SERVER). It runs one typed query (`graphql(...)` below, typed by `npm run codegen`):
 * `gpuNodes(filter, orderBy: {field: PRICE, direction: ASC}, first)` with each node's GPUs and prices,
 * and `fairRate(jobType)`, then prints a table of the nodes, cheapest first, and the fair rate.
 * Exit codes: 0 done; 1 the query failed; 64 bad usage.
 */
import { parseArgs } from 'node:util';
import { graphql } from '../src/client/gql/gql.js';
import type { GpuNodeFilter, InventoryByPriceQuery, JobType, TypedDocumentString } from '../src/client/gql/graphql.js';

const InventoryByPrice = graphql(`
  query InventoryByPrice($jobType: JobType!, $filter: GpuNodeFilter!, $first: Int!) {
    gpuNodes(filter: $filter, orderBy: { field: PRICE, direction: ASC }, first: $first) {
      totalCount
      edges {
        node {
          minerId
          trust
          status
          gpus {
            model
            vramMb
          }
          prices {
            renderMinuteUrtc
            tts1kCharsUrtc
            sttMinuteUrtc
            llm1kTokensUrtc
          }
        }
      }
    }
    fairRate(jobType: $jobType) {
      unit
      fairUrtc
      fairRtc
      providers
      counted
      insufficientData
    }
  }
`);

type Node = InventoryByPriceQuery['gpuNodes']['edges'][number]['node'];

const USAGE = `usage: npm run example:inventory -- --server URL [--job-type LLM] [--min-vram-gb 24] [--max-price-urtc N] [--first 10]
  --server          the market's base URL (env GRP_SERVER; default http://127.0.0.1:4000)
  --job-type        RENDER, TTS, STT or LLM (default LLM): the price the nodes are ordered by
  --min-vram-gb     at least this much memory on one GPU, in GB as sold
  --max-price-urtc  at most this price per unit, in µRTC
  --first           how many nodes (1-100, default 10)`;

const EXIT = { ok: 0, failed: 1, usage: 64 } as const;
const JOB_TYPES: readonly JobType[] = ['RENDER', 'TTS', 'STT', 'LLM'];
const PRICE_OF: Record<JobType, (p: Node['prices']) => string | null | undefined> = {
  RENDER: (p) => p.renderMinuteUrtc,
  TTS: (p) => p.tts1kCharsUrtc,
  STT: (p) => p.sttMinuteUrtc,
  LLM: (p) => p.llm1kTokensUrtc,
};

class Failure extends Error {}
class UsageError extends Error {}

const say = (line: string) => process.stdout.write(`${line}\n`);

async function execute<R, V>(server: string, document: TypedDocumentString<R, V>, variables: V): Promise<R> {
  let res: Response;
  try {
    res = await fetch(`${server}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: document.toString(), variables }),
    });
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    throw new Failure(`cannot reach ${server}/graphql: ${cause?.message ?? (error as Error).message}`);
  }
  const text = await res.text();
  let body: { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Failure(
      `${server}/graphql answered HTTP ${res.status} without a GraphQL response: ${text.slice(0, 200)}`,
    );
  }
  if (body.errors?.length) {
    const messages = body.errors.map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message));
    throw new Failure(`GraphQL errors (HTTP ${res.status}): ${messages.join('; ')}`);
  }
  if (!body.data) throw new Failure(`${server}/graphql answered HTTP ${res.status} with no data`);
  return body.data;
}

interface Options {
  server: string;
  jobType: JobType;
  filter: GpuNodeFilter;
  first: number;
}

function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      'job-type': { type: 'string', default: 'LLM' },
      'min-vram-gb': { type: 'string' },
      'max-price-urtc': { type: 'string' },
      first: { type: 'string', default: '10' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const server = (values.server ?? process.env.GRP_SERVER ?? 'http://127.0.0.1:4000').replace(/\/+$/, '');
  if (!/^https?:\/\/\S+$/.test(server))
    throw new UsageError(`--server must be an http(s) URL, got ${JSON.stringify(server)}`);
  const jobType = values['job-type'].toUpperCase() as JobType;
  if (!JOB_TYPES.includes(jobType))
    throw new UsageError(
      `--job-type must be one of ${JOB_TYPES.join(', ')}, got ${JSON.stringify(values['job-type'])}`,
    );
  const filter: GpuNodeFilter = { jobType };
  if (values['min-vram-gb'] !== undefined) {
    const gb = Number(values['min-vram-gb']);
    if (values['min-vram-gb'].trim() === '' || !Number.isFinite(gb) || gb < 0)
      throw new UsageError(`--min-vram-gb must be a number of GB, got ${JSON.stringify(values['min-vram-gb'])}`);
    filter.minVramGb = gb;
  }
  if (values['max-price-urtc'] !== undefined) {
    if (!/^\d{1,16}$/.test(values['max-price-urtc']))
      throw new UsageError(
        `--max-price-urtc must be a whole number of µRTC, got ${JSON.stringify(values['max-price-urtc'])}`,
      );
    filter.maxPriceUrtc = values['max-price-urtc'];
  }
  const first = Number(values.first);
  if (!Number.isInteger(first) || first < 1 || first > 100)
    throw new UsageError(`--first must be a whole number from 1 to 100, got ${JSON.stringify(values.first)}`);
  return { server, jobType, filter, first };
}

/** "2× NVIDIA GeForce RTX 4090 (24 GB)", or the GPUs one by one when they differ. */
function describeGpus(gpus: Node['gpus']): string {
  const groups = new Map<string, number>();
  for (const g of gpus) {
    const key = `${g.model} (${Math.round(g.vramMb / 1024)} GB)`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups].map(([key, n]) => `${n}× ${key}`).join(', ') || '-';
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

async function run(o: Options): Promise<number> {
  const { gpuNodes, fairRate } = await execute(o.server, InventoryByPrice, {
    jobType: o.jobType,
    filter: o.filter,
    first: o.first,
  });
  const criteria = [`job type ${o.jobType}`];
  if (o.filter.minVramGb != null) criteria.push(`≥ ${o.filter.minVramGb} GB on one GPU`);
  if (o.filter.maxPriceUrtc != null) criteria.push(`≤ ${o.filter.maxPriceUrtc} µRTC per ${fairRate.unit}`);
  say(
    `GPU nodes online for ${criteria.join(', ')}: ${gpuNodes.edges.length} shown of ${gpuNodes.totalCount}, cheapest first`,
  );
  if (gpuNodes.edges.length > 0) {
    const rows = gpuNodes.edges.map(({ node }) => [
      node.minerId,
      PRICE_OF[o.jobType](node.prices) ?? '-',
      node.trust,
      describeGpus(node.gpus),
    ]);
    for (const l of table(['miner_id', `µRTC/${fairRate.unit}`, 'trust', 'gpus'], rows)) say(l);
  }
  const rate =
    fairRate.insufficientData || fairRate.fairUrtc == null
      ? `insufficient data (${fairRate.providers} independent provider${fairRate.providers === 1 ? '' : 's'}; 3 needed)`
      : `${fairRate.fairUrtc} µRTC (${fairRate.fairRtc} RTC) per ${fairRate.unit}, median of ${fairRate.counted} of ${fairRate.providers} providers`;
  say(`fair rate ${o.jobType}: ${rate}`);
  return EXIT.ok;
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
    process.stderr.write(
      `error: ${error instanceof Failure ? error.message : ((error as Error).stack ?? String(error))}\n`,
    );
    return EXIT.failed;
  }
}

process.exitCode = await main(process.argv.slice(2));
