// Heatmap.tsx - a confusion matrix: rows are ground truth, columns are
// predictions, the last of each is "background". Cells are shaded by their
// share of the row, so rare classes read as well as common ones; the
// number in a cell is black or white, whichever reads on its shade.
import { mix, readableText } from '../../lib/contrast';

// The palette's --good and --bad (styles.css), over the white panel.
const GOOD = '#15803d';
const BAD = '#c62828';
const PANEL = '#ffffff';

interface Props {
  title: string;
  labels: string[];
  matrix: number[][];
}

export function Heatmap({ title, labels, matrix }: Props) {
  return (
    <figure className="chart heatmap">
      <figcaption>{title}</figcaption>
      <div className="table-scroll">
        <table className="matrix">
          <thead>
            <tr>
              <th scope="col" className="corner">truth ↓ / predicted →</th>
              {labels.map((l) => <th key={l} scope="col">{l}</th>)}
            </tr>
          </thead>
          <tbody>
            {matrix.map((row, i) => {
              const total = row.reduce((a, b) => a + b, 0) || 1;
              return (
                <tr key={labels[i] ?? i}>
                  <th scope="row">{labels[i]}</th>
                  {row.map((v, j) => {
                    const bg = mix(i === j ? GOOD : BAD, PANEL, Math.round((v / total) * 85) / 100);
                    return (
                      <td key={j} className={i === j ? 'diag' : undefined} style={{ background: bg, color: readableText(bg) }}
                        title={`${labels[i]} → ${labels[j]}: ${v}`}>
                        {v}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
