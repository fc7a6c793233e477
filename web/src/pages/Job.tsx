/**
 * One job's escrow, followed through its states as they happen (escrowStatusChanged from its first event), with
 * its signed receipt once settled. A result address is shown as text and is a link only when it is https://.
 */
import { useEffect, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { dateTime, JOB_LABEL, rtc, words, type JobTypeName } from '../format.js';
import { graphql } from '../gql/index.js';
import type { EscrowFieldsFragment } from '../gql/graphql.js';
import { Badge, Empty, ErrorNotice, Loading, ResultUri, WalletLink } from '../ui.js';

graphql(`
  fragment EscrowFields on Escrow {
    jobId
    jobType
    status
    fromWallet
    toWallet
    amountUrtc
    remainingUrtc
    releasedUrtc
    refundedUrtc
    claimedUrtc
    createdAt
    expiresAt
    deliveredAt
    reviewUntil
    disputedAt
    disputeReason
    releasedAt
    refundedAt
    refundReason
    settledBy
    resultHash
    resultUri
    receipt {
      json
      signature
      publicKey
    }
  }
`);

const JobEscrow = graphql(`
  query JobEscrow($jobId: String!) {
    escrow(jobId: $jobId) {
      ...EscrowFields
    }
  }
`);

const JobEvents = graphql(`
  subscription JobEvents($jobId: String!, $afterSeq: Int) {
    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
      seq
      change
      at
      escrow {
        ...EscrowFields
      }
    }
  }
`);

const STEPS = ['LOCKED', 'DELIVERED', 'DISPUTED', 'SETTLED'] as const;
const JOB_ID = /^[A-Za-z0-9._:-]{1,128}$/;

interface Seen {
  seq: number;
  change: string;
  at: string;
}

export function JobPage({ jobId }: { jobId: string }) {
  const valid = JOB_ID.test(jobId);
  const [result, refetch] = useQuery({ query: JobEscrow, variables: { jobId }, pause: !valid });
  const [events, setEvents] = useState<Seen[]>([]);
  const [latest, setLatest] = useState<EscrowFieldsFragment | null>(null);
  // From the first event when it is still retained; from now on when the log was purged past it.
  const [fromStart, setFromStart] = useState(true);
  const [sub] = useSubscription(
    { query: JobEvents, variables: { jobId, afterSeq: fromStart ? 0 : null }, pause: !valid },
    (_previous, event) => {
      const e = event.escrowStatusChanged;
      setEvents((list) =>
        list.some((s) => s.seq === e.seq) ? list : [...list, { seq: e.seq, change: e.change, at: e.at }],
      );
      setLatest(e.escrow);
      if (e.escrow.status === 'RELEASED' || e.escrow.status === 'REFUNDED') refetch({ requestPolicy: 'network-only' });
      return event;
    },
  );
  const purged = sub.error?.graphQLErrors.some((e) => e.extensions?.code === 'EVENTS_PURGED') ?? false;
  useEffect(() => {
    if (purged) setFromStart(false);
  }, [purged]);

  if (!valid)
    return (
      <section>
        <h1>Job</h1>
        <Empty>“{jobId}” is not a job id: 1 to 128 letters, digits and . _ : -</Empty>
      </section>
    );
  const queried = result.data?.escrow ?? null;
  // The newest of the two: the subscription's snapshot, or the query's (which carries the receipt once final).
  const escrow =
    latest && (!queried || (queried.status !== latest.status && !queried.receipt)) ? latest : (queried ?? latest);
  return (
    <section aria-labelledby="job-title">
      <h1 id="job-title">
        Job <span className="mono break">{jobId}</span>
      </h1>
      {result.error && <ErrorNotice error={result.error} what="this job" />}
      {!escrow && result.fetching && <Loading what="the escrow" />}
      {!escrow && result.data && !result.fetching && (
        <Empty>No escrow has been locked for this job yet. This page shows it the moment it is.</Empty>
      )}
      {escrow && <EscrowView escrow={escrow} events={events} />}
      {sub.error && !purged && <ErrorNotice error={sub.error} what="live updates of this job" />}
    </section>
  );
}

function EscrowView({ escrow, events }: { escrow: EscrowFieldsFragment; events: Seen[] }) {
  const settled = escrow.status === 'RELEASED' || escrow.status === 'REFUNDED';
  const reached = new Set<string>(['LOCKED']);
  if (escrow.deliveredAt) reached.add('DELIVERED');
  if (escrow.disputedAt) reached.add('DISPUTED');
  if (settled) reached.add('SETTLED');
  const current = settled ? 'SETTLED' : escrow.status;
  return (
    <>
      <p className="badges" data-testid="job-status" data-status={escrow.status}>
        <Badge value={escrow.status} /> {JOB_LABEL[escrow.jobType as JobTypeName]} job
      </p>
      <ol className="steps" aria-label="Escrow states">
        {STEPS.map((s) => (
          <li
            key={s}
            className={reached.has(s) ? 'done' : s === 'DISPUTED' ? 'skipped' : ''}
            aria-current={s === current ? 'step' : undefined}
          >
            {s === 'SETTLED' ? (settled ? words(escrow.status) : 'released or refunded') : words(s)}
          </li>
        ))}
      </ol>
      <dl className="facts">
        <dt>Amount</dt>
        <dd>{rtc(escrow.amountUrtc)}</dd>
        <dt>Still held</dt>
        <dd>{rtc(escrow.remainingUrtc)}</dd>
        <dt>Paid to the provider</dt>
        <dd>{rtc(escrow.releasedUrtc)}</dd>
        <dt>Returned to the payer</dt>
        <dd>{rtc(escrow.refundedUrtc)}</dd>
        <dt>Payer</dt>
        <dd>
          <WalletLink address={escrow.fromWallet} />
        </dd>
        <dt>Provider</dt>
        <dd>
          <WalletLink address={escrow.toWallet} />
        </dd>
        <dt>Locked</dt>
        <dd>{dateTime(escrow.createdAt)}</dd>
        <dt>Expires</dt>
        <dd>{settled ? '—' : dateTime(escrow.expiresAt)}</dd>
        {escrow.deliveredAt && (
          <>
            <dt>Delivered</dt>
            <dd>
              {dateTime(escrow.deliveredAt)}, claiming {rtc(escrow.claimedUrtc)}; review until{' '}
              {dateTime(escrow.reviewUntil)}
            </dd>
            <dt>Result</dt>
            <dd>
              <ResultUri uri={escrow.resultUri} />
              <div className="mono break sub">SHA-256 {escrow.resultHash}</div>
            </dd>
          </>
        )}
        {escrow.disputedAt && (
          <>
            <dt>Disputed</dt>
            <dd>
              {dateTime(escrow.disputedAt)}: <q>{escrow.disputeReason}</q>
            </dd>
          </>
        )}
        {settled && (
          <>
            <dt>Settled</dt>
            <dd>
              {dateTime(escrow.releasedAt ?? escrow.refundedAt)} by {escrow.settledBy ?? '—'}
              {escrow.refundReason && ` (${escrow.refundReason})`}
            </dd>
          </>
        )}
      </dl>
      {events.length > 0 && (
        <>
          <h2>Events</h2>
          <ol className="feed" data-testid="job-events">
            {events.map((e) => (
              <li key={e.seq} data-change={e.change}>
                <strong>{words(e.change)}</strong> <time dateTime={e.at}>{dateTime(e.at)}</time>
              </li>
            ))}
          </ol>
        </>
      )}
      <h2>Receipt</h2>
      {escrow.receipt ? (
        <div data-testid="receipt">
          <p>Signed by the service’s receipt key; verify the signature over the exact text below.</p>
          <pre className="receipt">{escrow.receipt.json}</pre>
          <dl className="facts">
            <dt>Signature</dt>
            <dd className="mono break">{escrow.receipt.signature}</dd>
            <dt>Public key</dt>
            <dd className="mono break">{escrow.receipt.publicKey}</dd>
          </dl>
        </div>
      ) : (
        <Empty>The signed receipt appears here once the escrow is released or refunded.</Empty>
      )}
    </>
  );
}
