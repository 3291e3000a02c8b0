// VitalsCard.tsx - Web Vitals of real page loads: the server's collection
// when it has one, and this tab's own measurements.
import { useSyncExternalStore } from 'react';
import { localVitals, subscribeVitals, type VitalRecord } from '../../../lib/vitals';
import { useServerVitals } from '../api/vitals';
import { isMissingEndpoint } from '../../../lib/http';
import { Badge, Empty } from '../../../components/States';

const UNITS: Record<string, string> = { CLS: '', FCP: 'ms', LCP: 'ms', INP: 'ms', TTFB: 'ms' };

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

export function summarize(records: readonly VitalRecord[]) {
  const by = new Map<string, VitalRecord[]>();
  for (const r of records) by.set(r.name, [...(by.get(r.name) ?? []), r]);
  return [...by].map(([name, rs]) => ({
    name, n: rs.length,
    p75: percentile(rs.map((r) => r.value), 0.75),
    good: rs.filter((r) => r.rating === 'good').length / rs.length,
  })).sort((a, b) => a.name.localeCompare(b.name));
}

function VitalsTable({ records }: { records: readonly VitalRecord[] }) {
  const rows = summarize(records);
  if (!rows.length) return <Empty title="No measurements yet">They arrive as pages load and are hidden.</Empty>;
  return (
    <table className="table">
      <thead><tr><th scope="col">Metric</th><th scope="col">p75</th><th scope="col">Good</th><th scope="col">Samples</th></tr></thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.name}</th>
            <td className="num">{r.name === 'CLS' ? r.p75.toFixed(3) : `${Math.round(r.p75)} ${UNITS[r.name] ?? ''}`}</td>
            <td><Badge tone={r.good >= 0.75 ? 'ok' : r.good >= 0.5 ? 'warn' : 'bad'}>{Math.round(r.good * 100)} %</Badge></td>
            <td className="num">{r.n}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function VitalsCard() {
  const local = useSyncExternalStore(subscribeVitals, localVitals);
  const server = useServerVitals();
  return (
    <section className="card" aria-labelledby="vitals-title">
      <h2 id="vitals-title">Web Vitals</h2>
      <div className="grid-2">
        <div>
          <h3>All users (server)</h3>
          {server.isPending ? <p className="muted">Loading…</p>
            : server.isError ? <p className="muted">{isMissingEndpoint(server.error) ? 'This server does not collect vitals yet.' : server.error.message}</p>
            : <VitalsTable records={server.data.items} />}
        </div>
        <div>
          <h3>This tab</h3>
          <VitalsTable records={[...local]} />
        </div>
      </div>
    </section>
  );
}
