// historyLines.ts - Prometheus' lines (seconds, value) as chart series
// (milliseconds, value in the unit shown), one per label set.
import type { Series } from '../../../components/charts/LineChart';
import type { HistoryLine } from '../api/history';

const COLORS = ['var(--accent)', 'hsl(150 60% 45%)', 'hsl(40 90% 50%)', 'hsl(280 60% 60%)'];

/** A line's legend: its label values ("avp-worker"), or the fallback. */
export function lineLabel(line: HistoryLine, fallback: string): string {
  const values = Object.values(line.labels ?? {});
  return values.length ? values.join(' ') : fallback;
}

export function toSeries(lines: readonly HistoryLine[], title: string, scale = 1): Series[] {
  return lines.filter((l) => l.points.length > 1).map((l, i) => ({
    label: lineLabel(l, title),
    color: COLORS[i % COLORS.length],
    x: l.points.map(([t]) => t * 1000),
    y: l.points.map(([, v]) => v * scale),
  }));
}
