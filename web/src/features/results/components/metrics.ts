// metrics.ts - what the results page derives from an evaluation: the CSV
// rows, run-vs-run deltas and the pass/fail verdict.
import type { ClassResult, Evaluation } from '../api/types';
import type { Criteria } from '../../projects/api/types';

export const CLASS_COLUMNS = ['class', 'tp', 'fp', 'fn', 'precision', 'recall', 'f1', 'ap50', 'ap75', 'map', 'best_threshold'] as const;

export function classRows(e: Evaluation): (string | number | null)[][] {
  return e.results.classes.map((c) => CLASS_COLUMNS.map((k) => (c[k as keyof ClassResult] as string | number | undefined) ?? null));
}

export interface Delta {
  class: string;
  a: ClassResult | null;
  b: ClassResult | null;
  dPrecision: number | null;
  dRecall: number | null;
  dF1: number | null;
  dAp50: number | null;
}

const diff = (b: number | undefined, a: number | undefined) => (a == null || b == null ? null : b - a);

/** Per class (union of both), b minus a. */
export function compareRuns(a: Evaluation, b: Evaluation): Delta[] {
  const names = [...new Set([...a.results.classes.map((c) => c.class), ...b.results.classes.map((c) => c.class)])];
  return names.map((name) => {
    const ca = a.results.classes.find((c) => c.class === name) ?? null;
    const cb = b.results.classes.find((c) => c.class === name) ?? null;
    return {
      class: name, a: ca, b: cb,
      dPrecision: diff(cb?.precision, ca?.precision), dRecall: diff(cb?.recall, ca?.recall),
      dF1: diff(cb?.f1, ca?.f1), dAp50: diff(cb?.ap50, ca?.ap50),
    };
  });
}

/** The server's verdict when it gives one, else the project's criteria
 * applied to the overall numbers; null when there is nothing to judge by. */
export function verdict(e: Evaluation, c: Criteria | undefined): { pass: boolean; reasons: string[] } | null {
  if (e.pass != null) return { pass: e.pass, reasons: [] };
  if (!c || (c.min_precision == null && c.min_recall == null)) return null;
  const o = e.results.overall;
  const reasons: string[] = [];
  if (c.min_precision != null && o.precision < c.min_precision) reasons.push(`precision ${o.precision.toFixed(3)} < ${c.min_precision}`);
  if (c.min_recall != null && o.recall < c.min_recall) reasons.push(`recall ${o.recall.toFixed(3)} < ${c.min_recall}`);
  return { pass: reasons.length === 0, reasons };
}
