// PlayerPage.tsx - the player of a run: the run and its model's class
// names (runs), its video (videos) and the evaluation's per-frame outcomes
// (results) handed to the player, so the page is the app's. When the
// evaluation scored the model against boxes it made itself, the page says
// so above the TP / FP / FN strip, as every page showing the numbers does.
import { useParams, useSearchParams } from 'react-router';
import { useRunWithModel } from '../../features/runs/api/runModel';
import { useVideo } from '../../features/videos/api/video';
import { videoStreamUrl } from '../../features/videos/api/types';
import { useFrameOutcomes } from '../../features/results/api/frameOutcomes';
import { useEvaluation } from '../../features/results/api/evaluation';
import { SelfScoredNote } from '../../features/results/components/Provenance';
import { Player } from '../../features/player/components/Player';
import { ErrorState, isNotFound, Loading } from '../../components/States';
import { NotFound, routeId } from '../../components/NotFound';

export default function PlayerPage() {
  const runId = routeId(useParams().runId);
  return runId == null ? <NotFound what="run" /> : <RunPlayer runId={runId} />;
}

function RunPlayer({ runId }: { runId: number }) {
  const [params] = useSearchParams();
  const { run, classNames } = useRunWithModel(runId);
  const video = useVideo(run.data?.video_id ?? null);
  const outcomes = useFrameOutcomes(runId);
  const evaluation = useEvaluation(runId);
  if (isNotFound(run.error)) return <NotFound what="run" />;
  if (run.isError) return <ErrorState error={run.error} what="the run" retry={() => run.refetch()} />;
  if (video.isError) return <ErrorState error={video.error} what="the video" retry={() => video.refetch()} />;
  if (!run.data || !video.data) return <Loading label="Loading player…" />;
  return (
    <>
      {evaluation.data?.self_scored && <SelfScoredNote what="The TP / FP / FN marks" />}
      <Player runId={runId} every={run.data.every} video={video.data} src={videoStreamUrl(video.data.id)}
        classNames={classNames} startT={Number(params.get('t') ?? 0) || 0} outcomes={outcomes} />
    </>
  );
}
