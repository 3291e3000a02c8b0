// ComparePanel.tsx - run A (this page) against run B on the same video,
// from the server's comparison: overall and per-class deltas (B - A, better
// is green) and the frames where one run has an FP or FN the other has not,
// each a link into the player of either run at that frame.
import { useState } from 'react';
import { Link } from 'react-router';
import { useComparison } from '../api/compare';
import { useEvaluation } from '../api/evaluation';
import { TideCompare } from './TideTable';
import { TrackingCompare } from './TrackingTable';
import type { Comparison, MetricDeltas, Overall } from '../api/types';
import { ErrorState, Loading } from '../../../components/States';
import { ApiError } from '../../../lib/http';
import { errorText } from '../../../lib/errorText';
import { formatDuration, formatNumber } from '../../../lib/format';

const METRICS = ['precision', 'recall', 'f1', 'ap50', 'map'] as const;
const FRAMES_PAGE = 100;

function D({ v }: { v: number | null | undefined }) {
  if (v == null) return <td className="num muted">—</td>;
  const cls = Math.abs(v) < 5e-4 ? 'muted' : v > 0 ? 'good' : 'bad';
  return <td className={`num ${cls}`}>{v > 0 ? '+' : ''}{v.toFixed(3)}</td>;
}

const v3 = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(3));

function OverallTable({ c }: { c: Comparison }) {
  const row = (label: string, o: Overall, self?: boolean) => (
    <tr><th scope="row">{label}{self && <> <span className="badge badge-warn">scored against its own output</span></>}</th>{METRICS.map((m) => <td key={m} className="num">{v3(o[m])}</td>)}</tr>
  );
  return (
    <table className="table metrics-table compare-overall">
      <caption className="sr-only">Overall metrics of both runs</caption>
      <thead><tr><th scope="col">Run</th>{METRICS.map((m) => <th key={m} scope="col">{m}</th>)}</tr></thead>
      <tbody>
        {row(`A · run #${c.a.run_id}`, c.a.overall, c.a.self_scored)}
        {row(`B · run #${c.b.run_id}`, c.b.overall, c.b.self_scored)}
        <tr><th scope="row">Δ B − A</th>{METRICS.map((m) => <D key={m} v={c.delta.overall[m as keyof MetricDeltas]} />)}</tr>
      </tbody>
    </table>
  );
}

function ClassDeltas({ c }: { c: Comparison }) {
  if (!c.delta.classes.length) return null;
  return (
    <table className="table metrics-table">
      <caption className="muted small">Per class, run #{c.b.run_id} minus run #{c.a.run_id}</caption>
      <thead><tr><th scope="col">Class</th>{METRICS.map((m) => <th key={m} scope="col">Δ {m}</th>)}</tr></thead>
      <tbody>
        {c.delta.classes.map((d) => (
          <tr key={d.class}><th scope="row">{d.class}</th>{METRICS.map((m) => <D key={m} v={d[m]} />)}</tr>
        ))}
      </tbody>
    </table>
  );
}

const outcome = (o: { tp: number; fp: number; fn: number }) => `${o.tp} / ${o.fp} / ${o.fn}`;

export function FrameDiffs({ c }: { c: Comparison }) {
  const [shown, setShown] = useState(FRAMES_PAGE);
  if (!c.frames.length) return <p className="muted">No frame where the two runs differ in false positives or misses.</p>;
  const player = (run: number, t: number) => `/runs/${run}/player?t=${t.toFixed(3)}`;
  return (
    <>
      <h3>Frames that differ ({formatNumber(c.frames.length)}{c.frames_truncated ? ', first ones only' : ''})</h3>
      <div className="table-scroll frame-diffs">
        <table className="table">
          <thead><tr><th scope="col">Frame</th><th scope="col">Time</th><th scope="col">A TP / FP / FN</th><th scope="col">B TP / FP / FN</th><th scope="col">Open</th></tr></thead>
          <tbody>
            {c.frames.slice(0, shown).map((f) => (
              <tr key={f.frame}>
                <td className="num">{f.frame}</td>
                <td className="num">{formatDuration(f.t, 2)}</td>
                <td className="num">{outcome(f.a)}</td>
                <td className="num">{outcome(f.b)}</td>
                <td className="links">
                  <Link to={player(c.a.run_id, f.t)} aria-label={`Frame ${f.frame} in run A`}>A</Link>
                  <Link to={player(c.b.run_id, f.t)} aria-label={`Frame ${f.frame} in run B`}>B</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown < c.frames.length && (
        <button type="button" className="btn load-more" onClick={() => setShown((n) => n + FRAMES_PAGE)}>
          Show {Math.min(FRAMES_PAGE, c.frames.length - shown)} more
        </button>
      )}
    </>
  );
}

/** The error types and tracking metrics of both runs, from their stored
 * evaluations (the comparison carries only the COCO numbers). */
function TaxonomyCompare({ c }: { c: Comparison }) {
  const a = useEvaluation(c.a.run_id).data?.results, b = useEvaluation(c.b.run_id).data?.results;
  return (
    <>
      {a?.tide && b?.tide && <><h3>Error types</h3><TideCompare a={a.tide} b={b.tide} runA={c.a.run_id} runB={c.b.run_id} /></>}
      {(a?.tracking || b?.tracking) && <><h3>Tracking</h3><TrackingCompare a={a?.tracking} b={b?.tracking} runA={c.a.run_id} runB={c.b.run_id} /></>}
    </>
  );
}

export function ComparePanel({ runId, otherId }: { runId: number; otherId: number }) {
  const cmp = useComparison(runId, otherId);
  if (otherId === runId) return <p className="muted">Choose another run than this one.</p>;
  if (cmp.isPending) return <Loading label="Comparing…" />;
  if (cmp.isError) {
    const e = cmp.error;
    // A run without an evaluation: say which and where to evaluate it.
    if (e instanceof ApiError && e.code === 'not_evaluated') {
      const other = /run (\d+)/.exec(e.message)?.[1] ?? String(otherId);
      return (
        <p className="form-error" role="alert">
          Run #{other} has not been evaluated yet, so there is nothing to compare. <Link to={`/runs/${other}/results`}>Evaluate run #{other}</Link>, then come back.
        </p>
      );
    }
    if (e instanceof ApiError && e.status === 409) return <p className="form-error" role="alert">{errorText(e)}</p>;
    return <ErrorState error={e} what="Run comparison" />;
  }
  return (
    <>
      <OverallTable c={cmp.data} />
      <ClassDeltas c={cmp.data} />
      <TaxonomyCompare c={cmp.data} />
      <FrameDiffs c={cmp.data} />
    </>
  );
}
