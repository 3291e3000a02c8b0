// GET /api/runs/{a}/compare/{b} - the latest evaluations of two runs of the
// same video side by side: overall and per-class deltas (b - a) and the
// frames where one run has an FP or FN the other has not. 409 when the runs
// are on different videos or one is not evaluated.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { resultKeys, type Comparison } from './types';

export function getComparison(a: number, b: number, signal?: AbortSignal): Promise<Comparison> {
  return api<Comparison>(`/api/runs/${a}/compare/${b}`, { signal });
}

export function useComparison(a: number, b: number | null) {
  return useQuery({
    queryKey: resultKeys.compare(a, b ?? 0),
    queryFn: ({ signal }) => getComparison(a, b!, signal),
    enabled: a > 0 && b != null && b > 0 && a !== b,
    retry: false,
  });
}
