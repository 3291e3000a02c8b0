// classes.ts - class names and colors. Runs carry class ids; names come
// from the model (class_names), else COCO's 80, which YOLO models use.
import { contrastRatio } from './contrast';

export const COCO_CLASSES = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat',
  'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog',
  'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
  'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
  'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich',
  'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch',
  'potted plant', 'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
  'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book',
  'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

export function className(id: number, names?: readonly string[] | null): string {
  const list = names && names.length ? names : COCO_CLASSES;
  return list[id] ?? `class ${id}`;
}

// The classes a road or people camera sees most, first: golden-angle
// steps put the first eight at least 32 degrees of hue apart.
const COMMON = ['person', 'car', 'bicycle', 'motorcycle', 'bus', 'truck', 'dog', 'traffic light'];
const WHEEL = new Map([...COMMON, ...COCO_CLASSES.filter((c) => !COMMON.includes(c))].map((c, i) => [c, i]));

/** A stable, well-separated hue per class, one per class name wherever
 * it is drawn: a name (what every page passes, so that a class has the
 * same color in the list, the player and the results) takes its place on
 * the wheel (the common classes first, then COCO's), any other name a
 * hash; a number is a COCO index, the same as its name. */
export function classColor(key: number | string): string {
  const name = typeof key === 'number' ? COCO_CLASSES[key] ?? `class ${key}` : key;
  let n = WHEEL.get(name) ?? hashString(name);
  n = Math.abs(n);
  const hue = (n * 137.508 + 20) % 360;
  // Every eight steps the wheel comes round near the same hues (dog and
  // cow, both green): those rounds differ in saturation too, which the
  // panel colors keep (they move the lightness only).
  return `hsl(${hue.toFixed(0)} ${SATURATION[Math.floor(n / 8) % SATURATION.length]}% 55%)`;
}

const SATURATION = [85, 45, 65];

/** The panels class colors sit on, light and dark theme (styles.css). */
export const PANELS = { light: '#ffffff', dark: '#171b21' } as const;

const onPanel = new Map<string, string>();

/** The class's hue at a lightness with 3:1 against the panel (WCAG 1.4.11:
 * chart lines, bars and swatches on the page): darker than classColor on
 * the light theme, lighter on the dark one. The bright classColor stays
 * for boxes drawn over video. */
export function classColorOnPanel(key: number | string, theme: keyof typeof PANELS = currentTheme()): string {
  const memo = `${theme}|${key}`;
  let c = onPanel.get(memo);
  if (!c) {
    const [, hue, sat] = /hsl\((\d+) (\d+)%/.exec(classColor(key))!;
    const step = theme === 'light' ? -5 : 5;
    let l = 55;
    while (contrastRatio(`hsl(${hue} ${sat}% ${l}%)`, PANELS[theme]) < 3 && l > 15 && l < 90) l += step;
    c = `hsl(${hue} ${sat}% ${l}%)`;
    onPanel.set(memo, c);
  }
  return c;
}

function currentTheme(): keyof typeof PANELS {
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** Colors for evaluation outcomes, also used by the legend. */
// Each 3:1 or more on the light panels the timeline and legend sit on.
export const OUTCOME_COLORS = { tp: '#15803d', fp: '#e5484d', fn: '#b45309', gt: '#3b82f6' } as const;
