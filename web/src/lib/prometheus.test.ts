import { describe, expect, it } from 'vitest';
import { histogramDelta, histogramsBy, parsePrometheus, quantile, rate, sum } from './prometheus';

const TEXT = `# HELP avp_http_request_duration_seconds Time from request to reply.
# TYPE avp_http_request_duration_seconds histogram
avp_http_request_duration_seconds_bucket{route="login",status="2xx",le="0.01"} 2
avp_http_request_duration_seconds_bucket{route="login",status="2xx",le="0.1"} 6
avp_http_request_duration_seconds_bucket{route="login",status="2xx",le="+Inf"} 8
avp_http_request_duration_seconds_sum{route="login",status="2xx"} 0.9
avp_http_request_duration_seconds_count{route="login",status="2xx"} 8
avp_http_request_duration_seconds_bucket{route="login",status="4xx",le="0.01"} 2
avp_http_request_duration_seconds_bucket{route="login",status="4xx",le="0.1"} 2
avp_http_request_duration_seconds_bucket{route="login",status="4xx",le="+Inf"} 2
avp_http_request_duration_seconds_count{route="login",status="4xx"} 2
process_resident_memory_bytes 3.2e+07
weird_label{path="a\\"b,c"} NaN
`;

describe('parsePrometheus', () => {
  it('reads samples, labels with escapes, TYPE and HELP', () => {
    const s = parsePrometheus(TEXT, 1000);
    expect(s.types.avp_http_request_duration_seconds).toBe('histogram');
    expect(s.help.avp_http_request_duration_seconds).toMatch(/Time from/);
    expect(sum(s, 'process_resident_memory_bytes')).toBe(32_000_000);
    const w = s.samples.find((x) => x.name === 'weird_label')!;
    expect(w.labels.path).toBe('a"b,c');
    expect(Number.isNaN(w.value)).toBe(true);
  });

  it('merges status classes into one histogram per route', () => {
    const h = histogramsBy(parsePrometheus(TEXT), 'avp_http_request_duration_seconds', 'route').get('login')!;
    expect(h.bounds).toEqual([0.01, 0.1, Infinity]);
    expect(h.counts).toEqual([4, 8, 10]);
    expect(h.count).toBe(10);
  });
});

describe('quantile', () => {
  const h = { bounds: [0.01, 0.1, Infinity], counts: [4, 8, 10], sum: 1, count: 10 };
  it('interpolates inside the bucket like histogram_quantile()', () => {
    expect(quantile(h, 0.2)).toBeCloseTo(0.005); // rank 2 of 4 in [0, 0.01]
    expect(quantile(h, 0.6)).toBeCloseTo(0.01 + 0.09 * (2 / 4)); // rank 6: 2 of 4 into [0.01, 0.1]
  });
  it('answers the highest finite bound for the +Inf bucket, null when empty', () => {
    expect(quantile(h, 0.99)).toBe(0.1);
    expect(quantile({ ...h, counts: [0, 0, 0] }, 0.5)).toBeNull();
  });
  it('subtracts an earlier scrape', () => {
    const d = histogramDelta(h, { ...h, counts: [1, 2, 3], count: 3, sum: 0.2 });
    expect(d.counts).toEqual([3, 6, 7]);
    expect(d.count).toBe(7);
  });
});

describe('rate', () => {
  it('is the counter increase per second between scrapes', () => {
    const a = parsePrometheus('x_total 10\n', 0);
    const b = parsePrometheus('x_total 40\n', 3000);
    expect(rate(b, a, 'x_total')).toBe(10);
    expect(rate(b, undefined, 'x_total')).toBeNull();
  });
});
