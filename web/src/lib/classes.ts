// classes.ts - class names and colors. Runs carry class ids; names come
// from the model (class_names), else COCO's 80, which YOLO models use.

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

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

/** Colors for evaluation outcomes, also used by the legend. */
export const OUTCOME_COLORS = { tp: '#22a06b', fp: '#e5484d', fn: '#f5a524', gt: '#3b82f6' } as const;
