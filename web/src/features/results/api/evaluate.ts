// POST /api/runs/{id}/evaluate {score_threshold, iou_threshold} -> 201 the
// stored evaluation (computed in the request; a finished run only, else 409).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { resultKeys, type Evaluation } from './types';

export function evaluateRun(runId: number, scoreThreshold: number): Promise<Evaluation> {
  // The protocol counts TP/FP/FN at IoU 0.5; the server refuses any other.
  return api<Evaluation>(`/api/runs/${runId}/evaluate`, { method: 'POST', body: { score_threshold: scoreThreshold, iou_threshold: 0.5 } });
}

export function useEvaluateRun(runId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: { score: number }) => evaluateRun(runId, p.score),
    onSuccess: (e) => {
      qc.setQueryData(resultKeys.evaluation(runId), e);
      // Per-frame outcomes and comparisons derive from the latest evaluation.
      void qc.invalidateQueries({ queryKey: resultKeys.frames(runId) });
      void qc.invalidateQueries({ queryKey: [...resultKeys.all, 'compare'] });
    },
  });
}
