import { describe, expect, it } from 'vitest';
import { containFit, cornerAt, frameAt, frameSeekTime, hitTest, moveBox, normalizeBox, placeLabel, resizeBox, toScreen, toVideo, type LabelRect } from './geometry';
import { detectionsAt } from './Player';
import type { Detection } from '../../../lib/api/detections';

describe('containFit', () => {
  it('letterboxes a 16:9 video in a square and maps both ways', () => {
    const f = containFit(1280, 720, 640, 640);
    expect(f.scale).toBe(0.5);
    expect(f.oy).toBe((640 - 360) / 2);
    expect(toScreen(f, 1280, 720)).toEqual({ x: 640, y: 500 });
    expect(toVideo(f, 320, 320)).toEqual({ x: 640, y: 360 });
  });
});

describe('frameAt', () => {
  it('maps media time to the frame it shows, robust to float error', () => {
    expect(frameAt(0, 30)).toBe(0);
    expect(frameAt(10 / 30, 30)).toBe(10);
    expect(frameAt(0.3333333, 30)).toBe(10);
    expect(frameAt((10 + 0.5) / 30, 30)).toBe(10);
  });
});

describe('frameAt with AVP frame times', () => {
  // The VFR fixture of web/e2e/frames.mjs: every third frame 40 ms late.
  const vfr = Float64Array.from({ length: 20 }, (_, k) => k * 0.1 + (k % 3 === 1 ? 0.04 : 0));
  it('finds the last frame at or before t on variable-frame-rate video', () => {
    expect(frameAt(0.13, 10, vfr)).toBe(0); // frame 1 is at 0.14, not 0.1
    expect(frameAt(0.14, 10, vfr)).toBe(1);
    expect(frameAt(0.1399995, 10, vfr)).toBe(1); // microsecond rounding
    expect(frameAt(0.19, 10, vfr)).toBe(1);
    expect(frameAt(0.2, 10, vfr)).toBe(2);
    // Where t x average fps is wrong: frame 4 starts at 0.44, not 0.4.
    expect(frameAt(0.42, 10, vfr)).toBe(3);
    expect(frameAt(0.42, 10)).toBe(4);
    vfr.forEach((t, k) => expect(frameAt(t, 10, vfr)).toBe(k));
  });
  it('agrees with the average rate on constant-frame-rate video', () => {
    const cfr = Float64Array.from({ length: 300 }, (_, k) => k / 30);
    for (let k = 0; k < 300; k++) {
      const mid = (k + 0.5) / 30;
      expect(frameAt(mid, 30, cfr)).toBe(frameAt(mid, 30));
      expect(frameAt(k / 30, 30, cfr)).toBe(k);
    }
  });
  it('shows frame 0 before the first frame and the last one after the end', () => {
    const late = Float64Array.of(0.5, 0.6, 0.7); // a negative start cut away
    expect(frameAt(0, 10, late)).toBe(0);
    expect(frameAt(-1, 10, late)).toBe(0);
    expect(frameAt(99, 10, late)).toBe(2);
    expect(frameAt(0.65, 10, late)).toBe(1);
  });
  it('falls back to the average rate without times', () => {
    expect(frameAt(0.42, 10, null)).toBe(4);
    expect(frameAt(0.42, 10, new Float64Array(0))).toBe(4);
  });
  it('seeks into the middle of a frame\'s display interval', () => {
    expect(frameSeekTime(1, 10, vfr)).toBeCloseTo(0.17, 12);
    expect(frameAt(frameSeekTime(1, 10, vfr), 10, vfr)).toBe(1);
    expect(frameSeekTime(19, 10, vfr)).toBeCloseTo(1.99, 12); // last (1.94): one average frame on
    expect(frameSeekTime(99, 10, vfr)).toBeCloseTo(1.99, 12);
    expect(frameSeekTime(-3, 10, vfr)).toBeCloseTo(0.07, 12);
    expect(frameSeekTime(4, 10)).toBeCloseTo(0.45, 12);
  });
});

describe('hitTest and normalizeBox', () => {
  it('finds the topmost box and orders and clamps a dragged box', () => {
    const boxes = [{ x1: 0, y1: 0, x2: 100, y2: 100 }, { x1: 50, y1: 50, x2: 80, y2: 80 }];
    expect(hitTest(boxes, 60, 60)).toBe(1);
    expect(hitTest(boxes, 10, 10)).toBe(0);
    expect(hitTest(boxes, 200, 10)).toBe(-1);
    expect(normalizeBox({ x: 120, y: 40 }, { x: -5, y: 10 }, 100, 100)).toEqual({ x1: 0, y1: 10, x2: 100, y2: 40 });
  });
});

describe('detectionsAt', () => {
  const d = (frame: number) => ({ frame } as Detection);
  const byFrame = new Map([[10, [d(10)]], [15, [d(15), d(15)]]]);
  it('shows the frame own boxes, or the last sampled frame within every', () => {
    expect(detectionsAt(byFrame, 10, 1)).toHaveLength(1);
    expect(detectionsAt(byFrame, 11, 1)).toHaveLength(0);
    expect(detectionsAt(byFrame, 14, 5)).toEqual([d(10)]);
    expect(detectionsAt(byFrame, 16, 5)).toHaveLength(2);
  });
});


describe('box editing geometry', () => {
  const b = { x1: 100, y1: 100, x2: 200, y2: 300 };
  it('finds the corner near a point, none in the middle of an edge', () => {
    expect(cornerAt(b, 97, 303, 4)).toBe('sw');
    expect(cornerAt(b, 204, 96, 4)).toBe('ne');
    expect(cornerAt(b, 150, 100, 4)).toBeNull();
  });
  it('moves a box whole, stopping at the frame edge', () => {
    expect(moveBox(b, 10, -5, 1280, 720)).toEqual({ x1: 110, y1: 95, x2: 210, y2: 295 });
    expect(moveBox(b, -500, 1000, 1280, 720)).toEqual({ x1: 0, y1: 520, x2: 100, y2: 720 });
  });
  it('resizes by a corner inside the frame and never past the opposite corner', () => {
    expect(resizeBox(b, 'nw', { x: 50, y: -20 }, 1280, 720)).toEqual({ x1: 50, y1: 0, x2: 200, y2: 300 });
    expect(resizeBox(b, 'se', { x: 90, y: 90 }, 1280, 720)).toEqual({ x1: 100, y1: 100, x2: 101, y2: 101 });
  });
});

describe('placeLabel', () => {
  it('stacks the labels of boxes that share a corner instead of drawing them over each other', () => {
    const placed: LabelRect[] = [];
    const tops = [0, 1, 2].map(() => placeLabel(placed, 100, 50, 80, 18, 720));
    expect(tops).toEqual([50, 68, 86]);
    // A label elsewhere keeps its place.
    expect(placeLabel(placed, 400, 50, 80, 18, 720)).toBe(50);
    // Never below the overlay.
    const full: LabelRect[] = [];
    expect(Math.max(...[0, 1, 2, 3].map(() => placeLabel(full, 0, 0, 50, 18, 40)))).toBeLessThanOrEqual(22);
  });
});
