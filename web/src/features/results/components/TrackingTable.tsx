// TrackingTable.tsx - the tracking metrics of an evaluation whose JSON has
// a `tracking` object (`avp eval track --json`: TrackEval's HOTA, CLEAR MOT
// and Identity, as fractions), for one run and for two side by side.
import { formatNumber } from '../../../lib/format';
import type { Tracking } from '../api/types';

interface Row {
  name: string;
  meaning: string;
  get: (t: Tracking) => number | undefined;
  /** A count (shown whole), not a fraction. */
  count?: boolean;
  /** Fewer is better (ID switches, fragmentations). */
  lower?: boolean;
}

export const TRACKING_ROWS: Row[] = [
  { name: 'HOTA', meaning: 'detection and association together', get: (t) => t.HOTA.HOTA },
  { name: 'DetA', meaning: 'detection accuracy', get: (t) => t.HOTA.DetA },
  { name: 'AssA', meaning: 'association accuracy', get: (t) => t.HOTA.AssA },
  { name: 'LocA', meaning: 'localization accuracy', get: (t) => t.HOTA.LocA },
  { name: 'MOTA', meaning: 'misses, false positives and ID switches', get: (t) => t.CLEAR.MOTA },
  { name: 'MOTP', meaning: 'overlap of matched boxes', get: (t) => t.CLEAR.MOTP },
  { name: 'IDF1', meaning: 'boxes given the right identity', get: (t) => t.Identity.IDF1 },
  { name: 'IDSW', meaning: 'identity switches', get: (t) => t.CLEAR.IDSW, count: true, lower: true },
  { name: 'Frag', meaning: 'tracks interrupted', get: (t) => t.CLEAR.Frag, count: true, lower: true },
  { name: 'MT', meaning: 'objects tracked most of their life', get: (t) => t.CLEAR.MT, count: true },
  { name: 'ML', meaning: 'objects mostly lost', get: (t) => t.CLEAR.ML, count: true, lower: true },
];

const show = (r: Row, v: number | undefined) => (r.count ? formatNumber(v) : v == null ? '—' : v.toFixed(3));

export function TrackingTable({ tracking }: { tracking: Tracking }) {
  const s = tracking.sequence;
  return (
    <div className="table-scroll">
      <table className="table metrics-table tracking-table">
        <caption className="muted small">
          {formatNumber(s.frames)} frames · {formatNumber(s.gt_ids)} ground-truth tracks, {formatNumber(s.tracker_ids)} tracks found
        </caption>
        <thead><tr><th scope="col">Metric</th><th scope="col">Meaning</th><th scope="col">Value</th></tr></thead>
        <tbody>
          {TRACKING_ROWS.map((r) => (
            <tr key={r.name}><th scope="row">{r.name}</th><td className="muted">{r.meaning}</td><td className="num">{show(r, r.get(tracking))}</td></tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Delta({ r, a, b }: { r: Row; a: number | undefined; b: number | undefined }) {
  if (a == null || b == null) return <td className="num muted">—</td>;
  const d = b - a;
  const better = r.lower ? d < 0 : d > 0;
  const cls = Math.abs(d) < (r.count ? 0.5 : 5e-4) ? 'muted' : better ? 'good' : 'bad';
  return <td className={`num ${cls}`}>{d > 0 ? '+' : ''}{r.count ? formatNumber(d) : d.toFixed(3)}</td>;
}

/** Both runs' tracking metrics and B - A; a side without them shows —. */
export function TrackingCompare({ a, b, runA, runB }: { a?: Tracking; b?: Tracking; runA: number; runB: number }) {
  return (
    <div className="table-scroll">
      <table className="table metrics-table tracking-table">
        <caption className="muted small">Tracking, run #{runA} and run #{runB}</caption>
        <thead><tr><th scope="col">Metric</th><th scope="col">A</th><th scope="col">B</th><th scope="col">Δ B − A</th></tr></thead>
        <tbody>
          {TRACKING_ROWS.map((r) => {
            const va = a && r.get(a), vb = b && r.get(b);
            return <tr key={r.name}><th scope="row" title={r.meaning}>{r.name}</th><td className="num">{show(r, va)}</td><td className="num">{show(r, vb)}</td><Delta r={r} a={va} b={vb} /></tr>;
          })}
        </tbody>
      </table>
    </div>
  );
}
