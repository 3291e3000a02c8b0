// filterRows.ts - filtering and summarizing loaded detections. Pure
// functions over columnar typed arrays: the Web Worker runs them
// (workers/filter.worker.ts), tests call them directly.

export interface Columns {
  classId: Int32Array;
  score: Float32Array;
  t: Float64Array;
}

export interface RowFilter {
  classId: number | null;
  minScore: number;
  t0: number | null;
  t1: number | null;
}

export interface FilterResult {
  /** Indices of the matching rows, in input order. */
  indices: Uint32Array;
  /** Matching rows per class id (index = class id). */
  perClass: Uint32Array;
  /** Score histogram of the matching rows, 20 bins over [0, 1]. */
  scoreHist: Uint32Array;
}

export const SCORE_BINS = 20;

export function toColumns(rows: readonly { class_id: number; score: number; t: number }[]): Columns {
  const n = rows.length;
  const c: Columns = { classId: new Int32Array(n), score: new Float32Array(n), t: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    c.classId[i] = rows[i].class_id;
    c.score[i] = rows[i].score;
    c.t[i] = rows[i].t;
  }
  return c;
}

export function filterColumns(c: Columns, f: RowFilter, numClasses = 80): FilterResult {
  const n = c.classId.length;
  const out = new Uint32Array(n);
  const perClass = new Uint32Array(Math.max(numClasses, 1));
  const hist = new Uint32Array(SCORE_BINS);
  let k = 0;
  const t0 = f.t0 ?? -Infinity;
  const t1 = f.t1 ?? Infinity;
  for (let i = 0; i < n; i++) {
    const s = c.score[i];
    if (s < f.minScore) continue;
    const t = c.t[i];
    if (t < t0 || t >= t1) continue;
    const cls = c.classId[i];
    if (f.classId != null && cls !== f.classId) continue;
    out[k++] = i;
    if (cls >= 0 && cls < perClass.length) perClass[cls]++;
    // Scores are float32: 0.9 is 0.89999998, which belongs in the 0.90 bin.
    hist[Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(s * SCORE_BINS + 1e-5)))]++;
  }
  return { indices: out.slice(0, k), perClass, scoreHist: hist };
}

/** a followed by b (either may be null), as new arrays. */
export function appendColumns(a: Columns | null, b: Columns | null): Columns {
  const na = a?.t.length ?? 0;
  const nb = b?.t.length ?? 0;
  const out: Columns = { classId: new Int32Array(na + nb), score: new Float32Array(na + nb), t: new Float64Array(na + nb) };
  if (a) {
    out.classId.set(a.classId);
    out.score.set(a.score);
    out.t.set(a.t);
  }
  if (b) {
    out.classId.set(b.classId, na);
    out.score.set(b.score, na);
    out.t.set(b.t, na);
  }
  return out;
}
