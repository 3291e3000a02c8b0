// GET /api/runs/{id}/detections/classes?min_score=&t0=&t1= - the whole
// run's detections per class under the list's score and time filters (the
// class filter left out, so the chooser shows every class's count), from
// the server: loaded rows are a few pages of a list that may hold a
// million, and counts of those alone read as the run's.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from '../../../lib/http';
import { detectionKeys, type DetectionFilter } from '../../../lib/api/detections';

export interface ClassCounts {
  total: number;
  items: { class_id: number; count: number }[];
}

export function getClassCounts(runId: number, f: DetectionFilter, signal?: AbortSignal): Promise<ClassCounts> {
  return api<ClassCounts>(`/api/runs/${runId}/detections/classes` + query({
    min_score: f.minScore > 0 ? f.minScore : null, t0: f.t0, t1: f.t1,
  }), { signal });
}

export function useClassCounts(runId: number, f: DetectionFilter) {
  const key = { minScore: f.minScore, t0: f.t0, t1: f.t1 };
  return useQuery({
    queryKey: [...detectionKeys.run(runId), 'classes', key],
    queryFn: ({ signal }) => getClassCounts(runId, f, signal),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

/** Counts by class id, for the class chooser. */
export function countsById(c: ClassCounts | undefined): Map<number, number> {
  return new Map((c?.items ?? []).map((x) => [x.class_id, x.count]));
}
