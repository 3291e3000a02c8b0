// GET/PUT /api/videos/{id}/evaluation-rules - the video's (camera's) own
// evaluation rules {rules: {ignore_regions?, min_box_size?,
// max_detections?} | null}, which an evaluation uses over the project's.
// The player draws and saves the ignore regions (polygons of [x, y] in the
// displayed picture's pixels); the other rules are kept as they are.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';

export type Point = [number, number];

export interface EvaluationRules {
  ignore_regions?: Point[][];
  min_box_size?: number;
  max_detections?: number;
}

const rulesKey = (videoId: number) => ['evaluation-rules', 'video', videoId] as const;

export function useVideoRules(videoId: number) {
  return useQuery({
    queryKey: rulesKey(videoId),
    queryFn: ({ signal }) => api<{ rules: EvaluationRules | null }>(`/api/videos/${videoId}/evaluation-rules`, { signal }),
    retry: false,
  });
}

/** Saves the regions, keeping the video's other rules. */
export function useSaveRegions(videoId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (a: { rules: EvaluationRules | null; regions: Point[][] }) => {
      const { ignore_regions: _old, ...rest } = a.rules ?? {};
      const rules = a.regions.length ? { ...rest, ignore_regions: a.regions } : rest;
      return api<{ rules: EvaluationRules | null }>(`/api/videos/${videoId}/evaluation-rules`, { method: 'PUT', body: { rules } });
    },
    onSuccess: (r) => qc.setQueryData(rulesKey(videoId), r),
  });
}
