import { describe, expect, it } from 'vitest';
import { appendColumns, filterColumns, SCORE_BINS, toColumns } from './filterRows';

const rows = [
  { class_id: 0, score: 0.9, t: 0.0 },
  { class_id: 16, score: 0.5, t: 1.0 },
  { class_id: 0, score: 0.3, t: 2.0 },
  { class_id: 2, score: 0.99, t: 3.0 },
];

describe('filterColumns', () => {
  it('keeps every row without a filter and counts classes and scores', () => {
    const r = filterColumns(toColumns(rows), { classId: null, minScore: 0, t0: null, t1: null });
    expect(Array.from(r.indices)).toEqual([0, 1, 2, 3]);
    expect(r.perClass[0]).toBe(2);
    expect(r.perClass[16]).toBe(1);
    expect(r.scoreHist.reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.scoreHist[SCORE_BINS - 1]).toBe(1); // 0.99
    expect(r.scoreHist[Math.floor(0.9 * SCORE_BINS)]).toBe(1);
  });

  it('applies class, score and half-open time range together', () => {
    const c = toColumns(rows);
    expect(Array.from(filterColumns(c, { classId: 0, minScore: 0, t0: null, t1: null }).indices)).toEqual([0, 2]);
    expect(Array.from(filterColumns(c, { classId: null, minScore: 0.5, t0: null, t1: null }).indices)).toEqual([0, 1, 3]);
    expect(Array.from(filterColumns(c, { classId: null, minScore: 0, t0: 1, t1: 3 }).indices)).toEqual([1, 2]);
    expect(Array.from(filterColumns(c, { classId: 0, minScore: 0.5, t0: 0, t1: 10 }).indices)).toEqual([0]);
  });

  it('appends columns in order', () => {
    const all = appendColumns(toColumns(rows.slice(0, 2)), toColumns(rows.slice(2)));
    expect(Array.from(all.classId)).toEqual([0, 16, 0, 2]);
    expect(Array.from(all.t)).toEqual([0, 1, 2, 3]);
    expect(appendColumns(null, null).t.length).toBe(0);
  });
});
