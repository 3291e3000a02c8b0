// GET /api/runs/{id}/detections?cursor=&limit=&class=&min_score=&t0=&t1=
// Keyset pages of 50 rows; the filters are the query key, so changing one
// starts a new list while the old one stays cached and, until the new
// first page arrives, on screen (keepPreviousData). The detections list
// and the player's windows both read it, so the endpoint is lib's.
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../http';
import type { RowFilter } from '../filterRows';

/** One detection row (the detections table). */
export interface Detection {
  id?: number;
  frame: number;
  t: number;
  class_id: number;
  score: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The endpoint takes the filters the worker applies to loaded rows. */
export type DetectionFilter = RowFilter;

export const NO_FILTER: DetectionFilter = { classId: null, minScore: 0, t0: null, t1: null };

export const detectionKeys = {
  all: ['detections'] as const,
  run: (runId: number) => [...detectionKeys.all, runId] as const,
  list: (runId: number, f: DetectionFilter) => [...detectionKeys.run(runId), 'list', f] as const,
  window: (runId: number, t0: number, t1: number) => [...detectionKeys.run(runId), 'window', t0, t1] as const,
};

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

/** The frame the server can render for a detection's thumbnail. */
export const frameThumbnailUrl = (videoId: number, frame: number) => `/api/videos/${videoId}/thumbnail?frame=${frame}`;
