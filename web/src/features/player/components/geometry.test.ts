import { describe, expect, it } from 'vitest';
import { containFit, cornerAt, frameAt, hitTest, moveBox, normalizeBox, placeLabel, resizeBox, toScreen, toVideo, type LabelRect } from './geometry';
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
