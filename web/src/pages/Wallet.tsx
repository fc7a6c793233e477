/** A wallet, read-only: available and held balances, escrows paid and received, deposits and withdrawals. */
import { useState, type ReactNode } from 'react';
import { useQuery } from 'urql';
import { dateTime, rtc, walletAddress } from '../format.js';
import { graphql } from '../gql/index.js';
import { Badge, Empty, ErrorNotice, EscrowTable, Loading, WalletLink } from '../ui.js';

const WalletBalances = graphql(`
  query WalletBalances($address: String!) {
    wallet(address: $address) {
      address
      availableUrtc
      lockedUrtc
    }
  }
`);

const WalletEscrows = graphql(`
  query WalletEscrows($address: String!, $role: WalletRole!, $after: String) {
    escrows(wallet: $address, role: $role, first: 10, after: $after) {
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

const WalletDeposits = graphql(`
  query WalletDeposits($address: String!, $after: String) {
    wallet(address: $address) {
      address
      deposits(first: 10, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            txHash
            fromAddress
            amountUrtc
            status
            seenAt
            creditedAt
          }
        }
      }
    }
  }
`);

const WalletWithdrawals = graphql(`
  query WalletWithdrawals($address: String!, $after: String) {
    wallet(address: $address) {
      address
      withdrawals(first: 10, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          node {
            withdrawalId
            toAddress
            amountUrtc
            status
            txHash
            createdAt
          }
        }
      }
    }
  }
`);

export function WalletPage({ address }: { address: string }) {
  const valid = walletAddress(address) === address;
  const [balances] = useQuery({ query: WalletBalances, variables: { address }, pause: !valid });
  if (!valid)
    return (
      <section>
        <h1>Wallet</h1>
        <Empty>“{address}” is not a wallet address: it is RTC followed by 40 hex characters.</Empty>
      </section>
    );
  const wallet = balances.data?.wallet;
  return (
    <section aria-labelledby="wallet-title">
      <h1 id="wallet-title">
        Wallet <span className="mono break">{address}</span>
      </h1>
      {balances.error && <ErrorNotice error={balances.error} what="this wallet" />}
      {!wallet && balances.fetching && <Loading what="balances" />}
      {wallet && (
        <dl className="balances" data-testid="balances">
          <div>
            <dt>Available</dt>
            <dd data-testid="available">{rtc(wallet.availableUrtc)}</dd>
          </div>
          <div>
            <dt>Held in escrows it pays</dt>
            <dd data-testid="held">{rtc(wallet.lockedUrtc)}</dd>
          </div>
        </dl>
      )}
      <EscrowSection address={address} role="PAYER" title="Escrows paid" />
      <EscrowSection address={address} role="PROVIDER" title="Escrows received" />
      <Deposits address={address} />
      <Withdrawals address={address} />
    </section>
  );
}

/** A cursor stack for a forward-only connection shown a page at a time. */
function usePages() {
  const [cursors, setCursors] = useState<string[]>([]);
  return {
    after: cursors.at(-1) ?? null,
    pager: (pageInfo: { hasNextPage: boolean; endCursor?: string | null }, label: string) => (
      <nav className="pager" aria-label={label}>
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span>Page {cursors.length + 1}</span>
        <button
          type="button"
          disabled={!pageInfo.hasNextPage || !pageInfo.endCursor}
          onClick={() => setCursors([...cursors, pageInfo.endCursor!])}
        >
          Older →
        </button>
      </nav>
    ),
  };
}

function Table({ head, children }: { head: string[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            {head.map((h) => (
              <th key={h} scope="col" className={h === 'Amount' ? 'num' : undefined}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

function EscrowSection({ address, role, title }: { address: string; role: 'PAYER' | 'PROVIDER'; title: string }) {
  const { after, pager } = usePages();
  const [result] = useQuery({ query: WalletEscrows, variables: { address, role, after } });
  const page = result.data?.escrows;
  return (
    <>
      <h2>
        {title}
        {page ? ` (${page.totalCount})` : ''}
      </h2>
      {result.error && <ErrorNotice error={result.error} what={title.toLowerCase()} />}
      {!page && result.fetching && <Loading what={title.toLowerCase()} />}
      {page &&
        (page.edges.length === 0 ? (
          <Empty>
            {role === 'PAYER' ? 'This wallet has not paid for a job.' : 'This wallet has not been paid for a job.'}
          </Empty>
        ) : (
          <>
            <EscrowTable
              escrows={page.edges.map((edge) => edge.node)}
              parties={role === 'PAYER' ? ['provider'] : ['payer']}
            />
            {pager(page.pageInfo, `${title} pages`)}
          </>
        ))}
    </>
  );
}

function Deposits({ address }: { address: string }) {
  const { after, pager } = usePages();
  const [result] = useQuery({ query: WalletDeposits, variables: { address, after } });
  const page = result.data?.wallet.deposits;
  return (
    <>
      <h2>Deposits from RustChain</h2>
      {result.error && <ErrorNotice error={result.error} what="deposits" />}
      {!page && result.fetching && <Loading what="deposits" />}
      {page &&
        (page.edges.length === 0 ? (
          <Empty>No deposit from RustChain has been seen for this wallet.</Empty>
        ) : (
          <>
            <Table head={['Transaction', 'From', 'Amount', 'Status', 'Seen', 'Credited']}>
              {page.edges.map(({ node: d }) => (
                <tr key={d.txHash}>
                  <td className="mono break">{d.txHash}</td>
                  <td className="mono">{d.fromAddress}</td>
                  <td className="num">{rtc(d.amountUrtc)}</td>
                  <td>
                    <Badge value={d.status} />
                  </td>
                  <td>{dateTime(d.seenAt)}</td>
                  <td>{dateTime(d.creditedAt)}</td>
                </tr>
              ))}
            </Table>
            {pager(page.pageInfo, 'Deposit pages')}
          </>
        ))}
    </>
  );
}

function Withdrawals({ address }: { address: string }) {
  const { after, pager } = usePages();
  const [result] = useQuery({ query: WalletWithdrawals, variables: { address, after } });
  const page = result.data?.wallet.withdrawals;
  return (
    <>
      <h2>Withdrawals to RustChain</h2>
      {result.error && <ErrorNotice error={result.error} what="withdrawals" />}
      {!page && result.fetching && <Loading what="withdrawals" />}
      {page &&
        (page.edges.length === 0 ? (
          <Empty>This wallet has not withdrawn anything.</Empty>
        ) : (
          <>
            <Table head={['Withdrawal', 'To', 'Amount', 'Status', 'Transaction', 'Requested']}>
              {page.edges.map(({ node: w }) => (
                <tr key={w.withdrawalId}>
                  <td className="mono">{w.withdrawalId}</td>
                  <td>
                    <WalletLink address={w.toAddress} />
                  </td>
                  <td className="num">{rtc(w.amountUrtc)}</td>
                  <td>
                    <Badge value={w.status} />
                  </td>
                  <td className="mono break">{w.txHash ?? '—'}</td>
                  <td>{dateTime(w.createdAt)}</td>
                </tr>
              ))}
            </Table>
            {pager(page.pageInfo, 'Withdrawal pages')}
          </>
        ))}
    </>
  );
}
