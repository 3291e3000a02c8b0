// useGtEditor - pointer and keyboard editing of ground-truth boxes on the
// overlay. Mouse: drag on empty space draws a box (added with the chosen
// class), drag a box to move it, drag a corner handle of the selected box
// to resize it. Keyboard: N / P select the next / previous box, arrows
// move the selected one (Shift: 10 px), Alt+arrows move its bottom-right
// corner, A adds a box in the middle of the frame, Delete removes, V / D /
// O / T toggle validated / difficult / occluded / truncated, Escape drops
// the selection. Every edit is one request, shown at once (optimistic).
import { useCallback, useState, type PointerEvent } from 'react';
import { cornerAt, hitTest, moveBox, normalizeBox, resizeBox, toVideo, type Box, type Corner, type Fit } from './geometry';
import { useGroundTruthEdits, type GtBox, type GtPatch } from '../../../lib/api/groundTruth';

interface Args {
  videoId: number;
  frame: number;
  t: number;
  fit: Fit;
  size: { w: number; h: number };
  boxes: readonly GtBox[];
  newClass: string;
}

export interface EditKey {
  key: string;
  shiftKey?: boolean;
  altKey?: boolean;
}

type Drag =
  | { kind: 'draw'; from: { x: number; y: number } }
  | { kind: 'move'; id: number; from: { x: number; y: number }; box: Box }
  | { kind: 'resize'; id: number; corner: Corner; box: Box };

const FLAG_KEYS: Record<string, 'validated' | 'difficult' | 'occluded' | 'truncated'> =
  { v: 'validated', d: 'difficult', o: 'occluded', t: 'truncated' };
const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
/** Corner handles are grabbed within this many screen pixels. */
const HANDLE_PX = 8;
/** Smallest box side a drag adds, in video pixels: smaller is a click. */
const MIN_SIDE = 4;

export function useGtEditor({ videoId, frame, t, fit, size, boxes, newClass }: Args) {
  const edits = useGroundTruthEdits(videoId);
  const [selected, setSelected] = useState<number | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [draft, setDraft] = useState<Box | null>(null);
  const current = boxes.find((b) => b.id === selected) ?? null;

  const point = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return toVideo(fit, e.clientX - r.left, e.clientY - r.top);
  };

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    e.currentTarget.setPointerCapture?.(e.pointerId);
    const p = point(e);
    const corner = current ? cornerAt(current, p.x, p.y, HANDLE_PX / (fit.scale || 1)) : null;
    const i = hitTest(boxes, p.x, p.y);
    if (current && corner) {
      setDrag({ kind: 'resize', id: current.id, corner, box: current });
      setDraft({ ...current });
    } else if (i >= 0) {
      setSelected(boxes[i].id);
      setDrag({ kind: 'move', id: boxes[i].id, from: p, box: boxes[i] });
      setDraft({ ...boxes[i] });
    } else {
      setSelected(null);
      setDrag({ kind: 'draw', from: p });
      setDraft(null);
    }
  };

  const onPointerMove = (e: PointerEvent<HTMLCanvasElement>) => {
    if (!drag) return;
    const p = point(e);
    if (drag.kind === 'draw') setDraft(normalizeBox(drag.from, p, size.w, size.h));
    else if (drag.kind === 'move') setDraft(moveBox(drag.box, p.x - drag.from.x, p.y - drag.from.y, size.w, size.h));
    else setDraft(resizeBox(drag.box, drag.corner, p, size.w, size.h));
  };

  const onPointerUp = () => {
    if (drag && draft) {
      if (drag.kind === 'draw') {
        if (draft.x2 - draft.x1 >= MIN_SIDE && draft.y2 - draft.y1 >= MIN_SIDE) add(draft);
      } else if (!sameBox(round(draft), round(drag.box))) {
        edits.patch.mutate({ id: drag.id, patch: round(draft) });
      }
    }
    setDrag(null);
    setDraft(null);
  };

  const add = useCallback((b: Box) => edits.add.mutate({ frame, t, class: newClass, ...round(b) }), [edits.add, frame, t, newClass]);
  const patch = useCallback((p: GtPatch) => {
    if (current) edits.patch.mutate({ id: current.id, patch: p });
  }, [current, edits.patch]);

  /** Handles an edit key; false when the key is not an edit (the player
   * then uses it, e.g. arrows step frames when no box is selected). */
  const onKey = useCallback(({ key, shiftKey, altKey }: EditKey): boolean => {
    const lower = key.toLowerCase();
    if (lower === 'n' || lower === 'p') {
      if (!boxes.length) return false;
      const at = boxes.findIndex((b) => b.id === selected);
      const next = lower === 'n' ? at + 1 : (at < 0 ? boxes.length : at) - 1;
      setSelected(boxes[(next + boxes.length) % boxes.length].id);
      return true;
    }
    if (lower === 'a' && size.w && size.h) {
      add({ x1: size.w * 0.4, y1: size.h * 0.4, x2: size.w * 0.6, y2: size.h * 0.6 });
      return true;
    }
    if (!current) return false;
    const arrow = ARROWS[key];
    if (arrow) {
      const step = shiftKey ? 10 : 1;
      const [dx, dy] = [arrow[0] * step, arrow[1] * step];
      const b = altKey
        ? resizeBox(current, 'se', { x: current.x2 + dx, y: current.y2 + dy }, size.w, size.h)
        : moveBox(current, dx, dy, size.w, size.h);
      if (!sameBox(b, current)) patch(round(b));
      return true;
    }
    if (key === 'Delete' || key === 'Backspace') {
      edits.remove.mutate(current.id);
      setSelected(null);
      return true;
    }
    if (key === 'Escape') {
      setSelected(null);
      return true;
    }
    const flag = FLAG_KEYS[lower];
    if (flag) {
      patch({ [flag]: !current[flag] });
      return true;
    }
    return false;
  }, [boxes, selected, current, size.w, size.h, patch, edits.remove, add]);

  const error = edits.add.error ?? edits.patch.error ?? edits.remove.error;
  return {
    selected, setSelected, current, draft, onPointerDown, onPointerMove, onPointerUp, onKey, patch, error,
    pending: edits.add.isPending || edits.patch.isPending || edits.remove.isPending,
  };
}

const round = (b: Box) => ({ x1: Math.round(b.x1), y1: Math.round(b.y1), x2: Math.round(b.x2), y2: Math.round(b.y2) });
const sameBox = (a: Box, b: Box) => a.x1 === b.x1 && a.y1 === b.y1 && a.x2 === b.x2 && a.y2 === b.y2;
