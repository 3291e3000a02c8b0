// useGtEditor - pointer and keyboard editing of ground-truth boxes on the
// overlay: drag on empty space draws a box (added with the chosen class),
// drag a box to move it, Delete removes the selected one, V validates it.
import { useCallback, useState, type PointerEvent } from 'react';
import { hitTest, normalizeBox, toVideo, type Box, type Fit } from './geometry';
import { useGroundTruthEdits, type GtBox } from '../api/groundTruth';

interface Args {
  videoId: number;
  frame: number;
  t: number;
  fit: Fit;
  size: { w: number; h: number };
  boxes: readonly GtBox[];
  newClass: string;
}

type Drag = { kind: 'draw'; from: { x: number; y: number } } | { kind: 'move'; id: number; from: { x: number; y: number }; box: Box };

export function useGtEditor({ videoId, frame, t, fit, size, boxes, newClass }: Args) {
  const edits = useGroundTruthEdits(videoId);
  const [selected, setSelected] = useState<number | null>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [draft, setDraft] = useState<Box | null>(null);

  const point = (e: PointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return toVideo(fit, e.clientX - r.left, e.clientY - r.top);
  };

  const onPointerDown = (e: PointerEvent<HTMLCanvasElement>) => {
    e.currentTarget.setPointerCapture?.(e.pointerId);
    const p = point(e);
    const i = hitTest(boxes, p.x, p.y);
    if (i >= 0) {
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
    else {
      const dx = p.x - drag.from.x;
      const dy = p.y - drag.from.y;
      const b = drag.box;
      setDraft({ x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy });
    }
  };

  const onPointerUp = () => {
    if (drag && draft) {
      if (drag.kind === 'draw' && draft.x2 - draft.x1 >= 4 && draft.y2 - draft.y1 >= 4) {
        edits.add.mutate({ frame, t, class: newClass, ...round(draft) });
      } else if (drag.kind === 'move' && (draft.x1 !== drag.box.x1 || draft.y1 !== drag.box.y1)) {
        edits.patch.mutate({ id: drag.id, patch: round(draft) });
      }
    }
    setDrag(null);
    setDraft(null);
  };

  const onKey = useCallback((key: string): boolean => {
    if (selected == null) return false;
    if (key === 'Delete' || key === 'Backspace') {
      edits.remove.mutate(selected);
      setSelected(null);
      return true;
    }
    if (key === 'v' || key === 'V') {
      edits.patch.mutate({ id: selected, patch: { validated: true } });
      return true;
    }
    return false;
  }, [selected, edits.remove, edits.patch]);

  const error = edits.add.error ?? edits.patch.error ?? edits.remove.error;
  return { selected, draft, onPointerDown, onPointerMove, onPointerUp, onKey, error, pending: edits.add.isPending || edits.patch.isPending };
}

const round = (b: Box) => ({ x1: Math.round(b.x1), y1: Math.round(b.y1), x2: Math.round(b.x2), y2: Math.round(b.y2) });
