// GET /api/videos/{id}
import { useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/http';
import { videoKeys } from './types';
import type { Video } from '../../../lib/types';

export function getVideo(id: number, signal?: AbortSignal): Promise<Video> {
  return api<Video>(`/api/videos/${id}`, { signal });
}

/** While the server counts the frames of a new upload. */
export const COUNT_POLL_MS = 3000;

export function useVideo(id: number | null) {
  return useQuery({
    queryKey: videoKeys.detail(id ?? 0),
    queryFn: ({ signal }) => getVideo(id!, signal),
    enabled: id != null && id > 0,
    refetchInterval: (q) => (q.state.data?.frame_count_exact === false ? COUNT_POLL_MS : false),
  });
}
