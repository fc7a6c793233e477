/**
 * The inventory: the gpuNodes connection as a table, with every filter the API has and its orders, kept in the
 * URL. Pages go forward with `after` (the API pages forward only); the cursors of earlier pages are kept in the
 * URL too, so "Previous" and a shared link both work. Rows follow nodeStatusChanged as it happens.
 */
import { useRef, useState, type FormEvent } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ago, gb, JOB_LABEL, JOB_TYPES, rtc, UNIT_LABEL, words, type JobTypeName } from '../format.js';
import { graphql } from '../gql/index.js';
import type { GpuNodeFilter, GpuNodeOrder, InventoryNodesQuery } from '../gql/graphql.js';
import { setQuery } from '../router.js';
import { Badge, Empty, ErrorNotice, Flags, Loading, NodeLink } from '../ui.js';

export const PAGE_SIZE = 20;

const InventoryNodes = graphql(`
  query InventoryNodes($filter: GpuNodeFilter, $orderBy: GpuNodeOrder, $first: Int, $after: String) {
    gpuNodes(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          minerId
          status
          trust
          flags
          eligible
          deviceArch
          gpuModel
          gpuCount
          maxVramMb
          benchmarkScore
          cudaVersion
          jobTypes
          lastAttestedAt
          prices {
            renderMinuteUrtc
            tts1kCharsUrtc
            sttMinuteUrtc
            llm1kTokensUrtc
          }
        }
      }
    }
  }
`);

const InventoryChanges = graphql(`
  subscription InventoryChanges {
    nodeStatusChanged {
      seq
      change
      minerId
      status
      trust
      at
    }
  }
`);

type Row = InventoryNodesQuery['gpuNodes']['edges'][number]['node'];
type Prices = Row['prices'];

export const PRICE_OF: Record<JobTypeName, keyof Omit<Prices, '__typename'>> = {
  RENDER: 'renderMinuteUrtc',
  TTS: 'tts1kCharsUrtc',
  STT: 'sttMinuteUrtc',
  LLM: 'llm1kTokensUrtc',
};

const SORTS = { price: 'PRICE', benchmark: 'BENCHMARK_SCORE', vram: 'VRAM', freshness: 'FRESHNESS' } as const;
type Sort = keyof typeof SORTS;
const ARCHS = { NVIDIA_GPU: 'NVIDIA', AMD_GPU: 'AMD', APPLE_GPU: 'Apple' } as const;
const TRUSTS = ['SELF_REPORTED', 'CATALOG_CONSISTENT', 'VERIFIED'] as const;

/** Filter parameters in the URL; changing any of them starts again from the first page. */
const FILTER_KEYS = [
  'job',
  'arch',
  'vram',
  'model',
  'cuda',
  'llm',
  'tts',
  'stt',
  'maxPrice',
  'trust',
  'offline',
] as const;

