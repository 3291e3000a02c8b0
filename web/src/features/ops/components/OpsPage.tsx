// OpsPage.tsx - the server's health from /metrics, scraped every 5 s:
// latency per route, request rate, queue depth, worker fps, cache hit
// rate, memory; history and alerts from Prometheus (avp up --monitoring);
// and Web Vitals of real page loads.
import { useMetricsHistory } from '../api/metrics';
import { cacheHitRate, FPS_RE, gaugeLike, QUEUE_RE, requestRate, routeLatencies, RSS, series, type Point } from './derive';
import { VitalsCard } from './VitalsCard';
import { HistoryCard } from './HistoryCard';
import { LineChart } from '../../../components/charts/LineChart';
import { ErrorState, Loading, PageHeader } from '../../../components/States';
import { sum } from '../../../lib/prometheus';
import { formatBytes, formatPercent } from '../../../lib/format';

const clock = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function Trend({ title, points, yLabel, color = 'var(--accent)', format }: { title: string; points: Point[]; yLabel?: string; color?: string; format?: string }) {
  if (points.length < 2) {
    return <figure className="chart"><figcaption>{title}</figcaption><p className="muted">{points.length ? `${format ?? points[0].v.toFixed(2)} — collecting…` : 'Not reported by this server.'}</p></figure>;
  }
  return <LineChart title={title} yLabel={yLabel} xFormat={clock}
    series={[{ label: title, color, x: points.map((p) => p.t), y: points.map((p) => p.v) }]} height={180} />;
}

function Stat({ label, value }: { label: string; value: string }) {
  return <div className="stat"><span className="muted small">{label}</span><strong className="num">{value}</strong></div>;
}

export default function OpsPage() {
  const m = useMetricsHistory(5000);
  const h = m.history;
  const now = h[h.length - 1];
  const prev = h[h.length - 2];
  if (m.isPending && !now) return <Loading label="Reading /metrics…" />;
  if (m.isError && !now) return <ErrorState error={m.error} what="metrics" retry={() => m.refetch()} />;
  const routes = routeLatencies(now, prev).slice(0, 15);
  const maxP99 = Math.max(1e-9, ...routes.map((r) => r.p99 ?? 0));
  const queue = gaugeLike(now, QUEUE_RE);
  const fps = gaugeLike(now, FPS_RE);
  const hit = cacheHitRate(now, prev);
  const rss = sum(now, RSS);
  const dbInUse = sum(now, 'avp_db_pool_in_use');
  return (
    <>
      <PageHeader title="Operations" subtitle={`From /metrics every 5 s · ${h.length} scrape${h.length === 1 ? '' : 's'} · last ${clock(now.at)}`} />
      <section className="card stats" aria-label="Now">
        <Stat label="Requests/s" value={requestRate(now, prev)?.toFixed(1) ?? '—'} />
        <Stat label="In flight" value={String(sum(now, 'avp_http_requests_in_flight') ?? '—')} />
        <Stat label="Queue depth" value={queue ? String(queue.value) : '—'} />
        <Stat label="Worker fps" value={fps ? fps.value.toFixed(1) : '—'} />
        <Stat label="Cache hit rate" value={formatPercent(hit)} />
        <Stat label="DB connections in use" value={dbInUse == null ? '—' : `${dbInUse} / ${sum(now, 'avp_db_pool_max') ?? '?'}`} />
        <Stat label="Server memory (RSS)" value={formatBytes(rss)} />
        <Stat label="WebSockets" value={String(sum(now, 'avp_ws_connections') ?? '—')} />
      </section>
      <section className="card" aria-labelledby="latency-title">
        <h2 id="latency-title">Request latency per route</h2>
        {routes.length ? (
          <table className="table">
              <thead><tr><th scope="col">Route</th><th scope="col">p50</th><th scope="col">p99</th><th scope="col" className="bar-col">p99 (relative)</th><th scope="col">req/s</th><th scope="col">total</th></tr></thead>
              <tbody>
                {routes.map((r) => (
                  <tr key={r.route}>
                    <th scope="row">{r.route}</th>
                    <td className="num">{r.p50 != null ? (r.p50 * 1000).toFixed(2) + ' ms' : '—'}</td>
                    <td className="num">{r.p99 != null ? (r.p99 * 1000).toFixed(2) + ' ms' : '—'}</td>
                    <td className="bar-col"><span className="hbar" style={{ width: `${((r.p99 ?? 0) / maxP99) * 100}%` }} /></td>
                    <td className="num">{r.rps?.toFixed(1) ?? '—'}</td>
                    <td className="num">{r.count}</td>
                  </tr>
                ))}
              </tbody>
          </table>
        ) : <p className="muted">No requests recorded yet.</p>}
      </section>
      <section className="card grid-2" aria-label="Trends">
        <Trend title="Requests per second" points={series(h, (s, p) => requestRate(s, p))} />
        <Trend title="Queue depth" points={queue ? series(h, (s) => sum(s, queue.name)) : []} />
        <Trend title="Worker fps" points={fps ? series(h, (s) => sum(s, fps.name)) : []} color="hsl(150 60% 45%)" />
        <Trend title="Cache hit rate" points={series(h, (s, p) => cacheHitRate(s, p))} color="hsl(40 90% 50%)" />
        <Trend title="Server memory (MB)" points={series(h, (s) => { const v = sum(s, RSS); return v == null ? null : v / 2 ** 20; })} color="hsl(280 60% 60%)" />
      </section>
      <HistoryCard />
      <VitalsCard />
    </>
  );
}
