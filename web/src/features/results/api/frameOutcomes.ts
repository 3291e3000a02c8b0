// GET /api/runs/{id}/evaluation/frames - per-frame TP/FP/FN counts of the
// latest evaluation (the player's timeline strip); 404 "not_evaluated"
// when the run has none.
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../../lib/http';
import { resultKeys } from './types';
import type { FrameOutcome } from '../../../lib/types';

export async function getFrameOutcomes(runId: number, signal?: AbortSignal): Promise<FrameOutcome[]> {
  const r = await api<Page<FrameOutcome>>(`/api/runs/${runId}/evaluation/frames`, { signal });
  return r.items;
}

export function useFrameOutcomes(runId: number | null) {
  return useQuery({
    queryKey: resultKeys.frames(runId ?? 0),
    queryFn: ({ signal }) => getFrameOutcomes(runId!, signal),
    enabled: runId != null && runId > 0,
    retry: false,
    staleTime: 60_000,
  });
}