/** A decimal RTC amount typed by a person as µRTC digits, or null when it is not one. */
export function urtcOf(text: string): string | null {
  const m = /^(\d{1,7})(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!m) return null;
  return (BigInt(m[1]!) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0') || '0')).toString();
}

function readState(query: URLSearchParams) {
  const get = (k: string) => query.get(k) ?? '';
  const job = (JOB_TYPES as readonly string[]).includes(get('job')) ? (get('job') as JobTypeName) : null;
  const sort: Sort | null = get('sort') in SORTS ? (get('sort') as Sort) : null;
  const filter: GpuNodeFilter = {};
  if (job) filter.jobType = job;
  if (get('arch') in ARCHS) filter.deviceArch = get('arch') as keyof typeof ARCHS;
  const vram = Number(get('vram'));
  if (get('vram') && Number.isFinite(vram) && vram >= 0) filter.minVramGb = vram;
  if (get('model')) filter.gpuModel = get('model');
  if (/^\d{1,4}(\.\d{1,3})?$/.test(get('cuda'))) filter.minCudaVersion = get('cuda');
  if (get('llm')) filter.llmModel = get('llm');
  if (get('tts')) filter.ttsModel = get('tts');
  if (get('stt')) filter.sttModel = get('stt');
  const maxPrice = urtcOf(get('maxPrice'));
  if (job && maxPrice) filter.maxPriceUrtc = maxPrice;
  if ((TRUSTS as readonly string[]).includes(get('trust'))) filter.minTrust = get('trust') as (typeof TRUSTS)[number];
  if (get('offline') === '1') filter.includeOffline = true;
  const direction = get('dir') === 'desc' ? 'DESC' : 'ASC';
  // Price needs a job type to say whose price; without one, the API's default order applies.
  const orderBy: GpuNodeOrder | null =
    sort && (sort !== 'price' || job)
      ? { field: SORTS[sort], direction, ...(sort === 'price' ? { jobType: job } : {}) }
      : null;
  const cursors = get('pages') ? get('pages').split(',').filter(Boolean) : [];
  return { job, sort, direction, filter, orderBy, cursors, raw: get };
}

export function InventoryPage({ query }: { query: URLSearchParams }) {
  const state = readState(query);
  const after = state.cursors.at(-1) ?? null;
  const [result, refetch] = useQuery({
    query: InventoryNodes,
    variables: { filter: state.filter, orderBy: state.orderBy, first: PAGE_SIZE, after },
  });
  const [live, setLive] = useState<Record<string, { status: string; trust: string; at: string }>>({});
  const [unseen, setUnseen] = useState(0);
  const shown = useRef(new Set<string>());
  shown.current = new Set(result.data?.gpuNodes.edges.map((e) => e.node.minerId));
  useSubscription({ query: InventoryChanges }, (_previous, event) => {
    const e = event.nodeStatusChanged;
    if (shown.current.has(e.minerId))
      setLive((l) => ({ ...l, [e.minerId]: { status: e.status, trust: e.trust, at: e.at } }));
    else setUnseen((n) => n + 1);
    return event;
  });

  const data = result.data?.gpuNodes;
  const pageNumber = state.cursors.length + 1;
  const goTo = (cursors: string[]) => setQuery({ pages: cursors.join(',') });

  return (
    <section aria-labelledby="inventory-title">
      <h1 id="inventory-title">GPU inventory</h1>
      <Filters key={query.toString()} state={state} />
      {unseen > 0 && (
        <p className="notice live" role="status">
          {unseen === 1 ? 'A node not on this page changed.' : `${unseen} changes to nodes not on this page.`}{' '}
          <button
            type="button"
            onClick={() => {
              setUnseen(0);
              refetch({ requestPolicy: 'network-only' });
            }}
          >
            Refresh the list
          </button>
        </p>
      )}
      {result.error && <ErrorNotice error={result.error} what="the inventory" />}
      {!data && result.fetching && <Loading what="GPU nodes" />}
      {data && (
        <>
          <p className="summary" aria-live="polite">
            {data.totalCount === 0
              ? 'No node matches these filters.'
              : `${data.totalCount} node${data.totalCount === 1 ? '' : 's'} match; page ${pageNumber} of ${Math.max(1, Math.ceil(data.totalCount / PAGE_SIZE))}.`}
            {result.fetching && ' Updating…'}
          </p>
          {data.edges.length === 0 ? (
            <Empty>
              {state.cursors.length > 0
                ? 'This page is empty now: nodes may have gone offline since. Go back to the first page.'
                : 'No GPU node matches. Loosen a filter, or include offline nodes.'}
            </Empty>
          ) : (
            <div className="table-wrap">
              <table className="nodes" data-testid="inventory-table">
                <caption className="visually-hidden">GPU nodes, page {pageNumber}</caption>
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">GPU</th>
                    <th scope="col" className="num">
                      VRAM
                    </th>
                    <th scope="col" className="num">
                      Benchmark (TFLOPS)
                    </th>
                    <th scope="col" className="num">
                      {state.job ? `Price ${UNIT_LABEL[state.job]}` : 'Prices'}
                    </th>
                    <th scope="col">Trust</th>
                    <th scope="col">Status</th>
                    <th scope="col">Last attested</th>
                  </tr>
                </thead>
                <tbody>
                  {data.edges.map(({ node }) => {
                    const now = live[node.minerId];
                    return (
                      <tr key={node.minerId} data-miner={node.minerId}>
                        <td>
                          <NodeLink minerId={node.minerId} />
                        </td>
                        <td>
                          {node.gpuCount > 1 ? `${node.gpuCount} × ` : ''}
                          {node.gpuModel}
                          {node.cudaVersion && <span className="sub"> CUDA {node.cudaVersion}</span>}
                          <Flags flags={node.flags} />
                        </td>
                        <td className="num">{gb(node.maxVramMb)}</td>
                        <td className="num">{node.benchmarkScore.toFixed(1)}</td>
                        <td className="num">
                          {state.job ? (
                            rtc(node.prices[PRICE_OF[state.job]])
                          ) : (
                            <PriceList prices={node.prices} jobTypes={node.jobTypes as JobTypeName[]} />
                          )}
                        </td>
                        <td>
                          <Badge value={now?.trust ?? node.trust} />
                          {node.eligible && (
                            <span className="badge good" title="Counts towards the fair rate">
                              eligible
                            </span>
                          )}
                        </td>
                        <td>
                          <Badge value={now?.status ?? node.status} />
                        </td>
                        <td title={now?.at ?? node.lastAttestedAt}>{ago(now?.at ?? node.lastAttestedAt)}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <nav className="pager" aria-label="Inventory pages">
            <button
              type="button"
              disabled={state.cursors.length === 0}
              onClick={() => goTo(state.cursors.slice(0, -1))}
            >
              ← Previous page
            </button>
            <span>Page {pageNumber}</span>
            <button
              type="button"
              disabled={!data.pageInfo.hasNextPage || !data.pageInfo.endCursor}
              onClick={() => goTo([...state.cursors, data.pageInfo.endCursor!])}
            >
              Next page →
            </button>
          </nav>
        </>
      )}
    </section>
  );
}

function PriceList({ prices, jobTypes }: { prices: Prices; jobTypes: JobTypeName[] }) {
  return (
    <ul className="prices">
      {jobTypes.map((j) => (
        <li key={j}>
          <span className="sub">{JOB_LABEL[j]}</span> {rtc(prices[PRICE_OF[j]])}
        </li>
      ))}
    </ul>
  );
}

function Filters({ state }: { state: ReturnType<typeof readState> }) {
  const [problem, setProblem] = useState<string | null>(null);
  const apply = (form: HTMLFormElement) => {
    const data = new FormData(form);
    const value = (k: string) => String(data.get(k) ?? '').trim();
    if (value('maxPrice') && !urtcOf(value('maxPrice')))
      return setProblem('Max price is an amount of RTC with at most 6 decimals, such as 0.05.');
    if (value('cuda') && !/^\d{1,4}(\.\d{1,3})?$/.test(value('cuda')))
      return setProblem('Minimum CUDA is a version such as 12.4.');
    setProblem(null);
    const changes: Record<string, string | null> = { pages: null };
    for (const k of FILTER_KEYS) changes[k] = k === 'offline' ? (data.get('offline') ? '1' : null) : value(k);
    changes.sort = value('sort');
    changes.dir = value('dir') === 'desc' ? 'desc' : null;
    setQuery(changes);
  };
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    apply(event.currentTarget);
  };
  const applyNow = (event: { currentTarget: HTMLInputElement | HTMLSelectElement }) => apply(event.currentTarget.form!);
  const get = state.raw;
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter and order the inventory">
      <div className="field">
        <label htmlFor="filter-job">Job type</label>
        <select id="filter-job" name="job" defaultValue={get('job')} onChange={applyNow}>
          <option value="">Any</option>
          {JOB_TYPES.map((j) => (
            <option key={j} value={j}>
              {JOB_LABEL[j]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-arch">Architecture</label>
        <select id="filter-arch" name="arch" defaultValue={get('arch')} onChange={applyNow}>
          <option value="">Any</option>
          {Object.entries(ARCHS).map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-vram">Min VRAM (GB)</label>
        <input
          id="filter-vram"
          name="vram"
          type="number"
          min="0"
          step="1"
          inputMode="numeric"
          defaultValue={get('vram')}
        />
      </div>
      <div className="field">
        <label htmlFor="filter-model">GPU model</label>
        <input id="filter-model" name="model" type="text" placeholder="4090, A100…" defaultValue={get('model')} />
      </div>
      <div className="field">
        <label htmlFor="filter-cuda">Min CUDA</label>
        <input id="filter-cuda" name="cuda" type="text" placeholder="12.4" defaultValue={get('cuda')} />
      </div>
      <div className="field">
        <label htmlFor="filter-llm">LLM model</label>
        <input id="filter-llm" name="llm" type="text" placeholder="llama3.1:8b" defaultValue={get('llm')} />
      </div>
      <div className="field">
        <label htmlFor="filter-tts">TTS model</label>
        <input id="filter-tts" name="tts" type="text" placeholder="xtts" defaultValue={get('tts')} />
      </div>
      <div className="field">
        <label htmlFor="filter-stt">STT model</label>
        <input id="filter-stt" name="stt" type="text" placeholder="whisper-large-v3" defaultValue={get('stt')} />
      </div>
      <div className="field">
        <label htmlFor="filter-maxPrice">Max price (RTC)</label>
        <input
          id="filter-maxPrice"
          name="maxPrice"
          type="text"
          inputMode="decimal"
          placeholder={state.job ? '0.05' : 'choose a job type'}
          disabled={!state.job}
          defaultValue={get('maxPrice')}
        />
      </div>
      <div className="field">
        <label htmlFor="filter-trust">Min trust</label>
        <select id="filter-trust" name="trust" defaultValue={get('trust')} onChange={applyNow}>
          <option value="">Any</option>
          {TRUSTS.map((t) => (
            <option key={t} value={t}>
              {words(t)}
            </option>
          ))}
        </select>
      </div>
      <label className="check">
        <input name="offline" type="checkbox" defaultChecked={get('offline') === '1'} onChange={applyNow} />
        Include offline
      </label>
      <div className="field">
        <label htmlFor="filter-sort">Sort by</label>
        <select id="filter-sort" name="sort" defaultValue={state.sort ?? ''} onChange={applyNow}>
          <option value="">Default</option>
          <option value="price" disabled={!state.job}>
            Price{state.job ? '' : ' (choose a job type)'}
          </option>
          <option value="benchmark">Benchmark</option>
          <option value="vram">VRAM</option>
          <option value="freshness">Freshness</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="filter-dir">Direction</label>
        <select
          id="filter-dir"
          name="dir"
          defaultValue={state.direction === 'DESC' ? 'desc' : 'asc'}
          onChange={applyNow}
        >
          <option value="asc">Ascending</option>
          <option value="desc">Descending</option>
        </select>
      </div>
      <div className="actions">
        <button type="submit">Apply filters</button>
        <button
          type="button"
          onClick={() => setQuery(Object.fromEntries([...FILTER_KEYS, 'sort', 'dir', 'pages'].map((k) => [k, null])))}
        >
          Clear
        </button>
      </div>
      {problem && (
        <p className="field-problem" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}
