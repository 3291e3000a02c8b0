// GET /api/videos/{id}/runs?cursor=&limit= - the detection runs of a video,
// newest first (each with its task_id while it is queued or running).
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { isFinal, runKeys, type Run } from './types';

export function listRuns(videoId: number, cursor: string | null, signal?: AbortSignal): Promise<Page<Run>> {
  return api<Page<Run>>(`/api/videos/${videoId}/runs` + query({ cursor, limit: 50 }), { signal });
}

export function useRuns(videoId: number) {
  return useInfiniteQuery({
    queryKey: runKeys.byVideo(videoId),
    queryFn: ({ pageParam, signal }) => listRuns(videoId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    // While any run is active, refresh the list now and then so states change.
    refetchInterval: (q) => (q.state.data?.pages.some((p) => p.items.some((r) => !isFinal(r.state))) ? 3000 : false),
  });
}
