// filterParams.ts - a detections filter in the URL (?class=&min=&t0=&t1=)
// and back; the page and the first-load prefetch (app/prefetch.ts) read it
// the same way, so both name the same list.
import type { DetectionFilter } from '../../../lib/api/detections';

/** URL <-> filter: ?class=0&min=0.5&t0=1&t1=20 */
export function filterFromParams(p: URLSearchParams): DetectionFilter {
  const n = (k: string) => (p.get(k) != null && p.get(k) !== '' && Number.isFinite(Number(p.get(k))) ? Number(p.get(k)) : null);
  return { classId: n('class'), minScore: n('min') ?? 0, t0: n('t0'), t1: n('t1') };
}

export function filterToParams(f: DetectionFilter): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.classId != null) out.class = String(f.classId);
  if (f.minScore > 0) out.min = String(f.minScore);
  if (f.t0 != null) out.t0 = String(f.t0);
  if (f.t1 != null) out.t1 = String(f.t1);
  return out;
}
