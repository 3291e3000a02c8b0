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

/** Slack on media time: chromium reports it in microseconds, AVP's times
 * are the container's exact fractions. */
const T_EPS = 1e-6;

/** The frame index shown at media time t: with AVP's frame times (times[k]
 * is frame k's presentation time, ascending), the last frame whose time is
 * <= t, by binary search (frame 0 before the first, the last one after
 * it); without them (a video no run has decoded whole yet), frame k covers
 * [k/fps, (k+1)/fps) at the average rate. */
export function frameAt(t: number, fps: number, times?: ArrayLike<number> | null): number {
  if (!times || times.length === 0) return Math.max(0, Math.floor(t * fps + T_EPS));
  let lo = 0;
  let hi = times.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (times[mid] <= t + T_EPS) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Where to seek to show frame k: the middle of its display interval (the
 * next frame's time, or one average frame after the last), so the frame
 * is shown whatever the browser rounds. */
export function frameSeekTime(k: number, fps: number, times?: ArrayLike<number> | null): number {
  const f = Math.max(0, k);
  if (!times || times.length === 0) return (f + 0.5) / fps;
  const i = Math.min(f, times.length - 1);
  const next = i + 1 < times.length ? times[i + 1] : times[i] + 1 / fps;
  return (times[i] + next) / 2;
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
