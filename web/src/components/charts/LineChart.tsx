// LineChart.tsx - a few series as SVG polylines with axes and a legend.
// Fixed domains can be given (PR curves live in [0,1]x[0,1]).
import { extent, fmtTick, linear, ticks } from './scale';

export interface Series {
  label: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  dashed?: boolean;
}

interface Props {
  series: Series[];
  title: string;
  xLabel?: string;
  yLabel?: string;
  xDomain?: [number, number];
  yDomain?: [number, number];
  height?: number;
  xFormat?: (v: number) => string;
  marker?: { x: number; label: string };
}

const W = 480;
const PAD = { l: 44, r: 12, t: 10, b: 34 };

export function LineChart({ series, title, xLabel, yLabel, xDomain, yDomain, height = 220, xFormat = fmtTick, marker }: Props) {
  const all = (k: 'x' | 'y') => series.flatMap((s) => Array.from(s[k]));
  const [x0, x1] = xDomain ?? extent(all('x'));
  const [ylo, yhi] = yDomain ?? extent(all('y'));
  const y0 = yDomain ? ylo : Math.min(0, ylo);
  const y1 = yDomain ? yhi : yhi === y0 ? y0 + 1 : yhi;
  const sx = linear(x0, x1, PAD.l, W - PAD.r);
  const sy = linear(y0, y1, height - PAD.b, PAD.t);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={title}>
        {ticks(y0, y1, 4).map((v) => (
          <g key={'y' + v}>
            <line className="grid" x1={PAD.l} x2={W - PAD.r} y1={sy(v)} y2={sy(v)} />
            <text className="tick" x={PAD.l - 6} y={sy(v)} textAnchor="end" dominantBaseline="middle">{fmtTick(v)}</text>
          </g>
        ))}
        {ticks(x0, x1, 5).map((v) => (
          <text key={'x' + v} className="tick" x={sx(v)} y={height - PAD.b + 14} textAnchor="middle">{xFormat(v)}</text>
        ))}
        {xLabel && <text className="axis-label" x={(W + PAD.l) / 2} y={height - 4} textAnchor="middle">{xLabel}</text>}
        {yLabel && <text className="axis-label" transform={`translate(11 ${(height - PAD.b) / 2}) rotate(-90)`} textAnchor="middle">{yLabel}</text>}
        {marker && (
          <g>
            <line className="marker" x1={sx(marker.x)} x2={sx(marker.x)} y1={PAD.t} y2={height - PAD.b} />
            <text className="tick" x={sx(marker.x) + 4} y={PAD.t + 10}>{marker.label}</text>
          </g>
        )}
        {series.map((s) => (
          <polyline key={s.label} fill="none" stroke={s.color} strokeWidth={2} strokeDasharray={s.dashed ? '5 4' : undefined}
            points={Array.from(s.x, (xv, i) => `${sx(xv).toFixed(1)},${sy(s.y[i]).toFixed(1)}`).join(' ')} />
        ))}
      </svg>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((s) => (
            <li key={s.label}><span className="swatch" style={{ background: s.color }} />{s.label}</li>
          ))}
        </ul>
      )}
    </figure>
  );
}
