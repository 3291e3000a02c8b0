// Results.tsx - a run's evaluation: evaluate (again) at a score threshold,
// verdict, COCO summary, per-class table, PR and F1-vs-threshold curves,
// confusion matrix, comparison with another run, CSV/JSON export. The
// project's criteria and the choice of the run to compare with (the runs
// of the same video) are other features' data: the page
// (app/pages/ResultsPage) hands them in.
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useEvaluation } from '../api/evaluation';
import { useEvaluateRun } from '../api/evaluate';
import { COCO_STAT_NAMES, type Evaluation } from '../api/types';
import type { Criteria } from '../../../lib/types';
import { ClassTable } from './ClassTable';
import { ProvenanceCard, SelfScoredNote } from './Provenance';
import { ComparePanel } from './ComparePanel';
import { TideTable } from './TideTable';
import { FailureGallery } from './FailureGallery';
import { TrackingTable } from './TrackingTable';
import { classRows, CLASS_COLUMNS, verdict } from './metrics';
import { LineChart } from '../../../components/charts/LineChart';
import { Heatmap } from '../../../components/charts/Heatmap';
import { Badge, Empty, ErrorState, Loading, PageHeader } from '../../../components/States';
import { classColorOnPanel as classColor } from '../../../lib/classes';
import { download, toCsv } from '../../../lib/export';
import { ApiError, isMissingEndpoint } from '../../../lib/http';
import { formatDate, formatNumber } from '../../../lib/format';
import { useApiDefaults } from '../../../lib/apiDefaults';
import { errorText } from '../../../lib/errorText';

const MAX_CURVES = 8;

/** A curve's points without COCO's -1 ("undefined": no ground truth). */
function defined(x: readonly number[], y: readonly number[]) {
  const keep = x.map((_v, i) => i).filter((i) => x[i] >= 0 && y[i] >= 0);
  return { x: keep.map((i) => x[i]), y: keep.map((i) => y[i]) };
}

function Curves({ e }: { e: Evaluation }) {
  // Classes without ground truth have no curve worth drawing.
  const cs = e.results.classes.filter((c) => (c.pr_curve || c.f1_curve) && c.num_gt !== 0).slice(0, MAX_CURVES);
  if (!cs.length) return <p className="muted">This evaluation carries no curves.</p>;
  const best = cs.find((c) => c.best_threshold != null);
  return (
    <div className="grid-2">
      <LineChart title="Precision–recall" xLabel="recall" yLabel="precision" xDomain={[0, 1]} yDomain={[0, 1]}
        series={cs.filter((c) => c.pr_curve).map((c) => ({ label: c.class, color: classColor(c.class), ...defined(c.pr_curve!.recall, c.pr_curve!.precision) }))} />
      <LineChart title="F1 vs score threshold" xLabel="score threshold" yLabel="F1" xDomain={[0, 1]} yDomain={[0, 1]}
        marker={best ? { x: best.best_threshold!, label: `best ${best.class} ${best.best_threshold!.toFixed(2)}` } : undefined}
        series={cs.filter((c) => c.f1_curve).map((c) => ({ label: c.class, color: classColor(c.class), ...defined(c.f1_curve!.threshold, c.f1_curve!.f1) }))} />
    </div>
  );
}

interface EvaluateFormProps {
  runId: number;
  /** The run's video, where ground truth is made when there is none. */
  videoId: number | null;
  /** The threshold the form starts at; the server's default without it. */
  initial?: number | null;
  label?: string;
}

/** Evaluates the run at a score threshold (IoU 0.5, the protocol's). */
function EvaluateForm(props: EvaluateFormProps) {
  return props.initial != null ? <ScoreForm {...props} initial={props.initial} /> : <ScoreFormAtDefault {...props} />;
}

function ScoreFormAtDefault(props: EvaluateFormProps) {
  const defaults = useApiDefaults();
  if (defaults.isPending) return <Loading label="Loading evaluation defaults…" />;
  if (defaults.isError) return <ErrorState error={defaults.error} what="the evaluation defaults" retry={() => defaults.refetch()} />;
  return <ScoreForm {...props} initial={defaults.data.scoreThreshold} />;
}

/** Why the evaluation did not happen, and where to go when what is
 * missing is ground truth (the server refuses to score against none). */
function EvaluateError({ error, videoId }: { error: unknown; videoId: number | null }) {
  if (error instanceof ApiError && error.code === 'no_ground_truth') {
    return (
      <div className="form-error" role="alert">
        <p>This video has no ground truth on the frames this run looked at, so there is nothing to score it against.</p>
        {videoId != null && <p><Link className="btn btn-primary" to={`/videos/${videoId}#gt-title`}>Make or import ground truth</Link></p>}
      </div>
    );
  }
  return <p className="form-error" role="alert">{errorText(error)}</p>;
}

function ScoreForm({ runId, videoId, initial, label = 'Evaluate' }: EvaluateFormProps & { initial: number }) {
  const evaluate = useEvaluateRun(runId);
  const [score, setScore] = useState(initial);
  return (
    <form className="inline-form" aria-label="Evaluate the run" onSubmit={(ev) => { ev.preventDefault(); evaluate.mutate({ score }); }}>
      <label>Score threshold <input type="number" min={0} max={1} step={0.05} value={score} onChange={(ev) => setScore(Number(ev.target.value))} /></label>
      <button type="submit" className="btn btn-primary" disabled={evaluate.isPending}>{evaluate.isPending ? 'Evaluating…' : label}</button>
      {evaluate.error && <EvaluateError error={evaluate.error} videoId={videoId} />}
    </form>
  );
}

