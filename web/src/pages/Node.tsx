/** One GPU node: hardware, trust, its price per job type with the history of each, earnings and recent escrows. */
import { useQuery, useSubscription } from 'urql';
import { PriceStepChart } from '../PriceChart.js';
import { ago, dateTime, gb, JOB_LABEL, rtc, UNIT_LABEL, walletAddress, words, type JobTypeName } from '../format.js';
import { graphql } from '../gql/index.js';
import { Badge, Empty, ErrorNotice, EscrowTable, Flags, Loading } from '../ui.js';
import { PRICE_OF } from './Inventory.js';

const NodeDetails = graphql(`
  query NodeDetails($minerId: String!) {
    gpuNode(minerId: $minerId) {
      minerId
      status
      trust
      flags
      eligible
      deviceArch
      fingerprint
      gpuModel
      gpuCount
      totalVramMb
      benchmarkScore
      cudaVersion
      rocmVersion
      metalVersion
      jobTypes
      llmModels
      ttsModels
      sttModels
      firstAttestedAt
      lastAttestedAt
      gpus {
        uuid
        model
        vramMb
        benchmarkScore
        driverVersion
        cudaVersion
      }
      prices {
        renderMinuteUrtc
        tts1kCharsUrtc
        sttMinuteUrtc
        llm1kTokensUrtc
      }
      earnings {
        jobsPaid
        releasedUrtc
      }
      bond {
        bondedUrtc
        eligible
      }
      priceHistory(first: 100) {
        edges {
          node {
            jobType
            oldPriceUrtc
            newPriceUrtc
            changedAt
            outlier
          }
        }
      }
      escrowHistory(first: 10) {
        jobId
        jobType
        status
        amountUrtc
        fromWallet
        createdAt
      }
    }
  }
`);

const NodeChanges = graphql(`
  subscription NodeChanges($minerId: String!) {
    nodeStatusChanged(minerId: $minerId) {
      seq
      change
    }
  }
`);

export function NodePage({ minerId }: { minerId: string }) {
  const valid = walletAddress(minerId) === minerId;
  const [result, refetch] = useQuery({ query: NodeDetails, variables: { minerId }, pause: !valid });
  useSubscription({ query: NodeChanges, variables: { minerId }, pause: !valid }, (_p, event) => {
    refetch({ requestPolicy: 'network-only' });
    return event;
  });
  if (!valid)
    return (
      <section>
        <h1>Node</h1>
        <Empty>“{minerId}” is not a node address: it is RTC followed by 40 hex characters.</Empty>
      </section>
    );
  const node = result.data?.gpuNode;
  return (
    <section aria-labelledby="node-title">
      <h1 id="node-title">
        Node <span className="mono break">{minerId}</span>
      </h1>
      {result.error && <ErrorNotice error={result.error} what="this node" />}
      {!result.data && result.fetching && <Loading what="the node" />}
      {result.data && !node && <Empty>No node has attested with this address.</Empty>}
      {node && (
        <>
          <p className="badges">
            <Badge value={node.status} /> <Badge value={node.trust} />{' '}
            {node.eligible ? (
              <span className="badge good">counts towards the fair rate</span>
            ) : (
              <span className="badge muted">not counted in the fair rate</span>
            )}{' '}
            <Flags flags={node.flags} />
          </p>
          <dl className="facts">
            <dt>Hardware</dt>
            <dd>
              {node.gpuCount > 1 ? `${node.gpuCount} × ` : ''}
              {node.gpuModel} ({words(node.deviceArch)}), {gb(node.totalVramMb)} in all
            </dd>
            <dt>Benchmark</dt>
            <dd>{node.benchmarkScore.toFixed(1)} TFLOPS FP32</dd>
            <dt>Software</dt>
            <dd>
              {[
                node.cudaVersion && `CUDA ${node.cudaVersion}`,
                node.rocmVersion && `ROCm ${node.rocmVersion}`,
                node.metalVersion && `Metal ${node.metalVersion}`,
              ]
                .filter(Boolean)
                .join(', ') || '—'}
            </dd>
            <dt>Models</dt>
            <dd>{[...node.llmModels, ...node.ttsModels, ...node.sttModels].join(', ') || '—'}</dd>
            <dt>Attested</dt>
            <dd>
              first {dateTime(node.firstAttestedAt)}, last {ago(node.lastAttestedAt)}
            </dd>
            <dt>Fingerprint</dt>
            <dd className="mono break">{node.fingerprint}</dd>
            <dt>Earnings</dt>
            <dd>
              {rtc(node.earnings.releasedUrtc)} from {node.earnings.jobsPaid} paid job
              {node.earnings.jobsPaid === 1 ? '' : 's'}
            </dd>
            <dt>Bond</dt>
            <dd>
              {node.bond
                ? `${rtc(node.bond.bondedUrtc)}${node.bond.eligible ? ' (enough for eligibility)' : ''}`
                : 'none'}
            </dd>
          </dl>

          <h2>GPUs</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">
                    VRAM
                  </th>
                  <th scope="col" className="num">
                    Benchmark
                  </th>
                  <th scope="col">Driver</th>
                  <th scope="col">UUID</th>
                </tr>
              </thead>
              <tbody>
                {node.gpus.map((g) => (
                  <tr key={g.uuid}>
                    <td>{g.model}</td>
                    <td className="num">{gb(g.vramMb)}</td>
                    <td className="num">{g.benchmarkScore.toFixed(1)}</td>
                    <td>{g.driverVersion ?? '—'}</td>
                    <td className="mono break">{g.uuid}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <h2>Prices</h2>
          <div className="cards">
            {(node.jobTypes as JobTypeName[]).map((j) => {
              const points = node.priceHistory.edges.map((e) => e.node).filter((c) => c.jobType === j);
              return (
                <article key={j} className="card">
                  <h3>
                    {JOB_LABEL[j]}: {rtc(node.prices[PRICE_OF[j]])} <span className="sub">{UNIT_LABEL[j]}</span>
                  </h3>
                  {points.length > 0 ? (
                    <PriceStepChart points={points} label={`${JOB_LABEL[j]} price of this node over time`} />
                  ) : (
                    <Empty>No price change recorded.</Empty>
                  )}
                  <p className="sub">
                    {points.length} change{points.length === 1 ? '' : 's'}
                    {points.some((p) => p.outlier) && ', some far outside the market band'}
                  </p>
                </article>
              );
            })}
          </div>

          <h2>Recent escrows paying this node</h2>
          {node.escrowHistory.length === 0 ? (
            <Empty>No escrow has paid this node yet.</Empty>
          ) : (
            <EscrowTable escrows={node.escrowHistory} parties={['payer']} />
          )}
        </>
      )}
    </section>
  );
}
