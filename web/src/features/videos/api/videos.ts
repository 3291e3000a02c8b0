// GET /api/projects/{id}/videos?cursor=&limit= - newest first.
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { videoKeys } from './types';
import type { Video } from '../../../lib/types';

export const VIDEOS_PAGE = 50;

export function listVideos(projectId: number, cursor: string | null, signal?: AbortSignal): Promise<Page<Video>> {
  return api<Page<Video>>(`/api/projects/${projectId}/videos` + query({ cursor, limit: VIDEOS_PAGE }), { signal });
}

export function useVideos(projectId: number) {
  return useInfiniteQuery({
    queryKey: videoKeys.list(projectId),
    queryFn: ({ pageParam, signal }) => listVideos(projectId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
