// GET /api/runs/{id}/detections?cursor=&limit=&class=&min_score=&t0=&t1=
// Keyset pages of 50 rows; the filters are the query key, so changing one
// starts a new list while the old one stays cached and, until the new
// first page arrives, on screen (keepPreviousData).
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { detectionKeys, type Detection, type DetectionFilter } from './types';

export const DETECTIONS_PAGE = 50;

export function listDetections(runId: number, f: DetectionFilter, cursor: string | null, limit = DETECTIONS_PAGE,
  signal?: AbortSignal): Promise<Page<Detection>> {
  return api<Page<Detection>>(`/api/runs/${runId}/detections` + query({
    cursor, limit, class: f.classId, min_score: f.minScore > 0 ? f.minScore : null, t0: f.t0, t1: f.t1,
  }), { signal });
}

export function useDetections(runId: number, f: DetectionFilter) {
  return useInfiniteQuery({
    queryKey: detectionKeys.list(runId, f),
    queryFn: ({ pageParam, signal }) => listDetections(runId, f, pageParam, DETECTIONS_PAGE, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
}

export const ndjsonUrl = (runId: number) => `/api/runs/${runId}/detections.ndjson`;
