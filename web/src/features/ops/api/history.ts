// GET /api/ops/history and /api/ops/alerts - what Prometheus kept (avp up
// --monitoring), asked by the API server for admins. 503 no_prometheus:
// none runs; the page says so and shows the live numbers only.
import { useQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/http';

export type HistorySeries = 'p99' | 'requests' | 'rss' | 'fps' | 'queue' | 'cache_hit';

export interface HistoryLine { labels?: Record<string, string>; points: [number, number][] }
export interface History { series: HistorySeries; step: number; start: number; lines: HistoryLine[] }
export interface Alert { name?: string; state?: string; severity?: string; instance?: string; summary?: string; since?: string }

export const historyKeys = {
  series: (s: HistorySeries, minutes: number) => ['ops', 'history', s, minutes] as const,
  alerts: ['ops', 'alerts'] as const,
};

export function getHistory(series: HistorySeries, minutes: number, signal?: AbortSignal): Promise<History> {
  return api<History>('/api/ops/history' + query({ series, minutes }), { signal });
}

export function useHistory(series: HistorySeries, minutes: number) {
  return useQuery({
    queryKey: historyKeys.series(series, minutes),
    queryFn: ({ signal }) => getHistory(series, minutes, signal),
    retry: false, refetchInterval: 60_000,
  });
}

export function useAlerts() {
  return useQuery({
    queryKey: historyKeys.alerts,
    queryFn: ({ signal }) => api<Page<Alert>>('/api/ops/alerts', { signal }),
    retry: false, refetchInterval: 15_000,
  });
}
