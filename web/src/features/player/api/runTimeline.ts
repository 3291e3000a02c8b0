// GET /api/runs/{id}/timeline?buckets= - the whole run's detections and its
// video's ground truth counted per bucket of frames, computed by the
// server in one query (bounded: at most `buckets` numbers a row), so the
// strip shows the whole video at once instead of the windows played so
// far. Under the video's ground-truth key: an edit in the player or an
// import refreshes the ground-truth row.
import { useQuery } from '@tanstack/react-query';
import { api, query } from '../../../lib/http';
import { gtKeys } from '../../../lib/api/groundTruth';

export interface RunTimeline {
  run_id: number;
  frames: number;
  fps: number;
  every: number;
  buckets: number;
  frames_per_bucket: number;
  detections: number[];
  ground_truth: number[];
}

export const TIMELINE_BUCKETS = 600;

export function getRunTimeline(runId: number, signal?: AbortSignal): Promise<RunTimeline> {
  return api<RunTimeline>(`/api/runs/${runId}/timeline` + query({ buckets: TIMELINE_BUCKETS }), { signal });
}

export function useRunTimeline(runId: number, videoId: number) {
  return useQuery({
    queryKey: [...gtKeys.video(videoId), 'timeline', runId],
    queryFn: ({ signal }) => getRunTimeline(runId, signal),
    staleTime: 60_000,
  });
}