function NoEvaluation({ runId, videoId, error }: { runId: number; videoId: number | null; error: unknown }) {
  if (isMissingEndpoint(error)) return <ErrorState error={error} what="Evaluation" />;
  if (!(error instanceof ApiError && error.status === 404)) return <ErrorState error={error} what="the evaluation" />;
  return (
    <Empty title="This run has not been evaluated yet">
      <p>Next: evaluate it against the video's ground truth.</p>
      <EvaluateForm runId={runId} videoId={videoId} />
    </Empty>
  );
}

function exportAll(e: Evaluation, kind: 'csv' | 'json') {
  if (kind === 'json') download(`run-${e.run_id}-evaluation.json`, JSON.stringify(e, null, 2), 'application/json');
  else download(`run-${e.run_id}-metrics.csv`, toCsv([...CLASS_COLUMNS], classRows(e)), 'text/csv');
}

interface ResultsProps {
  runId: number;
  videoId: number | null;
  /** The project's pass/fail criteria, once it has loaded. */
  criteria: Criteria | undefined;
  /** Run B of the comparison, and the control that chooses it. */
  compareId: number | null;
  chooser: ReactNode;
}

export function Results({ runId, videoId, criteria, compareId, chooser }: ResultsProps) {
  const ev = useEvaluation(runId);
  const e = ev.data;
  const v = e ? verdict(e, criteria) : null;
  return (
    <>
      <PageHeader title={<>Results · run #{runId} {v && <Badge tone={v.pass ? 'ok' : 'bad'}>{v.pass ? 'PASS' : 'FAIL'}</Badge>}</>}
        subtitle={v?.reasons.length ? v.reasons.join('; ') : e ? `Evaluated ${formatDate(e.created_at)} · AVP ${e.manifest.avp_version ?? '?'}` : undefined}
        actions={<>
          <Link className="btn" to={`/runs/${runId}/player`}>Player</Link>
          <Link className="btn" to={`/runs/${runId}/detections`}>Detections</Link>
          <button type="button" className="btn" disabled={!e} onClick={() => e && exportAll(e, 'csv')}>Export CSV</button>
          <button type="button" className="btn" disabled={!e} onClick={() => e && exportAll(e, 'json')}>Export JSON</button>
        </>} />
      {ev.isPending ? <Loading label="Loading evaluation…" /> : ev.isError ? (
        <section className="card"><NoEvaluation runId={runId} videoId={videoId} error={ev.error} /></section>
      ) : e && (
        <>
          {e.self_scored && <SelfScoredNote />}
          {e.ground_truth && <ProvenanceCard gt={e.ground_truth} />}
          <section className="card" aria-label="COCO summary">
            {e.results.coco_stats && (
              <div className="stats">
                {e.results.coco_stats.map((s, i) => {
                  const name = e.results.coco_stat_names?.[i] ?? COCO_STAT_NAMES[i];
                  return <div key={name} className="stat"><span className="muted small">{name}</span><strong className="num">{s == null || s < 0 ? '—' : s.toFixed(3)}</strong></div>;
                })}
              </div>
            )}
            <p className="muted small">
              Score threshold {e.manifest.score_threshold ?? '?'} · IoU {e.manifest.iou_threshold ?? 0.5}
              {e.results.num_images != null && <> · {formatNumber(e.results.num_images)} frames, {formatNumber(e.results.num_gt)} ground-truth boxes, {formatNumber(e.results.num_det)} detections</>}
            </p>
            <EvaluateForm runId={runId} videoId={videoId} initial={e.manifest.score_threshold} label="Evaluate again" key={e.id} />
          </section>
          <section className="card" aria-labelledby="per-class">
            <h2 id="per-class">Per class</h2>
            <ClassTable classes={e.results.classes} overall={e.results.overall} />
          </section>
          {e.results.tide && (
            <section className="card" aria-labelledby="tide-title">
              <h2 id="tide-title">Error types</h2>
              <TideTable tide={e.results.tide} />
            </section>
          )}
          {e.results.tide && (
            <section className="card" aria-labelledby="failures-title">
              <h2 id="failures-title">Worst failures</h2>
              <FailureGallery runId={runId} evaluationId={e.id} classes={e.results.tide.per_class.map((c) => c.name)} />
            </section>
          )}
          {e.results.tracking && (
            <section className="card" aria-labelledby="tracking-title">
              <h2 id="tracking-title">Tracking</h2>
              <TrackingTable tracking={e.results.tracking} />
            </section>
          )}
          <section className="card" aria-label="Curves"><Curves e={e} /></section>
          {e.results.confusion && (
            <section className="card"><Heatmap title="Confusion matrix" labels={e.results.confusion.labels} matrix={e.results.confusion.matrix} /></section>
          )}
        </>
      )}
      <section className="card" aria-labelledby="compare-title">
        <h2 id="compare-title">Compare with another run</h2>
        {chooser}
        {compareId != null && <ComparePanel runId={runId} otherId={compareId} />}
      </section>
    </>
  );
}
