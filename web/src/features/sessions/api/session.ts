// GET|PATCH|DELETE /api/test-sessions/{id}. PATCH takes name, tolerance_ms,
// criteria and state (open|running|closed); closing stores an evaluation.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { sessionKeys, type SessionCriteria, type SessionState, type TestSession } from './types';

export type SessionPatch = Partial<{ name: string; tolerance_ms: number; criteria: SessionCriteria; state: SessionState }>;

export const getSession = (id: number, signal?: AbortSignal) => api<TestSession>(`/api/test-sessions/${id}`, { signal });
export const patchSession = (id: number, p: SessionPatch) =>
  api<TestSession>(`/api/test-sessions/${id}`, { method: 'PATCH', body: { ...p } });
export const deleteSession = (id: number) => api<void>(`/api/test-sessions/${id}`, { method: 'DELETE' });

export function useSession(id: number) {
  return useQuery({
    queryKey: sessionKeys.detail(id),
    queryFn: ({ signal }) => getSession(id, signal),
    enabled: id > 0,
    retry: false,
  });
}

export function useSessionMutations(id: number) {
  const qc = useQueryClient();
  return {
    patch: useMutation({
      mutationFn: (p: SessionPatch) => patchSession(id, p),
      onSuccess: (s) => {
        qc.setQueryData(sessionKeys.detail(id), s);
        // Tolerance and criteria change the verdict; the list shows state.
        void qc.invalidateQueries({ queryKey: sessionKeys.results(id) });
        void qc.invalidateQueries({ queryKey: sessionKeys.list(s.project_id) });
      },
    }),
    remove: useMutation({
      mutationFn: () => deleteSession(id),
      onSuccess: () => qc.invalidateQueries({ queryKey: [...sessionKeys.all, 'list'] }),
    }),
  };
}
