import { describe, expect, it } from 'vitest';
import { cacheHitRate, FPS_RE, gaugeLike, QUEUE_RE, routeLatencies } from './derive';
import { parsePrometheus } from '../../../lib/prometheus';

const scrape = (n: number, hits: number, at: number) => parsePrometheus(`
avp_http_request_duration_seconds_bucket{route="runs_detections",status="2xx",le="0.001"} ${n}
avp_http_request_duration_seconds_bucket{route="runs_detections",status="2xx",le="0.01"} ${2 * n}
avp_http_request_duration_seconds_bucket{route="runs_detections",status="2xx",le="+Inf"} ${2 * n}
avp_http_request_duration_seconds_count{route="runs_detections",status="2xx"} ${2 * n}
avp_queue_depth{stream="tasks"} 4
avp_worker_fps{worker="a"} 30
avp_worker_fps{worker="b"} 25
avp_cache_hits_total ${hits}
avp_cache_misses_total 10
`, at);

describe('operations numbers', () => {
  it('gives p50/p99 and request rate per route over the last interval', () => {
    const [r] = routeLatencies(scrape(20, 0, 5000), scrape(10, 0, 0));
    expect(r.route).toBe('runs_detections');
    expect(r.p50).toBeCloseTo(0.001);
    expect(r.p99).toBeCloseTo(0.001 + 0.009 * (19.8 - 10) / 10);
    expect(r.rps).toBe(4);
  });

  it('finds queue depth and worker fps whatever their exact names', () => {
    const s = scrape(1, 0, 0);
    expect(gaugeLike(s, QUEUE_RE)).toEqual({ name: 'avp_queue_depth', value: 4 });
    expect(gaugeLike(s, FPS_RE)?.value).toBe(55);
  });

  it('computes the cache hit rate between scrapes', () => {
    expect(cacheHitRate(scrape(1, 130, 2000), scrape(1, 100, 0))).toBe(1); // misses did not move
    expect(cacheHitRate(scrape(1, 30, 0))).toBe(0.75); // one scrape: since start
    expect(cacheHitRate(scrape(1, 30, 2000), scrape(1, 30, 0))).toBe(0.75); // idle interval: since start
  });

  it('reads lookups labelled by result, as avp exports them', () => {
    const s = (hit: number, miss: number) => parsePrometheus(`avp_cache_lookups{result="hit"} ${hit}\navp_cache_lookups{result="miss"} ${miss}\n`);
    expect(cacheHitRate(s(3, 10))).toBeCloseTo(3 / 13);
    expect(cacheHitRate(s(13, 10), s(3, 10))).toBe(1);
    expect(cacheHitRate(parsePrometheus('x 1\n'))).toBeNull();
  });
});
