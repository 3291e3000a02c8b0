// CompareTable.tsx - run B minus run A per class; better is green.
import type { Delta } from './metrics';

function D({ v }: { v: number | null }) {
  if (v == null) return <td className="num muted">—</td>;
  const cls = Math.abs(v) < 5e-4 ? 'muted' : v > 0 ? 'good' : 'bad';
  return <td className={`num ${cls}`}>{v > 0 ? '+' : ''}{v.toFixed(3)}</td>;
}

export function CompareTable({ deltas, a, b }: { deltas: Delta[]; a: number; b: number }) {
  return (
    <table className="table metrics-table">
      <caption className="muted small">Run #{b} minus run #{a}</caption>
      <thead>
        <tr><th scope="col">Class</th><th scope="col">F1 A</th><th scope="col">F1 B</th><th scope="col">Δ precision</th><th scope="col">Δ recall</th><th scope="col">Δ F1</th><th scope="col">Δ AP50</th></tr>
      </thead>
      <tbody>
        {deltas.map((d) => (
          <tr key={d.class}>
            <th scope="row">{d.class}</th>
            <td className="num">{d.a ? d.a.f1.toFixed(3) : '—'}</td>
            <td className="num">{d.b ? d.b.f1.toFixed(3) : '—'}</td>
            <D v={d.dPrecision} /><D v={d.dRecall} /><D v={d.dF1} /><D v={d.dAp50} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
