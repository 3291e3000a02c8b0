// DetectionsPage.tsx - a run's detections: the run's totals and its
// model's class names (runs) and its video's frame size (videos) handed to
// the detections list, so the page is the app's.
import { useParams } from 'react-router';
import { useRunWithModel } from '../../features/runs/api/runModel';
import { useVideo } from '../../features/videos/api/video';
import { Detections } from '../../features/detections/components/Detections';
import { isNotFound, StateBadge } from '../../components/States';
import { NotFound, routeId } from '../../components/NotFound';
import { formatNumber } from '../../lib/format';

export default function DetectionsPage() {
  const runId = routeId(useParams().runId);
  return runId == null ? <NotFound what="run" /> : <RunDetections runId={runId} />;
}

function RunDetections({ runId }: { runId: number }) {
  const { run, classNames, model } = useRunWithModel(runId);
  const video = useVideo(run.data?.video_id ?? null);
  if (isNotFound(run.error)) return <NotFound what="run" />;
  const frameSize = video.data?.width && video.data?.height ? { w: video.data.width, h: video.data.height } : null;
  return (
    <Detections runId={runId} videoId={run.data?.video_id ?? null} frameSize={frameSize}
      classNames={classNames} numClasses={model?.num_classes ?? 80} fps={video.data?.fps || 30}
      subtitle={run.data && <>{formatNumber(run.data.detections_count)} detections in total · <StateBadge state={run.data.state} /></>} />
  );
}
