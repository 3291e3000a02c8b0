import { describe, expect, it } from 'vitest';
import { contrastRatio, mix, parseColor, readableText } from './contrast';
import { classColor, classColorOnPanel, COCO_CLASSES, OUTCOME_COLORS, PANELS } from './classes';

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

  it('gives every class a color of at least 3:1 on the light and the dark panel, same hue as on video', () => {
    for (const theme of ['light', 'dark'] as const) {
      for (let i = 0; i < COCO_CLASSES.length; i++) {
        expect(contrastRatio(classColorOnPanel(i, theme), PANELS[theme])).toBeGreaterThanOrEqual(3);
        expect(classColorOnPanel(i, theme).split(' ')[0]).toBe(classColor(i).split(' ')[0]);
      }
    }
    // Yellows darken on light, blues lighten on dark: the themes differ.
    expect(COCO_CLASSES.some((_, i) => classColorOnPanel(i, 'light') !== classColorOnPanel(i, 'dark'))).toBe(true);
  });

  it('keeps the outcome colors (timeline, legend) at 3:1 on the light panels', () => {
    for (const c of Object.values(OUTCOME_COLORS)) expect(contrastRatio(c, '#f0f2f5')).toBeGreaterThanOrEqual(3);
  });

  it('keeps heatmap cell numbers readable at every shade', () => {
    for (const base of ['#15803d', '#c62828']) {
      for (let share = 0; share <= 1; share += 0.05) {
        const bg = mix(base, '#ffffff', share * 0.85);
        expect(contrastRatio(bg, readableText(bg))).toBeGreaterThanOrEqual(4.5);
      }
    }
  });

  it('gives a class one color wherever it is drawn: by its name, which a COCO index agrees with', () => {
    // The list and the player know a class id, the results a name: both
    // go through the name now.
    expect(classColor('person')).toBe(classColor(0));
    expect(classColor('dog')).toBe(classColor(COCO_CLASSES.indexOf('dog')));
    expect(classColor('forklift')).toBe(classColor('forklift'));
    expect(classColorOnPanel('car', 'dark')).toBe(classColorOnPanel(2, 'dark'));
  });

  it('sets classes whose hues come round close apart in saturation, on video and on both panels', () => {
    const hsl = (c: string) => /hsl\((\d+) (\d+)%/.exec(c)!.slice(1).map(Number);
    for (const color of [classColor, (k: string) => classColorOnPanel(k, 'light'), (k: string) => classColorOnPanel(k, 'dark')]) {
      const [dogHue, dogS] = hsl(color('dog'));
      const [cowHue, cowS] = hsl(color('cow'));
      expect(Math.abs(dogHue - cowHue)).toBeLessThan(20);
      expect(Math.abs(dogS - cowS)).toBeGreaterThanOrEqual(20);
    }
  });

  it('keeps the common classes of a run apart in hue', () => {
    const hue = (c: string) => Number(/hsl\((\d+)/.exec(c)![1]);
    const common = ['person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck', 'dog', 'traffic light'].map((n) => hue(classColor(n)));
    for (let i = 0; i < common.length; i++) {
      for (let j = i + 1; j < common.length; j++) {
        const d = Math.abs(common[i] - common[j]);
        expect(Math.min(d, 360 - d)).toBeGreaterThanOrEqual(30);
      }
    }
  });
});
