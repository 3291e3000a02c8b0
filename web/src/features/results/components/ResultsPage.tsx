// ResultsPage.tsx - a run's evaluation: verdict, COCO summary, per-class
// table, PR and F1-vs-threshold curves, confusion matrix, comparison with
// another run (?compare=), device sessions (?session=), CSV/JSON export.
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useEvaluation } from '../api/evaluation';
import { useEvaluateRun } from '../api/evaluate';
import { COCO_STAT_NAMES, type Evaluation } from '../api/types';
import { useRun } from '../../runs/api/run';
import { useVideo } from '../../videos/api/video';
import { useProject } from '../../projects/api/project';
import { ClassTable } from './ClassTable';
import { CompareTable } from './CompareTable';
import { SessionPanel } from './SessionPanel';
import { classRows, CLASS_COLUMNS, compareRuns, verdict } from './metrics';
import { LineChart } from '../../../components/charts/LineChart';
import { Heatmap } from '../../../components/charts/Heatmap';
import { Badge, Empty, ErrorState, Loading, PageHeader } from '../../../components/States';
import { classColor } from '../../../lib/classes';
import { download, toCsv } from '../../../lib/export';
import { ApiError, isMissingEndpoint } from '../../../lib/http';
import { formatDate } from '../../../lib/format';

const MAX_CURVES = 8;

function Curves({ e }: { e: Evaluation }) {
  const cs = e.results.classes.filter((c) => c.pr_curve || c.f1_curve).slice(0, MAX_CURVES);
  if (!cs.length) return <p className="muted">This evaluation carries no curves.</p>;
  const best = cs.find((c) => c.best_threshold != null);
  return (
    <div className="grid-2">
      <LineChart title="Precision–recall" xLabel="recall" yLabel="precision" xDomain={[0, 1]} yDomain={[0, 1]}
        series={cs.filter((c) => c.pr_curve).map((c) => ({ label: c.class, color: classColor(c.class), x: c.pr_curve!.recall, y: c.pr_curve!.precision }))} />
      <LineChart title="F1 vs score threshold" xLabel="score threshold" yLabel="F1" xDomain={[0, 1]} yDomain={[0, 1]}
        marker={best ? { x: best.best_threshold!, label: `best ${best.class} ${best.best_threshold!.toFixed(2)}` } : undefined}
        series={cs.filter((c) => c.f1_curve).map((c) => ({ label: c.class, color: classColor(c.class), x: c.f1_curve!.threshold, y: c.f1_curve!.f1 }))} />
    </div>
  );
}

function NoEvaluation({ runId, error }: { runId: number; error: unknown }) {
  const evaluate = useEvaluateRun(runId);
  const [score, setScore] = useState(0.5);
  if (isMissingEndpoint(error)) return <ErrorState error={error} what="Evaluation" />;
  if (!(error instanceof ApiError && error.status === 404)) return <ErrorState error={error} what="the evaluation" />;
  return (
    <Empty title="This run has not been evaluated yet">
      <p>Evaluate it against the video's ground truth.</p>
      <form className="inline-form" onSubmit={(ev) => { ev.preventDefault(); evaluate.mutate({ score, iou: 0.5 }); }}>
        <label>Score threshold <input type="number" min={0} max={1} step={0.05} value={score} onChange={(ev) => setScore(Number(ev.target.value))} /></label>
        <button type="submit" className="btn btn-primary" disabled={evaluate.isPending}>Evaluate</button>
      </form>
      {evaluate.isSuccess && <p role="status">Evaluation started; this page updates when it is stored.</p>}
      {evaluate.error && <p className="form-error" role="alert">{evaluate.error.message}{isMissingEndpoint(evaluate.error) ? ' (not available on this server yet)' : ''}</p>}
    </Empty>
  );
}

function exportAll(e: Evaluation, kind: 'csv' | 'json') {
  if (kind === 'json') download(`run-${e.run_id}-evaluation.json`, JSON.stringify(e, null, 2), 'application/json');
  else download(`run-${e.run_id}-metrics.csv`, toCsv([...CLASS_COLUMNS], classRows(e)), 'text/csv');
}

export default function ResultsPage() {
  const runId = Number(useParams().runId);
  const [params, setParams] = useSearchParams();
  const compareId = Number(params.get('compare')) || null;
  const sessionId = Number(params.get('session')) || null;
  const run = useRun(runId);
  const video = useVideo(run.data?.video_id ?? null);
  const project = useProject(video.data?.project_id ?? 0);
  const ev = useEvaluation(runId);
  const other = useEvaluation(compareId);
  const [compareInput, setCompareInput] = useState(compareId ? String(compareId) : '');
  const setParam = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const e = ev.data;
  const v = e ? verdict(e, project.data?.criteria) : null;
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
        <section className="card"><NoEvaluation runId={runId} error={ev.error} /></section>
      ) : e && (
        <>
          {e.results.coco_stats && (
            <section className="card" aria-label="COCO summary">
              <div className="stats">
                {e.results.coco_stats.map((s, i) => (
                  <div key={COCO_STAT_NAMES[i]} className="stat"><span className="muted small">{COCO_STAT_NAMES[i]}</span><strong className="num">{s.toFixed(3)}</strong></div>
                ))}
              </div>
            </section>
          )}
          <section className="card" aria-labelledby="per-class">
            <h2 id="per-class">Per class</h2>
            <ClassTable classes={e.results.classes} overall={e.results.overall} />
          </section>
          <section className="card" aria-label="Curves"><Curves e={e} /></section>
          {e.results.confusion && (
            <section className="card"><Heatmap title="Confusion matrix" labels={e.results.confusion.labels} matrix={e.results.confusion.matrix} /></section>
          )}
        </>
      )}
      <section className="card" aria-labelledby="compare-title">
        <h2 id="compare-title">Compare with another run</h2>
        <form className="inline-form" onSubmit={(x) => { x.preventDefault(); setParam('compare', compareInput || null); }}>
          <label>Run id <input type="number" min={1} value={compareInput} onChange={(x) => setCompareInput(x.target.value)} /></label>
          <button type="submit" className="btn">Compare</button>
        </form>
        {compareId != null && (other.isPending ? <Loading /> : other.isError ? <ErrorState error={other.error} what={`the evaluation of run #${compareId}`} />
          : e && other.data && <CompareTable deltas={compareRuns(e, other.data)} a={runId} b={compareId} />)}
      </section>
      <section className="card" aria-labelledby="devices-title">
        <h2 id="devices-title">Devices under test</h2>
        {video.data ? <SessionPanel projectId={video.data.project_id} sessionId={sessionId} onSelect={(id) => setParam('session', String(id))} /> : <Loading />}
      </section>
    </>
  );
}
