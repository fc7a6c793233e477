/** The layout (navigation, a lookup box) and the page for the current URL. */
import { useEffect, useState, type FormEvent } from 'react';
import { InventoryPage } from './pages/Inventory.js';
import { JobPage } from './pages/Job.js';
import { LivePage } from './pages/Live.js';
import { MarketPage } from './pages/Market.js';
import { NodePage } from './pages/Node.js';
import { WalletPage } from './pages/Wallet.js';
import { walletAddress } from './format.js';
import { href, Link, navigate, useLocation, type Location } from './router.js';

const NAV = [
  { path: '/', label: 'Inventory' },
  { path: '/market', label: 'Market' },
  { path: '/live', label: 'Live escrows' },
];

function page(location: Location) {
  const [, first = '', second] = location.path.split('/');
  const param = second === undefined ? null : safeDecode(second);
  if (location.path === '/' || location.path === '')
    return { title: 'Inventory', view: <InventoryPage query={location.query} /> };
  if (first === 'market' && param === null) return { title: 'Market', view: <MarketPage query={location.query} /> };
  if (first === 'live' && param === null) return { title: 'Live escrows', view: <LivePage /> };
  if (first === 'nodes' && param) return { title: 'Node', view: <NodePage minerId={walletAddress(param) ?? param} /> };
  if (first === 'jobs' && param) return { title: 'Job', view: <JobPage jobId={param} /> };
  if (first === 'wallets' && param)
    return { title: 'Wallet', view: <WalletPage address={walletAddress(param) ?? param} /> };
  return { title: 'Not found', view: <NotFound /> };
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function NotFound() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This console has no page at this address. Try the <Link to={href('/')}>inventory</Link> or the{' '}
        <Link to={href('/market')}>market</Link>.
      </p>
    </section>
  );
}

function Lookup() {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = value.trim();
    if (!text) return setProblem('Enter a wallet address or a job id.');
    setProblem(null);
    setValue('');
    const wallet = walletAddress(text);
    navigate(href(wallet ? `/wallets/${wallet}` : `/jobs/${encodeURIComponent(text)}`));
  };
  return (
    <form className="lookup" role="search" onSubmit={submit}>
      <label htmlFor="lookup" className="visually-hidden">
        Wallet address or job id
      </label>
      <input
        id="lookup"
        type="search"
        placeholder="Wallet address or job id"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        aria-invalid={problem !== null}
        aria-describedby={problem ? 'lookup-problem' : undefined}
      />
      <button type="submit">Open</button>
      {problem && (
        <span id="lookup-problem" className="field-problem" role="alert">
          {problem}
        </span>
      )}
    </form>
  );
}

export function App() {
  const location = useLocation();
  const { title, view } = page(location);
  useEffect(() => {
    document.title = `${title} · GPU market console`;
  }, [title]);
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to={href('/')} className="brand">
          GPU market
        </Link>
        <nav aria-label="Pages">
          {NAV.map((n) => (
            <Link key={n.path} to={href(n.path)} aria-current={location.path === n.path ? 'page' : undefined}>
              {n.label}
            </Link>
          ))}
        </nav>
        <Lookup />
      </header>
      <main id="main">{view}</main>
    </>
  );
}
