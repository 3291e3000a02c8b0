// VideoPage.tsx - one video: its facts, a form to start a run, the run in
// progress (task id in the URL, so a reload keeps watching), all runs and
// its ground truth (auto ground truth, exports): videos, runs and ground
// truth together, so the page is the app's.
import { Link, useParams, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useVideo } from '../../features/videos/api/video';
import { videoThumbnailUrl } from '../../features/videos/api/types';
import { useTaskStatus } from '../../features/runs/api/taskStatus';
import { runKeys } from '../../features/runs/api/types';
import { StartRunForm } from '../../features/runs/components/StartRunForm';
import { TaskProgress } from '../../features/runs/components/TaskProgress';
import { RunsList } from '../../features/runs/components/RunsList';
import { GroundTruthCard } from '../../features/groundTruth/components/GroundTruthCard';
import { ErrorState, isNotFound, Loading, PageHeader, StateBadge } from '../../components/States';
import { NotFound, routeId } from '../../components/NotFound';
import { LazyImage } from '../../components/LazyImage';
import { VideoNextStep } from './VideoNextStep';
import { ModelUploadForm } from '../../features/models/components/ModelUploadForm';
import { formatBytes, formatDuration } from '../../lib/format';
import { frameCountText } from '../../features/videos/frameCount';

/** The ground-truth card, its auto ground truth followed as a run and
 * listed with the video's runs. */
export function VideoGroundTruth({ videoId }: { videoId: number }) {
  const qc = useQueryClient();
  return <GroundTruthCard videoId={videoId} progress={(t, onFinal) => <TaskProgress taskId={t} onFinal={onFinal} />}
    onRunStarted={() => void qc.invalidateQueries({ queryKey: runKeys.byVideo(videoId) })} />;
}

export default function VideoPage() {
  const id = routeId(useParams().videoId);
  return id == null ? <NotFound what="video" /> : <Video id={id} />;
}

function Video({ id }: { id: number }) {
  const [params, setParams] = useSearchParams();
  const taskId = params.get('task') ? Number(params.get('task')) : null;
  const video = useVideo(id);
  const task = useTaskStatus(taskId, false);
  if (video.isPending) return <Loading label="Loading video…" />;
  if (isNotFound(video.error)) return <NotFound what="video" />;
  if (video.isError) return <ErrorState error={video.error} what="the video" retry={() => video.refetch()} />;
  const v = video.data;
  const runId = task.data?.run_id;
  return (
    <>
      <PageHeader title={v.filename} subtitle={<Link to={`/projects/${v.project_id}`}>← Project</Link>} actions={<StateBadge state={v.status} />} />
      <section className="card video-facts">
        <LazyImage src={videoThumbnailUrl(v.id)} alt={`First frame of ${v.filename}`} width={192} height={108} />
        <dl className="meta">
          <div><dt>Duration</dt><dd>{formatDuration(v.duration, 1)}</dd></div>
          <div><dt>Resolution</dt><dd>{v.width}×{v.height}{v.rotation || v.mirrored ? ` (stored ${v.stored_width}×${v.stored_height}, turned ${v.rotation}°${v.mirrored ? ', mirrored' : ''})` : ''}</dd></div>
          <div><dt>Frame rate</dt><dd>{v.fps ? `${v.fps.toFixed(2)} fps` : '—'}</dd></div>
          <div><dt>Frames</dt><dd>{frameCountText(v)}</dd></div>
          <div><dt>Codec</dt><dd>{v.codec ?? '—'}</dd></div>
          <div><dt>Size</dt><dd>{formatBytes(v.size_bytes)}</dd></div>
        </dl>
      </section>
      <VideoNextStep videoId={id} />
      <section className="card" aria-labelledby="process-title">
        <h2 id="process-title">Process</h2>
        <details className="add-model"><summary>Add a model</summary><ModelUploadForm /></details>
        <StartRunForm videoId={id} onStarted={(t) => setParams((p) => { const n = new URLSearchParams(p); n.set('task', String(t)); return n; })} />
        {taskId != null && (
          <div className="current-task">
            <h3>Task #{taskId}</h3>
            <TaskProgress taskId={taskId} />
            {runId && (
              <p className="links">
                <Link to={`/runs/${runId}/detections`}>Browse detections</Link>
                <Link to={`/runs/${runId}/player`}>Open player</Link>
                <Link to={`/runs/${runId}/results`}>Results</Link>
              </p>
            )}
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="runs-title">
        <h2 id="runs-title">Runs</h2>
        <RunsList videoId={id} />
      </section>
      <VideoGroundTruth videoId={id} />
    </>
  );
}
