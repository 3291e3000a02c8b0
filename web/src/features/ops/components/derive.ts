// derive.ts - the operations page's numbers from a history of scrapes.
// Metric names of other components are matched loosely (queue depth,
// worker fps, cache hits) so the page keeps working as they are named.
import { histogramDelta, histogramsBy, namesMatching, quantile, rate, sum, type Scrape } from '../../../lib/prometheus';

export const HTTP_HIST = 'avp_http_request_duration_seconds';

export interface RouteLatency {
  route: string;
  p50: number | null;
  p99: number | null;
  count: number;
  rps: number | null;
}

/** Latency per route over the last interval (or since start with one scrape). */
export function routeLatencies(now: Scrape, before?: Scrape): RouteLatency[] {
  const cur = histogramsBy(now, HTTP_HIST, 'route');
  const prev = before ? histogramsBy(before, HTTP_HIST, 'route') : undefined;
  const dt = before ? (now.at - before.at) / 1000 : 0;
  const out: RouteLatency[] = [];
  for (const [route, h] of cur) {
    const d = histogramDelta(h, prev?.get(route));
    const use = d.count > 0 ? d : h;
    if (h.count === 0) continue;
    out.push({ route, p50: quantile(use, 0.5), p99: quantile(use, 0.99), count: h.count, rps: dt > 0 ? d.count / dt : null });
  }
  return out.sort((a, b) => b.count - a.count);
}

/** First metric whose name matches re, summed over its labels. */
export function gaugeLike(s: Scrape, re: RegExp): { name: string; value: number } | null {
  const name = namesMatching(s, re).find((n) => !/_(bucket|sum|count|created)$/.test(n));
  if (!name) return null;
  const v = sum(s, name);
  return v == null ? null : { name, value: v };
}

export interface Point {
  t: number;
  v: number;
}

/** One value per scrape, for trend lines. */
export function series(history: readonly Scrape[], f: (s: Scrape, prev?: Scrape) => number | null): Point[] {
  const out: Point[] = [];
  history.forEach((s, i) => {
    const v = f(s, history[i - 1]);
    if (v != null && Number.isFinite(v)) out.push({ t: s.at, v });
  });
  return out;
}

export const QUEUE_RE = /queue.*(depth|length|pending|backlog)|(depth|pending).*queue/;
export const FPS_RE = /(worker|task).*fps|fps.*(worker|task)/;
export const RSS = 'process_resident_memory_bytes';

/** Cache hit rate over an interval: hits / (hits + misses). */
export function cacheHitRate(now: Scrape, before?: Scrape): number | null {
  const hitName = namesMatching(now, /cache.*hit/)[0];
  const missName = namesMatching(now, /cache.*miss/)[0];
  if (!hitName || !missName) return null;
  const h = before ? rate(now, before, hitName) : sum(now, hitName);
  const m = before ? rate(now, before, missName) : sum(now, missName);
  if (h == null || m == null || h + m === 0) return null;
  return h / (h + m);
}

export function requestRate(now: Scrape, before?: Scrape): number | null {
  return rate(now, before, HTTP_HIST + '_count');
}
