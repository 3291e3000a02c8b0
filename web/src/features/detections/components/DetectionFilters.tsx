// DetectionFilters.tsx - class, minimum score and time range. Values are
// the URL's; the list reacts through a deferred/debounced copy.
import { COCO_CLASSES, className } from '../../../lib/classes';
import type { DetectionFilter } from '../../../lib/api/detections';

interface Props {
  value: DetectionFilter;
  onChange: (f: DetectionFilter) => void;
  classNames: readonly string[] | null;
  /** The whole run's count per class id (the server's), once known. */
  counts?: ReadonlyMap<number, number> | null;
}

const num = (s: string) => (s === '' ? null : Number(s));

export function DetectionFilters({ value, onChange, classNames, counts }: Props) {
  const names = classNames && classNames.length ? classNames : COCO_CLASSES;
  return (
    <form className="filters" role="search" aria-label="Filter detections" onSubmit={(e) => e.preventDefault()}>
      <label>
        Class
        <select value={value.classId ?? ''} onChange={(e) => onChange({ ...value, classId: num(e.target.value) })}>
          <option value="">All classes</option>
          {names.map((_n, i) => (
            <option key={i} value={i}>{className(i, names)}{counts ? ` (${counts.get(i) ?? 0})` : ''}</option>
          ))}
        </select>
      </label>
      <label className="filter-score">
        Score ≥ <output>{value.minScore.toFixed(2)}</output>
        <input type="range" min={0} max={1} step={0.01} value={value.minScore}
          onChange={(e) => onChange({ ...value, minScore: Number(e.target.value) })} />
      </label>
      <label>
        From (s)
        <input type="number" min={0} step="any" inputMode="decimal" value={value.t0 ?? ''}
          onChange={(e) => onChange({ ...value, t0: num(e.target.value) })} />
      </label>
      <label>
        To (s)
        <input type="number" min={0} step="any" inputMode="decimal" value={value.t1 ?? ''}
          onChange={(e) => onChange({ ...value, t1: num(e.target.value) })} />
      </label>
    </form>
  );
}
