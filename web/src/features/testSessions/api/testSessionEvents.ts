// GET /api/test-sessions/{id}/events?cursor=&limit= - the events a device
// posted, keyset by (timestamp, id); timestamp is in video seconds.
import { useInfiniteQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';
import { testSessionKeys, type TestSessionEvent } from './types';

export const EVENTS_PAGE = 100;

export function listEvents(id: number, cursor: string | null, signal?: AbortSignal): Promise<Page<TestSessionEvent>> {
  return api<Page<TestSessionEvent>>(`/api/test-sessions/${id}/events` + query({ cursor, limit: EVENTS_PAGE }), { signal });
}

export function useTestSessionEvents(id: number) {
  return useInfiniteQuery({
    queryKey: testSessionKeys.events(id),
    queryFn: ({ pageParam, signal }) => listEvents(id, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    enabled: id > 0,
    retry: false,
  });
}
