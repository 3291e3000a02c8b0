// GET /api/runs/{id}/evaluation/failures?type=&class=&cursor=&limit= - the
// failure gallery of the run's latest evaluation (its worst errors of each
// TIDE type per class, by type then worst first), a page at a time;
// GET .../failures/{id}/crop is each one's JPEG crop (server-made).
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { resultKeys, type TideType } from './types';

export const FAILURES_PAGE = 24;

/** Boxes are [x1, y1, x2, y2]; box and score are null for a Miss, gt_box
 * for a Bkg error, iou for both. */
export interface Failure {
  id: number;
  evaluation_id: number;
  type: TideType;
  class: string;
  frame: number;
  t: number | null;
  box: [number, number, number, number] | null;
  score: number | null;
  gt_box: [number, number, number, number] | null;
  iou: number | null;
}

export interface FailureFilter {
  type: TideType | null;
  cls: string | null;
}

export function listFailures(runId: number, f: FailureFilter, cursor: string | null, signal?: AbortSignal) {
  return api<Page<Failure>>(`/api/runs/${runId}/evaluation/failures` +
    query({ type: f.type, class: f.cls, cursor, limit: FAILURES_PAGE }), { signal });
}

export const failureCropUrl = (runId: number, id: number) => `/api/runs/${runId}/evaluation/failures/${id}/crop`;

/** evaluationId keys the cache: a new evaluation is a new gallery. */
export function useFailures(runId: number, evaluationId: number, f: FailureFilter) {
  return useInfiniteQuery({
    queryKey: [...resultKeys.evaluation(runId), 'failures', evaluationId, f.type, f.cls],
    queryFn: ({ pageParam, signal }) => listFailures(runId, f, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
