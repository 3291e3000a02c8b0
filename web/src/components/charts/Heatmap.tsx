// Heatmap.tsx - a confusion matrix: rows are ground truth, columns are
// predictions, the last of each is "background". Cells are shaded by their
// share of the row, so rare classes read as well as common ones.

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
                    const share = v / total;
                    return (
                      <td key={j} className={i === j ? 'diag' : undefined}
                        style={{ background: `color-mix(in srgb, var(${i === j ? '--good' : '--bad'}) ${Math.round(share * 85)}%, transparent)` }}
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
