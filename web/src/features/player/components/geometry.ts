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
