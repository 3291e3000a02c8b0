// GET /api/projects?cursor=&limit= - the caller's projects, newest first.
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { projectKeys } from './types';
import type { Project } from '../../../lib/types';

export const PROJECTS_PAGE = 50;

export function listProjects(cursor: string | null, signal?: AbortSignal): Promise<Page<Project>> {
  return api<Page<Project>>('/api/projects' + query({ cursor, limit: PROJECTS_PAGE }), { signal });
}

export function useProjects() {
  return useInfiniteQuery({
    queryKey: projectKeys.lists(),
    queryFn: ({ pageParam, signal }) => listProjects(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
