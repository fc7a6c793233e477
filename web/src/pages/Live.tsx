/**
 * Live escrows: every market event as it is committed (marketEvents), newest first, beside the latest escrows
 * (a page of the escrows query, so the page is useful before anything happens). Only the last events are kept.
 */
import { useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { ago, dateTime, JOB_LABEL, rtc, words, type JobTypeName } from '../format.js';
import { graphql } from '../gql/index.js';
import type { LiveFeedSubscription } from '../gql/graphql.js';
import { Badge, Empty, ErrorNotice, EscrowTable, JobLink, Loading, NodeLink, WalletLink } from '../ui.js';

const FeedStart = graphql(`
  query FeedStart {
    marketEventsSeq
  }
`);

const LiveFeed = graphql(`
  subscription LiveFeed($afterSeq: Int) {
    marketEvents(afterSeq: $afterSeq) {
      __typename
      ... on EscrowEvent {
        seq
        at
        escrowChange: change
        escrow {
          jobId
          jobType
          status
          amountUrtc
          fromWallet
          toWallet
        }
      }
      ... on NodeEvent {
        seq
        at
        nodeChange: change
        minerId
        status
      }
      ... on PriceEvent {
        seq
        at
        jobType
        rate {
          fairUrtc
          insufficientData
        }
      }
      ... on WalletEvent {
        seq
        at
        walletChange: change
        wallet
        deposit {
          amountUrtc
        }
        withdrawal {
          amountUrtc
        }
      }
    }
  }
`);

const LatestEscrows = graphql(`
  query LatestEscrows($first: Int!, $after: String) {
    escrows(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          jobId
          jobType
          status
          amountUrtc
          fromWallet
          toWallet
          createdAt
        }
      }
    }
  }
`);

type MarketEvent = LiveFeedSubscription['marketEvents'];
const KEEP = 100;
const KINDS = {
  EscrowEvent: 'Escrows',
  NodeEvent: 'Nodes',
  PriceEvent: 'Prices',
  WalletEvent: 'Deposits and withdrawals',
};
type Kind = keyof typeof KINDS;

export function LivePage() {
  const [feed, feedError, following] = useFeed();
  const [kinds, setKinds] = useState<Record<Kind, boolean>>({
    EscrowEvent: true,
    NodeEvent: true,
    PriceEvent: true,
    WalletEvent: true,
  });
  const [cursors, setCursors] = useState<string[]>([]);
  const [latest] = useQuery({ query: LatestEscrows, variables: { first: 10, after: cursors.at(-1) ?? null } });
  const shown = feed.filter((e) => kinds[e.__typename as Kind]);
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live escrows</h1>
      <fieldset className="segmented">
        <legend>Show</legend>
        {(Object.keys(KINDS) as Kind[]).map((k) => (
          <label key={k}>
            <input type="checkbox" checked={kinds[k]} onChange={(e) => setKinds({ ...kinds, [k]: e.target.checked })} />
            {KINDS[k]}
          </label>
        ))}
      </fieldset>
      <h2>As it happens</h2>
      {feedError && <ErrorNotice error={feedError} what="the live feed" />}
      {!following && !feedError && <Loading what="the live feed" />}
      {following && shown.length === 0 ? (
        <Empty>
          Waiting for the next event… Locks, deliveries and settlements appear here the moment they are committed.
        </Empty>
      ) : (
        <ol className="feed" aria-live="polite" data-testid="live-feed">
          {shown.map((e) => (
            <FeedItem key={e.seq} event={e} />
          ))}
        </ol>
      )}

      <h2>Latest escrows</h2>
      {latest.error && <ErrorNotice error={latest.error} what="the latest escrows" />}
      {!latest.data && latest.fetching && <Loading what="escrows" />}
      {latest.data &&
        (latest.data.escrows.edges.length === 0 ? (
          <Empty>No escrow has been locked yet.</Empty>
        ) : (
          <>
            <EscrowTable escrows={latest.data.escrows.edges.map((edge) => edge.node)} parties={['payer', 'provider']} />
            <nav className="pager" aria-label="Escrow pages">
              <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
                ← Newer
              </button>
              <span>Page {cursors.length + 1}</span>
              <button
                type="button"
                disabled={!latest.data.escrows.pageInfo.hasNextPage}
                onClick={() => setCursors([...cursors, latest.data!.escrows.pageInfo.endCursor!])}
              >
                Older →
              </button>
            </nav>
          </>
        ))}
    </section>
  );
}

/**
 * The feed from the moment the page opened: the subscription starts after the last seq committed then, so an
 * event committed while the WebSocket connects is replayed rather than lost (and after a reconnect, the
 * client resumes from the last event received).
 */
function useFeed() {
  const [feed, setFeed] = useState<MarketEvent[]>([]);
  const [start] = useQuery({ query: FeedStart, requestPolicy: 'network-only' });
  const afterSeq = start.data?.marketEventsSeq;
  const [result] = useSubscription(
    { query: LiveFeed, variables: { afterSeq: afterSeq ?? null }, pause: afterSeq === undefined },
    (_previous, event) => {
      setFeed((f) => (f.some((e) => e.seq === event.marketEvents.seq) ? f : [event.marketEvents, ...f].slice(0, KEEP)));
      return event;
    },
  );
  return [feed, start.error ?? result.error, afterSeq !== undefined] as const;
}

function FeedItem({ event: e }: { event: MarketEvent }) {
  const when = (
    <time dateTime={e.at} title={dateTime(e.at)}>
      {ago(e.at)}
    </time>
  );
  switch (e.__typename) {
    case 'EscrowEvent':
      return (
        <li className="event escrow" data-job={e.escrow.jobId} data-change={e.escrowChange}>
          <Badge value={e.escrow.status} /> <strong>{words(e.escrowChange)}</strong> <JobLink jobId={e.escrow.jobId} />{' '}
          <span className="sub">{JOB_LABEL[e.escrow.jobType as JobTypeName]}</span> {rtc(e.escrow.amountUrtc)} from{' '}
          <WalletLink address={e.escrow.fromWallet} /> to <WalletLink address={e.escrow.toWallet} /> {when}
        </li>
      );
    case 'NodeEvent':
      return (
        <li className="event node">
          <Badge value={e.status} /> node <NodeLink minerId={e.minerId} /> <strong>{words(e.nodeChange)}</strong> {when}
        </li>
      );
    case 'PriceEvent':
      return (
        <li className="event price">
          <span className="badge info">price</span> {JOB_LABEL[e.jobType as JobTypeName]} fair rate now{' '}
          {e.rate.insufficientData ? 'not known (too few providers)' : rtc(e.rate.fairUrtc)} {when}
        </li>
      );
    case 'WalletEvent':
      return (
        <li className="event wallet">
          <span className="badge info">custody</span> <strong>{words(e.walletChange)}</strong>{' '}
          {rtc(e.deposit?.amountUrtc ?? e.withdrawal?.amountUrtc)} for <WalletLink address={e.wallet} /> {when}
        </li>
      );
  }
}
