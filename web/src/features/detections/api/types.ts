// types.ts - one detection row (the detections table) and the filters the
// detections endpoint understands.
import type { RowFilter } from '../../../lib/filterRows';

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

/** The frame the server can render for a detection's thumbnail. */
export const frameThumbnailUrl = (videoId: number, frame: number) => `/api/videos/${videoId}/thumbnail?frame=${frame}`;
