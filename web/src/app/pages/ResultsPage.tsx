// ResultsPage.tsx - a run's evaluation (results) judged by its project's
// criteria (projects, through the run's video) and compared with another
// run of the same video (runs), chosen here and kept in the URL
// (?compare=), so the page is the app's.
import { useParams, useSearchParams } from 'react-router';
import { useRun } from '../../features/runs/api/run';
import { useRuns } from '../../features/runs/api/runs';
import { DamageNote } from '../../features/runs/components/DamageNote';
import { useVideo } from '../../features/videos/api/video';
import { useProject } from '../../features/projects/api/project';
import { Results } from '../../features/results/components/Results';
import { ErrorState, isNotFound, Loading } from '../../components/States';
import { NotFound, routeId } from '../../components/NotFound';

/** The other runs of the same video (only those can be compared). */
function CompareChooser({ videoId, runId, value, onChange }: { videoId: number; runId: number; value: number | null; onChange: (id: number | null) => void }) {
  const runs = useRuns(videoId);
  const others = (runs.data?.pages.flatMap((p) => p.items) ?? []).filter((r) => r.id !== runId);
  if (runs.isError) return <ErrorState error={runs.error} what="the runs of this video" />;
  return (
    <div className="inline-form">
      <label>
        Run B (same video, evaluated)
        <select value={value ?? ''} onChange={(x) => onChange(Number(x.target.value) || null)} disabled={runs.isPending}>
          <option value="">{runs.isPending ? 'Loading…' : others.length ? 'Choose a run' : 'No other run of this video'}</option>
          {value != null && !others.some((r) => r.id === value) && <option value={value}>run #{value}</option>}
          {others.map((r) => <option key={r.id} value={r.id}>run #{r.id}{r.kind === 'auto_gt' ? ' (auto ground truth)' : ''} · {r.state} · conf {r.conf.toFixed(2)} · every {r.every}</option>)}
        </select>
      </label>
    </div>
  );
}

export default function ResultsPage() {
  const runId = routeId(useParams().runId);
  return runId == null ? <NotFound what="run" /> : <RunResults runId={runId} />;
}

function RunResults({ runId }: { runId: number }) {
  const [params, setParams] = useSearchParams();
  const compareId = Number(params.get('compare')) || null;
  const run = useRun(runId);
  const video = useVideo(run.data?.video_id ?? null);
  const project = useProject(video.data?.project_id ?? 0);
  const setCompare = (id: number | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('compare', String(id));
    else next.delete('compare');
    setParams(next, { replace: true });
  };
  if (isNotFound(run.error)) return <NotFound what="run" />;
  return (
    <>
    {run.data?.damage && <DamageNote damage={run.data.damage} />}
    <Results runId={runId} videoId={run.data?.video_id ?? null} criteria={project.data?.criteria} compareId={compareId}
      chooser={run.data ? <CompareChooser videoId={run.data.video_id} runId={runId} value={compareId} onChange={setCompare} /> : <Loading />} />
    </>
  );
}
