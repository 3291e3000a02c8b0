// TideTable.tsx - TIDE's error taxonomy (Bolya et al. 2020) of an
// evaluation: how many false positives and misses of each type, and the
// AP50 each type costs (dAP: AP50 with that type fixed, minus AP50), for
// the run and per class; and the same for two runs side by side.
import { formatNumber } from '../../../lib/format';
import { TIDE_TYPES, type Tide, type TideErrors, type TideType } from '../api/types';

/** What each type means, in plain words (the column headers' titles). */
export const TIDE_MEANING: Record<TideType, string> = {
  Cls: 'right place, wrong class',
  Loc: 'right class, box misplaced',
  Both: 'wrong class and misplaced',
  Dupe: 'a second box on an object already found',
  Bkg: 'a box on background',
  Miss: 'an object no box found',
};

/** dAP in AP points (x 100), as TIDE prints it. */
const points = (x: number | null | undefined) => (x == null ? '—' : (100 * x).toFixed(2));

function TypeHeaders({ prefix = '' }: { prefix?: string }) {
  return <>{TIDE_TYPES.map((t) => <th key={t} scope="col" title={TIDE_MEANING[t]}>{prefix}{t}</th>)}</>;
}

const dapCells = (e: TideErrors) => TIDE_TYPES.map((t) => <td key={t} className="num">{points(e[t]?.dAP)}</td>);

export function TideTable({ tide }: { tide: Tide }) {
  return (
    <>
      <div className="table-scroll">
        <table className="table metrics-table tide-table">
          <caption className="muted small">Errors of each type and the AP50 points fixing them would add (AP50 {points(tide.AP50)})</caption>
          <thead><tr><th scope="col">Type</th><th scope="col">Meaning</th><th scope="col">Count</th><th scope="col">dAP</th></tr></thead>
          <tbody>
            {TIDE_TYPES.map((t) => (
              <tr key={t}>
                <th scope="row">{t}</th><td className="muted">{TIDE_MEANING[t]}</td>
                <td className="num">{formatNumber(tide.errors[t]?.count)}</td><td className="num">{points(tide.errors[t]?.dAP)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {tide.per_class.length > 0 && (
        <div className="table-scroll">
          <table className="table metrics-table tide-table">
            <caption className="muted small">dAP per class</caption>
            <thead><tr><th scope="col">Class</th><th scope="col">AP50</th><TypeHeaders /></tr></thead>
            <tbody>
              {tide.per_class.map((c) => (
                <tr key={c.category_id}><th scope="row">{c.name}</th><td className="num">{points(c.AP50)}</td>{dapCells(c.errors)}</tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Delta({ a, b }: { a: number | undefined; b: number | undefined }) {
  if (a == null || b == null) return <td className="num muted">—</td>;
  const d = 100 * (b - a);
  // A type costing less AP in B is the better side.
  const cls = Math.abs(d) < 0.005 ? 'muted' : d < 0 ? 'good' : 'bad';
  return <td className={`num ${cls}`}>{d > 0 ? '+' : ''}{d.toFixed(2)}</td>;
}

/** The two runs' dAP per type, and B - A (less is better). */
export function TideCompare({ a, b, runA, runB }: { a: Tide; b: Tide; runA: number; runB: number }) {
  return (
    <div className="table-scroll">
      <table className="table metrics-table tide-table">
        <caption className="muted small">AP50 points each error type costs, run #{runA} and run #{runB}</caption>
        <thead><tr><th scope="col">Type</th><th scope="col">A count</th><th scope="col">B count</th><th scope="col">A dAP</th><th scope="col">B dAP</th><th scope="col">Δ B − A</th></tr></thead>
        <tbody>
          {TIDE_TYPES.map((t) => (
            <tr key={t}>
              <th scope="row" title={TIDE_MEANING[t]}>{t}</th>
              <td className="num">{formatNumber(a.errors[t]?.count)}</td><td className="num">{formatNumber(b.errors[t]?.count)}</td>
              <td className="num">{points(a.errors[t]?.dAP)}</td><td className="num">{points(b.errors[t]?.dAP)}</td>
              <Delta a={a.errors[t]?.dAP} b={b.errors[t]?.dAP} />
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
