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

/** A stable, well-separated hue per class (golden-angle steps). */
export function classColor(key: number | string): string {
  let n = typeof key === 'number' ? key : hashString(key);
  n = Math.abs(n);
  const hue = (n * 137.508 + 20) % 360;
  return `hsl(${hue.toFixed(0)} 85% 55%)`;
}

/** The class's hue, dark enough for 3:1 against the white panel (WCAG
 * 1.4.11: lines of a chart, bars and swatches on the page). The bright
 * classColor stays for boxes drawn over video. */
export function classColorOnLight(key: number | string): string {
  const bright = classColor(key);
  const hue = /hsl\((\d+)/.exec(bright)![1];
  for (let l = 55; l > 20; l -= 5) {
    const c = `hsl(${hue} 85% ${l}%)`;
    if (contrastRatio(c, '#ffffff') >= 3) return c;
  }
  return `hsl(${hue} 85% 20%)`;
}

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** Colors for evaluation outcomes, also used by the legend. */
// Each 3:1 or more on the light panels the timeline and legend sit on.
export const OUTCOME_COLORS = { tp: '#15803d', fp: '#e5484d', fn: '#b45309', gt: '#3b82f6' } as const;
