import { describe, expect, it } from 'vitest';
import { lineLabel, toSeries } from './historyLines';

describe('history lines', () => {
  it('turns seconds into milliseconds and scales the values', () => {
    const [s] = toSeries([{ points: [[100, 0.25], [160, 0.5]] }], 'p99 (ms)', 1000);
    expect(Array.from(s.x)).toEqual([100_000, 160_000]);
    expect(Array.from(s.y)).toEqual([250, 500]);
    expect(s.label).toBe('p99 (ms)');
  });

  it('names a line by its labels and drops lines too short to draw', () => {
    const out = toSeries([
      { labels: { job: 'avp-worker' }, points: [[1, 1], [2, 2]] },
      { labels: { job: 'avp-server' }, points: [[1, 1]] },
    ], 'rss');
    expect(out.map((s) => s.label)).toEqual(['avp-worker']);
    expect(lineLabel({ labels: {}, points: [] }, 'x')).toBe('x');
  });
});
