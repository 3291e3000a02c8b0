// DetectionList.tsx - the virtualized list: only the rows in view (plus a
// few) are in the DOM, whatever the count; reaching the end loads the
// next page of 50. Thumbnails wait until scrolling pauses, so a fast
// fling does not fetch and decode images for rows that fly past.
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { DetectionRow } from './DetectionRow';
import type { Detection } from '../../../lib/api/detections';

interface Props {
  rows: readonly Detection[];
  indices: Uint32Array | null; // rows to show; null: all
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
  runId: number;
  videoId: number | null;
  frameSize: { w: number; h: number } | null;
  classNames: readonly string[] | null;
}

export const ROW_HEIGHT = 56;

export function DetectionList({ rows, indices, hasMore, loadingMore, loadMore, ...rowProps }: Props) {
  const parent = useRef<HTMLDivElement>(null);
  const count = indices ? indices.length : rows.length;
  const v = useVirtualizer({
    count: count + (hasMore ? 1 : 0),
    getScrollElement: () => parent.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    initialRect: { width: 800, height: 600 },
  });
  const items = v.getVirtualItems();
  // Keyboard: arrows, Page Up/Down, Home/End move the focus between rows;
  // the row is scrolled into view first, then focused once rendered.
  const focusRow = (i: number) => {
    const next = Math.max(0, Math.min(count - 1, i));
    v.scrollToIndex(next, { align: 'auto' });
    requestAnimationFrame(() => parent.current?.querySelector<HTMLElement>(`[data-index="${next}"] a`)?.focus());
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const at = Number((document.activeElement?.closest('[data-index]') as HTMLElement | null)?.dataset.index ?? -1);
    const page = Math.max(1, Math.floor((parent.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const to = { ArrowDown: at + 1, ArrowUp: at - 1, PageDown: at + page, PageUp: at - page, Home: 0, End: count - 1 }[e.key];
    if (to === undefined || !count) return;
    e.preventDefault();
    focusRow(to);
  };
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= count - 10 && hasMore && !loadingMore) loadMore();
  }, [last, count, hasMore, loadingMore, loadMore]);

  return (
    <div className="det-table">
    <div className="det-head" aria-hidden="true">
      <span /><span>Frame</span><span>Time</span><span>Class</span><span>Score</span><span>Box (x1,y1 – x2,y2)</span>
    </div>
    <div ref={parent} className="det-list" tabIndex={0} role="list" aria-label="Detections (arrow keys move between rows)"
      data-testid="detection-list" onKeyDown={onKeyDown}>
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {items.map((it) => {
          const style = { position: 'absolute' as const, top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${it.start}px)` };
          if (it.index >= count) {
            return <div key="more" role="listitem" className="det-more muted" style={style}>{loadingMore ? 'Loading more…' : ''}</div>;
          }
          const d = rows[indices ? indices[it.index] : it.index];
          return (
            <div key={it.key} role="listitem" style={style} data-index={it.index}>
              <DetectionRow d={d} {...rowProps} thumbnail={!v.isScrolling} />
            </div>
          );
        })}
      </div>
    </div>
    </div>
  );
}
