import { describe, expect, it } from 'vitest';
import { containFit, cornerAt, frameAt, hitTest, moveBox, normalizeBox, resizeBox, toScreen, toVideo } from './geometry';
import { detectionsAt } from './Player';
import { bucketize, BUCKETS, sumWindows } from './Timeline';
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

describe('bucketize', () => {
  it('counts times into equal buckets over the duration', () => {
    const b = bucketize([0, 0.5, 9.99, 10, -1], 10, new Float64Array(10));
    expect(Array.from(b)).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
});

describe('sumWindows', () => {
  it('adds the buckets of every window, reusing each window\'s counts', () => {
    const a = [{ t: 0 }, { t: 0.01 }];
    const b = [{ t: 9.99 }];
    const s1 = sumWindows([a, b], 10);
    expect(s1[0]).toBe(2);
    expect(s1[BUCKETS - 1]).toBe(1);
    expect(sumWindows([a], 10)[0]).toBe(2);
    expect(sumWindows([a], 20)[0]).toBe(2); // another duration buckets again
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
