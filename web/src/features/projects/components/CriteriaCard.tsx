// CriteriaCard.tsx - the project's pass/fail criteria for devices under
// test and the matching tolerance (issue 4), edited in place.
import { useState, type FormEvent } from 'react';
import { useUpdateProject } from '../api/updateProject';
import type { Project } from '../../../lib/types';
import { errorText } from '../../../lib/errorText';

export function CriteriaCard({ project }: { project: Project }) {
  const update = useUpdateProject(project.id);
  const c = project.criteria ?? {};
  const [v, setV] = useState({
    tolerance_ms: String(project.tolerance_ms ?? 500),
    min_precision: c.min_precision != null ? String(c.min_precision) : '',
    min_recall: c.min_recall != null ? String(c.min_recall) : '',
    max_median_latency_ms: c.max_median_latency_ms != null ? String(c.max_median_latency_ms) : '',
  });
  const num = (s: string) => (s === '' ? undefined : Number(s));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({
      tolerance_ms: Number(v.tolerance_ms),
      criteria: { min_precision: num(v.min_precision), min_recall: num(v.min_recall), max_median_latency_ms: num(v.max_median_latency_ms) },
    });
  };
  const field = (k: keyof typeof v, label: string, step: string, max?: number) => (
    <label>
      {label}
      <input type="number" min={0} max={max} step={step} value={v[k]} onChange={(e) => setV((s) => ({ ...s, [k]: e.target.value }))} />
    </label>
  );
  return (
    <section className="card" aria-labelledby="criteria-title">
      <h2 id="criteria-title">Pass/fail criteria</h2>
      <form className="form-grid" onSubmit={submit}>
        {field('tolerance_ms', 'Tolerance (ms)', '1')}
        {field('min_precision', 'Min precision', '0.01', 1)}
        {field('min_recall', 'Min recall', '0.01', 1)}
        {field('max_median_latency_ms', 'Max median latency (ms)', '1')}
        <div className="span-2 actions">
          <button type="submit" className="btn" disabled={update.isPending}>Save criteria</button>
          {update.isSuccess && <span className="muted" role="status">Saved</span>}
          {update.error && <span className="form-error" role="alert">{errorText(update.error)}</span>}
        </div>
      </form>
    </section>
  );
}
