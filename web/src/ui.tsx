/** Pieces every page shares: loading, error and empty states in words, badges, and links to wallets and nodes. */
import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { dateTime, JOB_LABEL, rtc, short, words, type JobTypeName } from './format.js';
import { href, Link } from './router.js';

export function Loading({ what }: { what: string }) {
  return (
    <p className="notice" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

/** An error as a person can act on it: the server's message when it gave one, or what to check. */
export function ErrorNotice({ error, what }: { error: CombinedError | Error; what: string }) {
  const network = 'networkError' in error && error.networkError;
  const messages =
    'graphQLErrors' in error && error.graphQLErrors.length > 0
      ? error.graphQLErrors.map((e) => e.message)
      : [
          network
            ? 'The market API could not be reached. Check your connection; the page retries when you reload it.'
            : error.message,
        ];
  return (
    <div className="notice error" role="alert">
      <strong>Could not load {what}.</strong>
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="notice empty">{children}</p>;
}

const TONE: Record<string, string> = {
  VERIFIED: 'good',
  CATALOG_CONSISTENT: 'info',
  SELF_REPORTED: 'muted',
  ONLINE: 'good',
  OFFLINE: 'muted',
  SUSPENDED: 'bad',
  LOCKED: 'info',
  DELIVERED: 'info',
  DISPUTED: 'warn',
  RELEASED: 'good',
  REFUNDED: 'muted',
  PENDING: 'info',
  SENT: 'info',
  CONFIRMED: 'good',
  CREDITED: 'good',
  FAILED: 'bad',
  VOIDED: 'bad',
  UNATTRIBUTED: 'warn',
};

export function Badge({ value, title }: { value: string; title?: string }) {
  return (
    <span className={`badge ${TONE[value] ?? 'warn'}`} title={title}>
      {words(value)}
    </span>
  );
}

/** A node's flags (benchmark outliers, contested hardware, price outliers) as warning badges. */
export function Flags({ flags }: { flags: readonly string[] }) {
  if (flags.length === 0) return null;
  return (
    <span className="flags">
      {flags.map((f) => (
        <span key={f} className="badge warn" title={`Flag: ${f}`}>
          {f.replace(/[_:]/g, ' ')}
        </span>
      ))}
    </span>
  );
}

export function WalletLink({ address }: { address: string }) {
  return (
    <Link to={href(`/wallets/${encodeURIComponent(address)}`)} title={address} className="mono">
      {short(address)}
    </Link>
  );
}

export function NodeLink({ minerId }: { minerId: string }) {
  return (
    <Link to={href(`/nodes/${encodeURIComponent(minerId)}`)} title={minerId} className="mono">
      {short(minerId)}
    </Link>
  );
}

export function JobLink({ jobId }: { jobId: string }) {
  return (
    <Link to={href(`/jobs/${encodeURIComponent(jobId)}`)} className="mono">
      {jobId}
    </Link>
  );
}

/** A result address: a link only when it is https://, always shown as text (React escapes it). */
export function ResultUri({ uri }: { uri: string | null | undefined }) {
  if (!uri) return <>—</>;
  let safe = false;
  try {
    safe = new URL(uri).protocol === 'https:';
  } catch {
    safe = false;
  }
  return safe ? (
    <a href={uri} rel="noopener noreferrer nofollow" target="_blank" className="mono break">
      {uri}
    </a>
  ) : (
    <span className="mono break">{uri}</span>
  );
}

/** An escrow as a row of a table: what every escrow list of the console shows. */
export interface EscrowRow {
  jobId: string;
  jobType: string;
  amountUrtc: string;
  status: string;
  fromWallet: string;
  toWallet?: string;
  createdAt: string;
}

/** A table of escrows with the parties the page does not already name (a node's page shows only the payer). */
export function EscrowTable({
  escrows,
  parties,
}: {
  escrows: readonly EscrowRow[];
  parties: readonly ('payer' | 'provider')[];
}) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Type</th>
            <th scope="col" className="num">
              Amount
            </th>
            <th scope="col">Status</th>
            {parties.includes('payer') && <th scope="col">Payer</th>}
            {parties.includes('provider') && <th scope="col">Provider</th>}
            <th scope="col">Locked</th>
          </tr>
        </thead>
        <tbody>
          {escrows.map((e) => (
            <tr key={e.jobId}>
              <td>
                <JobLink jobId={e.jobId} />
              </td>
              <td>{JOB_LABEL[e.jobType as JobTypeName]}</td>
              <td className="num">{rtc(e.amountUrtc)}</td>
              <td>
                <Badge value={e.status} />
              </td>
              {parties.includes('payer') && (
                <td>
                  <WalletLink address={e.fromWallet} />
                </td>
              )}
              {parties.includes('provider') && <td>{e.toWallet && <WalletLink address={e.toWallet} />}</td>}
              <td>{dateTime(e.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
