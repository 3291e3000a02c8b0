// POST /api/runs/{id}/evaluate {score_threshold, iou_threshold} -> 202 {task_id}
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { resultKeys } from './types';

export function evaluateRun(runId: number, scoreThreshold: number, iouThreshold: number): Promise<{ task_id?: number }> {
  return api(`/api/runs/${runId}/evaluate`, { method: 'POST', body: { score_threshold: scoreThreshold, iou_threshold: iouThreshold } });
}

export function useEvaluateRun(runId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (p: { score: number; iou: number }) => evaluateRun(runId, p.score, p.iou),
    onSuccess: () => qc.invalidateQueries({ queryKey: resultKeys.evaluation(runId) }),
  });
}
