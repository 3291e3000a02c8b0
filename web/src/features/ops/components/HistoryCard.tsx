// HistoryCard.tsx - the platform's last hours from Prometheus (admins;
// avp up --monitoring) and the alerts it has pending or firing.
import { useState } from 'react';
import { useAlerts, useHistory, type HistorySeries } from '../api/history';
import { toSeries } from './historyLines';
import { LineChart } from '../../../components/charts/LineChart';
import { Badge } from '../../../components/States';
import { ApiError } from '../../../lib/http';

const CHARTS: { series: HistorySeries; title: string; scale?: number }[] = [
  { series: 'p99', title: 'p99 latency, slowest route (ms)', scale: 1000 },
  { series: 'requests', title: 'Requests per second' },
  { series: 'rss', title: 'Memory (MB)', scale: 1 / 2 ** 20 },
  { series: 'fps', title: 'Worker frames per second' },
  { series: 'queue', title: 'Queue depth' },
  { series: 'cache_hit', title: 'List cache hit ratio' },
];
const RANGES = [60, 360, 1440];
const clock = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

function unavailable(e: Error): string {
  if (e instanceof ApiError && e.code === 'no_prometheus') return 'No Prometheus runs beside this server (start the platform with avp up --monitoring).';
  return e.message;
}

function HistoryChart({ series, title, scale, minutes }: { series: HistorySeries; title: string; scale?: number; minutes: number }) {
  const h = useHistory(series, minutes);
  if (h.isPending) return <figure className="chart"><figcaption>{title}</figcaption><p className="muted">Loading…</p></figure>;
  if (h.isError) return <figure className="chart"><figcaption>{title}</figcaption><p className="muted">{unavailable(h.error)}</p></figure>;
  const lines = toSeries(h.data.lines, title, scale);
  if (!lines.length) return <figure className="chart"><figcaption>{title}</figcaption><p className="muted">No data in this range yet.</p></figure>;
  return <LineChart title={title} series={lines} xFormat={clock} height={180} />;
}

function Alerts() {
  const a = useAlerts();
  if (a.isPending) return <p className="muted">Loading…</p>;
  if (a.isError) return <p className="muted">{unavailable(a.error)}</p>;
  if (!a.data.items.length) return <p className="muted">No alert pending or firing.</p>;
  return (
    <table className="table">
      <thead><tr><th scope="col">Alert</th><th scope="col">State</th><th scope="col">Severity</th><th scope="col">What</th><th scope="col">Since</th></tr></thead>
      <tbody>
        {a.data.items.map((x, i) => (
          <tr key={`${x.name}-${x.instance ?? ''}-${i}`}>
            <th scope="row">{x.name}</th>
            <td><Badge tone={x.state === 'firing' ? 'bad' : 'warn'}>{x.state}</Badge></td>
            <td>{x.severity}</td>
            <td>{x.summary}</td>
            <td className="num">{x.since ? new Date(x.since).toLocaleString('en-GB') : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function HistoryCard() {
  const [minutes, setMinutes] = useState(60);
  return (
    <>
      <section className="card" aria-labelledby="alerts-title">
        <h2 id="alerts-title">Alerts</h2>
        <Alerts />
      </section>
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <label className="small">Range{' '}
          <select value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {RANGES.map((m) => <option key={m} value={m}>{m < 120 ? `${m} min` : `${m / 60} h`}</option>)}
          </select>
        </label>
        <div className="grid-2">
          {CHARTS.map((c) => <HistoryChart key={c.series} {...c} minutes={minutes} />)}
        </div>
      </section>
    </>
  );
}
