// GET /api/runs/{id}
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { runKeys, type Run } from './types';

export function getRun(id: number, signal?: AbortSignal): Promise<Run> {
  return api<Run>(`/api/runs/${id}`, { signal });
}

export function useRun(id: number | null) {
  return useQuery({
    queryKey: runKeys.detail(id ?? 0),
    queryFn: ({ signal }) => getRun(id!, signal),
    enabled: id != null && id > 0,
  });
}
