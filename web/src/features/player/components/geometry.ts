// geometry.ts - video pixels <-> element pixels for a <video> drawn with
// object-fit: contain (letterboxed), and box hit testing.

export interface Fit {
  scale: number;
  ox: number;
  oy: number;
}

export function containFit(videoW: number, videoH: number, boxW: number, boxH: number): Fit {
  if (!videoW || !videoH) return { scale: 1, ox: 0, oy: 0 };
  const scale = Math.min(boxW / videoW, boxH / videoH);
  return { scale, ox: (boxW - videoW * scale) / 2, oy: (boxH - videoH * scale) / 2 };
}

export const toScreen = (f: Fit, x: number, y: number) => ({ x: f.ox + x * f.scale, y: f.oy + y * f.scale });
export const toVideo = (f: Fit, x: number, y: number) => ({ x: (x - f.ox) / f.scale, y: (y - f.oy) / f.scale });

export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The last (topmost) box containing (x, y), or -1. */
export function hitTest(boxes: readonly Box[], x: number, y: number): number {
  for (let i = boxes.length - 1; i >= 0; i--) {
    const b = boxes[i];
    if (x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2) return i;
  }
  return -1;
}

export function normalizeBox(a: { x: number; y: number }, b: { x: number; y: number }, w: number, h: number): Box {
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, v));
  return {
    x1: clamp(Math.min(a.x, b.x), w), y1: clamp(Math.min(a.y, b.y), h),
    x2: clamp(Math.max(a.x, b.x), w), y2: clamp(Math.max(a.y, b.y), h),
  };
}

/** The frame index shown at media time t (frame k covers [k/fps, (k+1)/fps)). */
export function frameAt(t: number, fps: number): number {
  return Math.max(0, Math.floor(t * fps + 1e-6));
}

export type Corner = 'nw' | 'ne' | 'sw' | 'se';

/** The corner of b within tol (video pixels) of (x, y), or null. */
export function cornerAt(b: Box, x: number, y: number, tol: number): Corner | null {
  const near = (a: number, v: number) => Math.abs(a - v) <= tol;
  const v = near(y, b.y1) ? 'n' : near(y, b.y2) ? 's' : '';
  const h = near(x, b.x1) ? 'w' : near(x, b.x2) ? 'e' : '';
  return v && h ? (`${v}${h}` as Corner) : null;
}

/** b shifted by (dx, dy), kept whole inside a w x h frame. */
export function moveBox(b: Box, dx: number, dy: number, w: number, h: number): Box {
  const bw = b.x2 - b.x1;
  const bh = b.y2 - b.y1;
  const x1 = Math.max(0, Math.min(w - bw, b.x1 + dx));
  const y1 = Math.max(0, Math.min(h - bh, b.y1 + dy));
  return { x1, y1, x2: x1 + bw, y2: y1 + bh };
}

/** b with corner dragged to p; the opposite corner stays, the box is kept
 * at least one pixel wide and inside the frame. */
export function resizeBox(b: Box, corner: Corner, p: { x: number; y: number }, w: number, h: number): Box {
  const x = Math.max(0, Math.min(w, p.x));
  const y = Math.max(0, Math.min(h, p.y));
  const r = { ...b };
  if (corner[0] === 'n') r.y1 = Math.min(y, b.y2 - 1);
  else r.y2 = Math.max(y, b.y1 + 1);
  if (corner[1] === 'w') r.x1 = Math.min(x, b.x2 - 1);
  else r.x2 = Math.max(x, b.x1 + 1);
  return r;
}

/** A label's rectangle on the overlay, in CSS pixels. */
export interface LabelRect { x: number; y: number; w: number; h: number }

const overlaps = (a: LabelRect, b: LabelRect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** The top of a w x h label wanted at (x, top): there if free, else the
 * first free place one label height further down (boxes of a crowd stack
 * their labels instead of printing them over each other), kept inside
 * the overlay's height; the label is added to placed. Quadratic in the
 * labels of one frame, which are tens. */
export function placeLabel(placed: LabelRect[], x: number, top: number, w: number, h: number, height: number): number {
  const r = { x, y: Math.max(0, top), w, h };
  while (placed.some((p) => overlaps(p, r)) && r.y + 2 * h <= height) r.y += h;
  placed.push(r);
  return r.y;
}
