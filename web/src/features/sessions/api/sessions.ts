// GET /api/projects/{id}/test-sessions?cursor=&limit= (newest first) and
// POST /api/projects/{id}/test-sessions {video_id, name?, tolerance_ms?,
// criteria?} -> 201 session.
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { sessionKeys, type SessionInput, type TestSession } from './types';

export function listSessions(projectId: number, cursor: string | null, signal?: AbortSignal): Promise<Page<TestSession>> {
  return api<Page<TestSession>>(`/api/projects/${projectId}/test-sessions` + query({ cursor, limit: 50 }), { signal });
}

export function createSession(projectId: number, s: SessionInput): Promise<TestSession> {
  return api<TestSession>(`/api/projects/${projectId}/test-sessions`, { method: 'POST', body: { ...s } });
}

export function useSessions(projectId: number) {
  return useInfiniteQuery({
    queryKey: sessionKeys.list(projectId),
    queryFn: ({ pageParam, signal }) => listSessions(projectId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: projectId > 0,
    retry: false,
  });
}

export function useCreateSession(projectId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (s: SessionInput) => createSession(projectId, s),
    onSuccess: (s) => {
      qc.setQueryData(sessionKeys.detail(s.id), s);
      return qc.invalidateQueries({ queryKey: sessionKeys.list(projectId) });
    },
  });
}
