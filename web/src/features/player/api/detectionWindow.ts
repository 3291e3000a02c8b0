// The player's view of detections: every row with t in [t0, t1), read
// through the same endpoint in pages of 1000 (a window of a few seconds
// holds at most some thousands of boxes).
import { useQuery } from '@tanstack/react-query';
import { detectionKeys, listDetections, NO_FILTER, type Detection } from '../../../lib/api/detections';

export const WINDOW_SECONDS = 5;
const MAX_PAGES = 20;

export async function fetchWindow(runId: number, t0: number, t1: number, signal?: AbortSignal): Promise<Detection[]> {
  const rows: Detection[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const page = await listDetections(runId, { ...NO_FILTER, t0, t1 }, cursor, 1000, signal);
    rows.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return rows;
}

/** Detections of the WINDOW_SECONDS-aligned window holding time t. */
export function useDetectionWindow(runId: number | null, t: number) {
  const t0 = Math.max(0, Math.floor(t / WINDOW_SECONDS) * WINDOW_SECONDS);
  const t1 = t0 + WINDOW_SECONDS;
  return useQuery({
    queryKey: detectionKeys.window(runId ?? 0, t0, t1),
    queryFn: ({ signal }) => fetchWindow(runId!, t0, t1, signal),
    enabled: runId != null && runId > 0,
    staleTime: Infinity,
    placeholderData: (prev) => prev,
  });
}
