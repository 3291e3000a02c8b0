// GET /metrics - Prometheus text, scraped every few seconds. The hook keeps
// the last HISTORY scrapes so the page can draw rates and trends.
import { useRef } from 'react';
import { useQuery } from '@tanstack/react-query';
import { errorFrom } from '../../../lib/http';
import { parsePrometheus, type Scrape } from '../../../lib/prometheus';

export const HISTORY = 60;
export const metricsKeys = { scrape: ['ops', 'metrics'] as const };

export async function scrapeMetrics(signal?: AbortSignal): Promise<Scrape> {
  const res = await fetch('/metrics', { credentials: 'same-origin', signal });
  if (!res.ok) throw await errorFrom(res);
  const text = await res.text();
  return parsePrometheus(text, Date.now());
}

export function useMetricsHistory(intervalMs = 5000) {
  const q = useQuery({
    queryKey: metricsKeys.scrape,
    queryFn: ({ signal }) => scrapeMetrics(signal),
    refetchInterval: intervalMs,
  });
  // Each scrape is appended once, during the render that first sees it
  // (idempotent: a repeated render finds it already there).
  const history = useRef<Scrape[]>([]);
  if (q.data && history.current[history.current.length - 1] !== q.data) {
    history.current = [...history.current.slice(-(HISTORY - 1)), q.data];
  }
  return { ...q, history: history.current };
}
