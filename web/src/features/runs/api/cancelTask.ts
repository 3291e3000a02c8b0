// POST /api/tasks/{id}/cancel
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { runKeys } from './types';

export function cancelTask(taskId: number): Promise<unknown> {
  return api(`/api/tasks/${taskId}/cancel`, { method: 'POST' });
}

export function useCancelTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: cancelTask,
    onSuccess: (_r, taskId) => {
      qc.invalidateQueries({ queryKey: runKeys.task(taskId) });
      qc.invalidateQueries({ queryKey: runKeys.runs });
    },
  });
}
