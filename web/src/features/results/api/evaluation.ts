// GET /api/runs/{id}/evaluation - the latest stored evaluation of a run
// against its video's ground truth (404 until one exists).
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { resultKeys, type Evaluation } from './types';

export function getEvaluation(runId: number, signal?: AbortSignal): Promise<Evaluation> {
  return api<Evaluation>(`/api/runs/${runId}/evaluation`, { signal });
}

export function useEvaluation(runId: number | null) {
  return useQuery({
    queryKey: resultKeys.evaluation(runId ?? 0),
    queryFn: ({ signal }) => getEvaluation(runId!, signal),
    enabled: runId != null && runId > 0,
    retry: false,
  });
}
