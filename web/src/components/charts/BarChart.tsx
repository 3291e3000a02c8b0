// BarChart.tsx - vertical bars: histograms (edges given) or labelled
// categories.
import { fmtTick, linear, ticks } from './scale';

interface Props {
  title: string;
  labels: string[];
  values: number[];
  color?: string;
  height?: number;
  /** viewBox width: the chart's natural width in CSS pixels (text scales with it). */
  width?: number;
  yLabel?: string;
  xLabel?: string;
  format?: (v: number) => string;
}

const PAD = { l: 44, r: 12, t: 10, b: 40 };

export function BarChart({ title, labels, values, color = 'var(--accent)', height = 220, width: W = 480, yLabel, xLabel, format = fmtTick }: Props) {
  const max = Math.max(1e-12, ...values.filter(Number.isFinite));
  const sy = linear(0, max, height - PAD.b, PAD.t);
  const bw = (W - PAD.l - PAD.r) / Math.max(1, values.length);
  const every = Math.ceil(labels.length / (W / 48));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-label={title}>
        {ticks(0, max, 4).map((v) => (
          <g key={v}>
            <line className="grid" x1={PAD.l} x2={W - PAD.r} y1={sy(v)} y2={sy(v)} />
            <text className="tick" x={PAD.l - 6} y={sy(v)} textAnchor="end" dominantBaseline="middle">{format(v)}</text>
          </g>
        ))}
        {values.map((v, i) => (
          <rect key={i} x={PAD.l + i * bw + 1} width={Math.max(1, bw - 2)} y={sy(Math.max(0, v))}
            height={Math.max(0, height - PAD.b - sy(Math.max(0, v)))} fill={color}>
            <title>{`${labels[i]}: ${format(v)}`}</title>
          </rect>
        ))}
        {labels.map((l, i) => i % every === 0 && (
          <text key={i} className="tick" x={PAD.l + i * bw + bw / 2} y={height - PAD.b + 14} textAnchor="middle">{l}</text>
        ))}
        {xLabel && <text className="axis-label" x={(W + PAD.l) / 2} y={height - 4} textAnchor="middle">{xLabel}</text>}
        {yLabel && <text className="axis-label" transform={`translate(11 ${(height - PAD.b) / 2}) rotate(-90)`} textAnchor="middle">{yLabel}</text>}
      </svg>
    </figure>
  );
}
