// Timeline.tsx - a strip over the whole video: detections and ground truth
// per bucket of the whole run (the server's summary, api/runTimeline), and
// the evaluation's TP/FP/FN per frame when the server has one. Click or use the arrow keys
// on it to jump.
import { useEffect, useRef, type KeyboardEvent, type PointerEvent } from 'react';
import { OUTCOME_COLORS } from '../../../lib/classes';
import { formatDuration } from '../../../lib/format';
import type { FrameOutcome } from '../../../lib/types';

export interface TimelineData {
  detections: Float64Array; // counts per bucket, the buckets spanning the video
  gt: Float64Array;
  outcomes: readonly FrameOutcome[] | null;
}

interface Props {
  duration: number;
  t: number;
  data: TimelineData;
  onSeek: (t: number) => void;
}

const ROWS = [{ key: 'detections', label: 'Detections' }, { key: 'gt', label: 'Ground truth' }, { key: 'outcomes', label: 'TP / FP / FN' }];
const ROW_H = 14;

function drawRow(ctx: CanvasRenderingContext2D, counts: Float64Array, y: number, w: number, color: string) {
  const max = Math.max(1, ...counts);
  ctx.fillStyle = color;
  const bw = w / counts.length;
  for (let i = 0; i < counts.length; i++) {
    if (!counts[i]) continue;
    ctx.globalAlpha = 0.35 + 0.65 * (counts[i] / max);
    ctx.fillRect(i * bw, y, Math.max(1, bw), ROW_H - 2);
  }
  ctx.globalAlpha = 1;
}

const OUTCOME_RANK = [null, OUTCOME_COLORS.tp, OUTCOME_COLORS.fp, OUTCOME_COLORS.fn] as const;

/** One rectangle per pixel column, whatever the number of frames (an hour
 * at 30 fps is 108,000): the worst outcome in the column wins, FN, then
 * FP, then TP. */
function drawOutcomes(ctx: CanvasRenderingContext2D, o: readonly FrameOutcome[], duration: number, y: number, w: number) {
  const worst = new Uint8Array(Math.ceil(w) + 1);
  for (const f of o) {
    const x = Math.floor((f.t / duration) * w);
    const rank = f.fn ? 3 : f.fp ? 2 : f.tp ? 1 : 0;
    if (x >= 0 && x < worst.length && rank > worst[x]) worst[x] = rank;
  }
  for (let x = 0; x < worst.length; x++) {
    if (!worst[x]) continue;
    ctx.fillStyle = OUTCOME_RANK[worst[x]]!;
    ctx.fillRect(x, y, 1.5, ROW_H - 2);
  }
}

export function Timeline({ duration, t, data, onSeek }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = canvas.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const w = (c.width = c.clientWidth * devicePixelRatio);
    c.height = ROWS.length * ROW_H * devicePixelRatio;
    ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
    const cw = w / devicePixelRatio;
    ctx.clearRect(0, 0, cw, ROWS.length * ROW_H);
    drawRow(ctx, data.detections, 0, cw, 'hsl(200 80% 55%)');
    drawRow(ctx, data.gt, ROW_H, cw, OUTCOME_COLORS.gt);
    if (data.outcomes && duration > 0) drawOutcomes(ctx, data.outcomes, duration, 2 * ROW_H, cw);
  }, [data, duration]);
  const seekAt = (e: PointerEvent<HTMLDivElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    onSeek(Math.max(0, Math.min(duration, ((e.clientX - r.left) / r.width) * duration)));
  };
  const onKey = (e: KeyboardEvent) => {
    const step = e.shiftKey ? duration / 20 : duration / 100;
    if (e.key === 'ArrowRight') onSeek(Math.min(duration, t + step));
    else if (e.key === 'ArrowLeft') onSeek(Math.max(0, t - step));
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const pos = duration > 0 ? (t / duration) * 100 : 0;
  return (
    <div className="timeline">
      <ul className="timeline-labels" aria-hidden="true">
        {ROWS.map((r) => <li key={r.key}>{r.label}</li>)}
      </ul>
      <div className="timeline-track" role="slider" tabIndex={0} aria-label="Timeline" aria-valuemin={0}
        aria-valuemax={Math.round(duration)} aria-valuenow={Math.round(t)} aria-valuetext={formatDuration(t, 2)}
        onPointerDown={seekAt} onKeyDown={onKey} data-testid="timeline" data-outcomes={data.outcomes?.length ?? 0}
        data-buckets={data.detections.length} data-detections={data.detections.reduce((a, b) => a + b, 0)}>
        <canvas ref={canvas} style={{ height: ROWS.length * ROW_H }} />
        <div className="timeline-cursor" style={{ left: `${pos}%` }} />
      </div>
    </div>
  );
}
