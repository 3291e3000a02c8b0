// metrics.ts - what the results page derives from an evaluation: the CSV
// rows and the pass/fail verdict.
import type { ClassResult, Evaluation } from '../api/types';
import type { Criteria } from '../../../lib/types';

export const CLASS_COLUMNS = ['class', 'tp', 'fp', 'fn', 'precision', 'recall', 'f1', 'ap50', 'ap75', 'map', 'best_threshold'] as const;

export function classRows(e: Evaluation): (string | number | null)[][] {
  return e.results.classes.map((c) => CLASS_COLUMNS.map((k) => (c[k as keyof ClassResult] as string | number | null | undefined) ?? null));
}

const f3 = (x: number | null) => (x == null ? 'undefined' : x.toFixed(3));

/** The server's verdict when it gives one, else the project's criteria
 * applied to the overall numbers; null when there is nothing to judge by.
 * An undefined precision or recall (nothing detected, no ground truth)
 * does not meet a minimum. */
export function verdict(e: Evaluation, c: Criteria | undefined): { pass: boolean; reasons: string[] } | null {
  if (e.pass != null) return { pass: e.pass, reasons: [] };
  if (!c || (c.min_precision == null && c.min_recall == null)) return null;
  const o = e.results.overall;
  const reasons: string[] = [];
  if (c.min_precision != null && !(o.precision != null && o.precision >= c.min_precision)) reasons.push(`precision ${f3(o.precision)} < ${c.min_precision}`);
  if (c.min_recall != null && !(o.recall != null && o.recall >= c.min_recall)) reasons.push(`recall ${f3(o.recall)} < ${c.min_recall}`);
  return { pass: reasons.length === 0, reasons };
}
