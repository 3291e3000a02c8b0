// drawBoxes.ts - paints detections and ground truth on the overlay canvas.
import { classColor, className, OUTCOME_COLORS } from '../../../lib/classes';
import { placeLabel, toScreen, type Box, type Fit, type LabelRect } from './geometry';
import { readableText } from '../../../lib/contrast';
import type { Detection } from '../../../lib/api/detections';
import type { GtBox } from '../../../lib/api/groundTruth';

export interface DrawInput {
  ctx: CanvasRenderingContext2D;
  width: number;
  height: number;
  fit: Fit;
  dets: readonly Detection[];
  gt: readonly GtBox[];
  classNames: readonly string[] | null;
  selectedGt: number | null;
  draft: Box | null;
}

function rect(ctx: CanvasRenderingContext2D, fit: Fit, b: Box) {
  const a = toScreen(fit, b.x1, b.y1);
  const c = toScreen(fit, b.x2, b.y2);
  ctx.strokeRect(a.x, a.y, c.x - a.x, c.y - a.y);
  return a;
}

const LABEL_H = 18;

/** A label at the first free place at or below its box's corner (y, the
 * box's top, or under its bottom for ground truth), recorded in placed. */
function label(ctx: CanvasRenderingContext2D, placed: LabelRect[], text: string, x: number, y: number, color: string, height: number) {
  const w = ctx.measureText(text).width + 8;
  const top = placeLabel(placed, x, y - LABEL_H < 0 ? y : y - LABEL_H, w, LABEL_H, height);
  ctx.fillStyle = color;
  ctx.fillRect(x, top, w, LABEL_H);
  ctx.fillStyle = readableText(color);
  ctx.fillText(text, x + 4, top + 13);
}

/** The corner squares of the selected box, grabbed to resize it. */
function handles(ctx: CanvasRenderingContext2D, fit: Fit, b: { x1: number; y1: number; x2: number; y2: number }) {
  ctx.fillStyle = '#fff';
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 1;
  for (const [x, y] of [[b.x1, b.y1], [b.x2, b.y1], [b.x1, b.y2], [b.x2, b.y2]]) {
    const s = toScreen(fit, x, y);
    ctx.fillRect(s.x - 4, s.y - 4, 8, 8);
    ctx.strokeRect(s.x - 4, s.y - 4, 8, 8);
  }
}

export function drawBoxes(p: DrawInput): void {
  const { ctx, fit } = p;
  ctx.clearRect(0, 0, p.width, p.height);
  ctx.font = '600 12px system-ui, sans-serif';
  ctx.setLineDash([6, 4]);
  const placed: LabelRect[] = [];
  for (const g of p.gt) {
    const color = g.id === p.selectedGt ? '#fff' : OUTCOME_COLORS.gt;
    ctx.strokeStyle = color;
    ctx.lineWidth = g.id === p.selectedGt ? 3 : 2;
    const a = rect(ctx, fit, g);
    label(ctx, placed, `GT ${g.class}${g.validated ? ' ✓' : ''}`, a.x, toScreen(fit, g.x2, g.y2).y + LABEL_H, color, p.height);
  }
  ctx.setLineDash([]);
  const sel = p.gt.find((g) => g.id === p.selectedGt);
  if (sel && !p.draft) handles(ctx, fit, sel);
  ctx.lineWidth = 2;
  for (const d of p.dets) {
    const name = className(d.class_id, p.classNames);
    const color = classColor(name);
    ctx.strokeStyle = color;
    const a = rect(ctx, fit, d);
    label(ctx, placed, `${name} ${(d.score * 100).toFixed(0)}%`, a.x, a.y, color, p.height);
  }
  if (p.draft) {
    ctx.strokeStyle = '#fff';
    ctx.setLineDash([3, 3]);
    rect(ctx, fit, p.draft);
    ctx.setLineDash([]);
  }
}
