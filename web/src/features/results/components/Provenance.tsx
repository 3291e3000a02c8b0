// Provenance.tsx - what a run's numbers were scored against: each source
// of the ground truth (drawn by hand, imported from a named file, made by
// a model in a run) with its boxes and frames, and the warning every page
// showing the numbers carries when the run's own model made some of it.
import { Link } from 'react-router';
import type { GroundTruthProvenance, GroundTruthSource } from '../api/types';
import { formatNumber } from '../../../lib/format';

const plural = (n: number, one: string, many = one + 's') => `${formatNumber(n)} ${n === 1 ? one : many}`;

function sourceLabel(s: GroundTruthSource) {
  if (s.kind === 'human') return <>Drawn by hand</>;
  if (s.kind === 'import') {
    const fmt = s.format ? ` (${s.format.toUpperCase()})` : '';
    return s.file ? <>Imported from <strong>{s.file}</strong>{fmt}</> : <>Imported{fmt}, file name not recorded</>;
  }
  if (s.model == null && s.run_id == null) return <>Made by a model (which one was not recorded)</>;
  return (
    <>Auto ground truth by model <strong>{s.model ?? `#${s.model_id}`}</strong>
      {s.run_id != null && <> in <Link to={`/runs/${s.run_id}/detections`}>run #{s.run_id}</Link></>}
    </>
  );
}

/** The warning shown beside any number scored against the model's own boxes. */
export function SelfScoredNote({ what = 'These numbers' }: { what?: string }) {
  return (
    <p className="note note-warn" role="note">
      <strong>Scored against its own output.</strong> {what} compare this model with ground truth that the same model made
      (auto ground truth), so they show agreement with itself, not accuracy. Import or draw ground truth from another source
      for numbers you can trust.
    </p>
  );
}

export function ProvenanceCard({ gt }: { gt: GroundTruthProvenance }) {
  return (
    <section className="card" aria-labelledby="gt-provenance">
      <h2 id="gt-provenance">Scored against</h2>
      <p>{plural(gt.boxes, 'ground-truth box', 'ground-truth boxes')} on {plural(gt.frames, 'frame')} this run looked at.</p>
      <ul className="provenance">
        {gt.sources.map((s, i) => (
          <li key={i}>
            {sourceLabel(s)} · {plural(s.boxes, 'box', 'boxes')}, {plural(s.frames, 'frame')}
            {s.self && <span className="badge badge-warn">this model</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}
