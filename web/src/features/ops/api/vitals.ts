// GET /api/vitals - Web Vitals the server collected from real page loads
// ({items:[{name, value, rating, page, at}]}). Missing endpoint -> the page
// shows this tab's own measurements only.
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../../lib/http';
import type { VitalRecord } from '../../../lib/vitals';

export const vitalsKeys = { server: ['ops', 'vitals'] as const };

export function listVitals(signal?: AbortSignal): Promise<Page<VitalRecord>> {
  return api<Page<VitalRecord>>('/api/vitals?limit=500', { signal });
}

export function useServerVitals() {
  return useQuery({ queryKey: vitalsKeys.server, queryFn: ({ signal }) => listVitals(signal), retry: false, refetchInterval: 30_000 });
}
