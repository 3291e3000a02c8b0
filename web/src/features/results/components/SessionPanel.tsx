// SessionPanel.tsx - a device under test: precision and recall with their
// bootstrap 95 % intervals, the latency histogram and the verdict.
import { useSessionResults, useSessions } from '../api/sessionResults';
import { BarChart } from '../../../components/charts/BarChart';
import { Badge, Empty, ErrorState, Loading } from '../../../components/States';
import { formatPercent } from '../../../lib/format';

export function SessionPanel({ projectId, sessionId, onSelect }: { projectId: number; sessionId: number | null; onSelect: (id: number) => void }) {
  const sessions = useSessions(projectId);
  const results = useSessionResults(sessionId);
  if (sessions.isPending) return <Loading label="Loading device sessions…" />;
  if (sessions.isError) return <ErrorState error={sessions.error} what="Device sessions" />;
  if (!sessions.data.items.length) return <Empty title="No device sessions in this project" />;
  const r = results.data;
  const ci = (x?: [number, number]) => (x ? ` (95 % CI ${formatPercent(x[0])} – ${formatPercent(x[1])})` : '');
  return (
    <div>
      <label>
        Session
        <select value={sessionId ?? ''} onChange={(e) => onSelect(Number(e.target.value))}>
          <option value="" disabled>Choose a session</option>
          {sessions.data.items.map((s) => <option key={s.id} value={s.id}>#{s.id} {s.name} ({s.state})</option>)}
        </select>
      </label>
      {sessionId != null && (results.isPending ? <Loading /> : results.isError ? <ErrorState error={results.error} what="session results" /> : r && (
        <div className="session">
          <p>
            {r.pass != null && <Badge tone={r.pass ? 'ok' : 'bad'}>{r.pass ? 'PASS' : 'FAIL'}</Badge>}{' '}
            Precision <strong>{formatPercent(r.precision)}</strong>{ci(r.precision_ci)} · Recall <strong>{formatPercent(r.recall)}</strong>{ci(r.recall_ci)} · F1 {r.f1.toFixed(3)}
          </p>
          <p className="muted">Latency median {r.latency_ms.median.toFixed(0)} ms · p90 {r.latency_ms.p90.toFixed(0)} ms · p99 {r.latency_ms.p99.toFixed(0)} ms</p>
          <BarChart title="Latency (event − onset)" xLabel="ms" yLabel="events"
            labels={r.latency_ms.histogram.counts.map((_c, i) => String(Math.round(r.latency_ms.histogram.edges[i])))}
            values={r.latency_ms.histogram.counts} />
        </div>
      ))}
    </div>
  );
}
