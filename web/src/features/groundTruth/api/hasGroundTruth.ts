// GET /api/videos/{id}/ground-truth?limit=1 - whether the video has any
// ground truth at all, which decides the next step a page offers (make or
// import some before evaluating). Under the video's key, so an import,
// an edit or an auto ground truth refreshes it.
import { useQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { gtKeys, type GtBox } from '../../../lib/api/groundTruth';

export function useHasGroundTruth(videoId: number) {
  return useQuery({
    queryKey: [...gtKeys.video(videoId), 'any'],
    queryFn: async ({ signal }) =>
      (await api<Page<GtBox>>(`/api/videos/${videoId}/ground-truth` + query({ limit: 1 }), { signal })).items.length > 0,
    staleTime: 30_000,
  });
}
