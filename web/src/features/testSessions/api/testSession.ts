// GET|PATCH|DELETE /api/test-sessions/{id}. PATCH takes name, tolerance_ms,
// criteria and state (open|running|closed); closing stores an evaluation.
// POST /api/test-sessions/{id}/sync sets the device clock's offset from
// video time: {offset} (device minus video, s) or {device_time, video_time}.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { testSessionKeys, type TestSessionCriteria, type TestSession } from './types';

export type TestSessionPatch = Partial<Pick<TestSession, 'name' | 'tolerance_ms' | 'state'>> & { criteria?: TestSessionCriteria };

export const getTestSession = (id: number, signal?: AbortSignal) => api<TestSession>(`/api/test-sessions/${id}`, { signal });
export const patchTestSession = (id: number, p: TestSessionPatch) =>
  api<TestSession>(`/api/test-sessions/${id}`, { method: 'PATCH', body: { ...p } });
export type SyncInput = { offset: number } | { device_time: number; video_time: number };
export const syncTestSession = (id: number, b: SyncInput) =>
  api<TestSession>(`/api/test-sessions/${id}/sync`, { method: 'POST', body: { ...b } });
export const deleteTestSession = (id: number) => api<void>(`/api/test-sessions/${id}`, { method: 'DELETE' });

export function useTestSession(id: number) {
  return useQuery({
    queryKey: testSessionKeys.detail(id),
    queryFn: ({ signal }) => getTestSession(id, signal),
    enabled: id > 0,
    retry: false,
  });
}

export function useTestSessionMutations(id: number) {
  const qc = useQueryClient();
  const onSuccess = (s: TestSession) => {
    qc.setQueryData(testSessionKeys.detail(id), s);
    // Tolerance, criteria and clock change the results; the list shows state.
    void qc.invalidateQueries({ queryKey: testSessionKeys.results(id) });
    void qc.invalidateQueries({ queryKey: testSessionKeys.list(s.project_id) });
  };
  return {
    patch: useMutation({ mutationFn: (p: TestSessionPatch) => patchTestSession(id, p), onSuccess }),
    sync: useMutation({ mutationFn: (b: SyncInput) => syncTestSession(id, b), onSuccess }),
    remove: useMutation({
      mutationFn: () => deleteTestSession(id),
      onSuccess: () => qc.invalidateQueries({ queryKey: [...testSessionKeys.all, 'list'] }),
    }),
  };
}
