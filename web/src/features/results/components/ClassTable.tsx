// ClassTable.tsx - per-class TP/FP/FN, precision, recall, F1 and AP.
import { classColorOnPanel as classColor } from '../../../lib/classes';
import { formatNumber } from '../../../lib/format';
import type { ClassResult, Overall } from '../api/types';

const f3 = (x: number | null | undefined) => (x == null ? '—' : x.toFixed(3));

export function ClassTable({ classes, overall }: { classes: ClassResult[]; overall: Overall }) {
  return (
    <div className="table-scroll">
      <table className="table metrics-table">
        <caption className="sr-only">Metrics per class</caption>
        <thead>
          <tr>
            <th scope="col">Class</th><th scope="col">TP</th><th scope="col">FP</th><th scope="col">FN</th>
            <th scope="col">Precision</th><th scope="col">Recall</th><th scope="col">F1</th>
            <th scope="col">AP50</th><th scope="col">AP75</th><th scope="col">mAP</th><th scope="col">Best thr.</th>
          </tr>
        </thead>
        <tbody>
          {classes.map((c) => (
            <tr key={c.class}>
              <th scope="row"><span className="swatch" style={{ background: classColor(c.class) }} />{c.class}</th>
              <td className="num">{formatNumber(c.tp)}</td><td className="num">{formatNumber(c.fp)}</td><td className="num">{formatNumber(c.fn)}</td>
              <td className="num">{f3(c.precision)}</td><td className="num">{f3(c.recall)}</td><td className="num">{f3(c.f1)}</td>
              <td className="num">{f3(c.ap50)}</td><td className="num">{f3(c.ap75)}</td><td className="num">{f3(c.map)}</td>
              <td className="num">{f3(c.best_threshold)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All</th>
            <td className="num">{formatNumber(overall.tp)}</td><td className="num">{formatNumber(overall.fp)}</td><td className="num">{formatNumber(overall.fn)}</td>
            <td className="num">{f3(overall.precision)}</td><td className="num">{f3(overall.recall)}</td><td className="num">{f3(overall.f1)}</td>
            <td className="num">{f3(overall.ap50)}</td><td className="num">{f3(overall.ap75)}</td><td className="num">{f3(overall.map)}</td><td />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}
