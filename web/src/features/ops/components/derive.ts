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

/** Cache hits and misses so far: avp_cache_lookups{result="hit|miss"},
 * or a pair of *cache*hit* / *cache*miss* series. */
function cacheCounts(s: Scrape): { hits: number; misses: number } | null {
  const lookups = namesMatching(s, /cache.*lookups/)[0];
  if (lookups) return { hits: sum(s, lookups, { result: 'hit' }) ?? 0, misses: sum(s, lookups, { result: 'miss' }) ?? 0 };
  const hitName = namesMatching(s, /cache.*hit/)[0];
  const missName = namesMatching(s, /cache.*miss/)[0];
  if (!hitName || !missName) return null;
  return { hits: sum(s, hitName) ?? 0, misses: sum(s, missName) ?? 0 };
}

/** Cache hit rate over the last interval; since start when the interval
 * had no lookups (or there is one scrape). */
export function cacheHitRate(now: Scrape, before?: Scrape): number | null {
  const a = cacheCounts(now);
  if (!a) return null;
  const b = before ? cacheCounts(before) : null;
  const dh = b ? a.hits - b.hits : 0;
  const dm = b ? a.misses - b.misses : 0;
  if (dh + dm > 0) return dh / (dh + dm);
  return a.hits + a.misses > 0 ? a.hits / (a.hits + a.misses) : null;
}

export function requestRate(now: Scrape, before?: Scrape): number | null {
  return rate(now, before, HTTP_HIST + '_count');
}
