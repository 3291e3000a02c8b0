// TestSessionResultsView.tsx - a session scored: the verdict, precision and
// recall with their bootstrap 95 % intervals, counts, the latency
// histogram and the per-class table. Every number may be null (undefined:
// nothing to divide by); it then reads "—".
import type { TestSessionResults } from '../api/types';
import { BarChart } from '../../../components/charts/BarChart';
import { Badge } from '../../../components/States';
import { formatNumber, formatPercent } from '../../../lib/format';

const ms = (x: number | null | undefined) => (x == null ? '—' : `${Math.round(x)} ms`);
const f3 = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(3));

function Ci({ ci }: { ci?: [number | null, number | null] | null }) {
  if (!ci || ci[0] == null || ci[1] == null) return null;
  return <span className="muted small">95 % CI {formatPercent(ci[0])} – {formatPercent(ci[1])}</span>;
}

export function Verdict({ r }: { r: TestSessionResults }) {
  if (r.pass == null) return <Badge tone="muted">no criteria</Badge>;
  return <Badge tone={r.pass ? 'ok' : 'bad'}>{r.pass ? 'PASS' : 'FAIL'}</Badge>;
}

function criteriaText(r: TestSessionResults): string | null {
  const c = r.criteria;
  if (!c) return null;
  const parts = [
    c.min_precision != null && `precision ≥ ${c.min_precision}`,
    c.min_recall != null && `recall ≥ ${c.min_recall}`,
    c.max_median_latency_ms != null && `median latency ≤ ${c.max_median_latency_ms} ms`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : null;
}

export function TestSessionResultsView({ r }: { r: TestSessionResults }) {
  const h = r.latency_ms.histogram;
  const crit = criteriaText(r);
  return (
    <>
      <section className="card" aria-label="Session results">
        <p className="verdict"><Verdict r={r} />{r.fail_reason && <span className="bad"> {r.fail_reason}</span>}{crit && <span className="muted small"> Criteria: {crit}</span>}</p>
        <div className="stats">
          <div className="stat"><span className="muted small">Precision</span><strong className="num" data-testid="session-precision">{formatPercent(r.precision)}</strong><Ci ci={r.precision_ci} /></div>
          <div className="stat"><span className="muted small">Recall</span><strong className="num" data-testid="session-recall">{formatPercent(r.recall)}</strong><Ci ci={r.recall_ci} /></div>
          <div className="stat"><span className="muted small">F1</span><strong className="num">{f3(r.f1)}</strong></div>
          <div className="stat"><span className="muted small">TP / FP / FN</span><strong className="num">{formatNumber(r.tp)} / {formatNumber(r.fp)} / {formatNumber(r.fn)}</strong></div>
          <div className="stat"><span className="muted small">Targets · events</span><strong className="num">{formatNumber(r.targets)} · {formatNumber(r.events)}</strong></div>
          <div className="stat"><span className="muted small">Latency median / p90 / p99</span><strong className="num">{ms(r.latency_ms.median)} / {ms(r.latency_ms.p90)} / {ms(r.latency_ms.p99)}</strong></div>
        </div>
      </section>
      <div className="grid-2">
        <section className="card" aria-label="Latency">
          {h.counts.length ? (
            <BarChart title="Latency (event − target onset)" xLabel="ms" yLabel="events"
              labels={h.counts.map((_c, i) => String(Math.round(h.edges[i] ?? 0)))} values={h.counts} />
          ) : <p className="muted">No matched event yet, so no latency.</p>}
        </section>
        <section className="card" aria-labelledby="session-classes">
          <h2 id="session-classes">Per class</h2>
          {r.classes?.length ? (
            <div className="table-scroll">
              <table className="table metrics-table">
                <thead><tr><th scope="col">Class</th><th scope="col">TP</th><th scope="col">FP</th><th scope="col">FN</th><th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th><th scope="col">Median latency</th></tr></thead>
                <tbody>
                  {r.classes.map((c) => (
                    <tr key={c.class}>
                      <th scope="row">{c.class}</th>
                      <td className="num">{formatNumber(c.tp)}</td><td className="num">{formatNumber(c.fp)}</td><td className="num">{formatNumber(c.fn)}</td>
                      <td className="num">{f3(c.precision)}</td><td className="num">{f3(c.recall)}</td><td className="num">{f3(c.f1)}</td>
                      <td className="num">{ms(c.latency_ms?.median)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : <p className="muted">No class scored yet.</p>}
        </section>
      </div>
    </>
  );
}
