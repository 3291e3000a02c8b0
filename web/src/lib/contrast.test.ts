import { describe, expect, it } from 'vitest';
import { contrastRatio, mix, parseColor, readableText } from './contrast';
import { classColor, COCO_CLASSES, OUTCOME_COLORS } from './classes';

describe('contrast', () => {
  it('matches the WCAG reference values', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(parseColor('hsl(120 100% 50%)')).toEqual([0, 255, 0]);
    expect(mix('#ff0000', '#ffffff', 0.5)).toBe('#ff8080');
    expect(parseColor('#fa0')).toEqual([255, 170, 0]);
  });

  it('finds text of at least 4.5:1 on every class color and outcome color', () => {
    const bgs = [...COCO_CLASSES.map((_, i) => classColor(i)), ...Object.values(OUTCOME_COLORS)];
    const worst = Math.min(...bgs.map((bg) => contrastRatio(bg, readableText(bg))));
    expect(worst).toBeGreaterThanOrEqual(4.5);
  });

  it('keeps heatmap cell numbers readable at every shade', () => {
    for (const base of ['#15803d', '#c62828']) {
      for (let share = 0; share <= 1; share += 0.05) {
        const bg = mix(base, '#ffffff', share * 0.85);
        expect(contrastRatio(bg, readableText(bg))).toBeGreaterThanOrEqual(4.5);
      }
    }
  });
});
