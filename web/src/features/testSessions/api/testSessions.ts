// GET /api/projects/{id}/test-sessions?cursor=&limit= (newest first) and
// POST /api/projects/{id}/test-sessions {video_id, name?, tolerance_ms?,
// criteria?} -> 201 session.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { testSessionKeys, type TestSessionInput, type TestSession } from './types';

export function listTestSessions(projectId: number, cursor: string | null, signal?: AbortSignal): Promise<Page<TestSession>> {
  return api<Page<TestSession>>(`/api/projects/${projectId}/test-sessions` + query({ cursor, limit: 50 }), { signal });
}

export function createTestSession(projectId: number, s: TestSessionInput): Promise<TestSession> {
  return api<TestSession>(`/api/projects/${projectId}/test-sessions`, { method: 'POST', body: { ...s } });
}

export function useTestSessions(projectId: number) {
  return useInfiniteQuery({
    queryKey: testSessionKeys.list(projectId),
    queryFn: ({ pageParam, signal }) => listTestSessions(projectId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: projectId > 0,
    retry: false,
  });
}

export function useCreateTestSession(projectId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (s: TestSessionInput) => createTestSession(projectId, s),
    onSuccess: (s) => {
      qc.setQueryData(testSessionKeys.detail(s.id), s);
      return qc.invalidateQueries({ queryKey: testSessionKeys.list(projectId) });
    },
  });
}
