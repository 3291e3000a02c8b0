// GET|PATCH|DELETE /api/test-sessions/{id}. PATCH takes name, tolerance_ms,
// criteria and state (open|running|closed); closing stores an evaluation.
// POST /api/test-sessions/{id}/sync sets the device clock's offset from
// video time: {offset} (device minus video, s) or {device_time, video_time}.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { sessionKeys, type SessionCriteria, type SessionState, type TestSession } from './types';

export type SessionPatch = Partial<{ name: string; tolerance_ms: number; criteria: SessionCriteria; state: SessionState }>;

export const getSession = (id: number, signal?: AbortSignal) => api<TestSession>(`/api/test-sessions/${id}`, { signal });
export const patchSession = (id: number, p: SessionPatch) =>
  api<TestSession>(`/api/test-sessions/${id}`, { method: 'PATCH', body: { ...p } });
export type SyncInput = { offset: number } | { device_time: number; video_time: number };
export const syncSession = (id: number, b: SyncInput) =>
  api<TestSession>(`/api/test-sessions/${id}/sync`, { method: 'POST', body: { ...b } });
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
  const onSuccess = (s: TestSession) => {
    qc.setQueryData(sessionKeys.detail(id), s);
    // Tolerance, criteria and clock change the results; the list shows state.
    void qc.invalidateQueries({ queryKey: sessionKeys.results(id) });
    void qc.invalidateQueries({ queryKey: sessionKeys.list(s.project_id) });
  };
  return {
    patch: useMutation({ mutationFn: (p: SessionPatch) => patchSession(id, p), onSuccess }),
    sync: useMutation({ mutationFn: (b: SyncInput) => syncSession(id, b), onSuccess }),
    remove: useMutation({
      mutationFn: () => deleteSession(id),
      onSuccess: () => qc.invalidateQueries({ queryKey: [...sessionKeys.all, 'list'] }),
    }),
  };
}
