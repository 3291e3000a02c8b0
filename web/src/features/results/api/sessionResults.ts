// GET /api/projects/{id}/test-sessions and GET /api/test-sessions/{id}/results
// - devices under test: precision/recall with bootstrap CIs, latency.
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../../lib/http';
import { resultKeys, type SessionResults } from './types';

export interface TestSession {
  id: number;
  name: string;
  video_id: number;
  state: string;
  created_at: string;
}

export const listSessions = (projectId: number, signal?: AbortSignal) =>
  api<Page<TestSession>>(`/api/projects/${projectId}/test-sessions`, { signal });
export const getSessionResults = (id: number, signal?: AbortSignal) =>
  api<SessionResults>(`/api/test-sessions/${id}/results`, { signal });

export function useSessions(projectId: number | null) {
  return useQuery({
    queryKey: resultKeys.sessions(projectId ?? 0),
    queryFn: ({ signal }) => listSessions(projectId!, signal),
    enabled: projectId != null && projectId > 0,
    retry: false,
  });
}

export function useSessionResults(id: number | null) {
  return useQuery({
    queryKey: resultKeys.session(id ?? 0),
    queryFn: ({ signal }) => getSessionResults(id!, signal),
    enabled: id != null && id > 0,
    retry: false,
  });
}
