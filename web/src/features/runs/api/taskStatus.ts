// GET /api/tasks/{task_id}/status - state, progress, fps, eta, error, run_id.
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { isFinal, runKeys, type TaskStatus } from './types';

export function getTaskStatus(taskId: number, signal?: AbortSignal): Promise<TaskStatus> {
  return api<TaskStatus>(`/api/tasks/${taskId}/status`, { signal });
}

/** Polls slowly as a fallback; the WebSocket (taskProgress.ts) pushes faster. */
export function useTaskStatus(taskId: number | null, pollMs: number | false = 2000) {
  return useQuery({
    queryKey: runKeys.task(taskId ?? 0),
    queryFn: ({ signal }) => getTaskStatus(taskId!, signal),
    enabled: taskId != null,
    refetchInterval: (q) => (isFinal(q.state.data?.state) ? false : pollMs),
  });
}
