// useRowFilter - the detections page's filter, run in a Web Worker
// (workers/filter.worker.ts) over every row loaded so far. Gives the
// indices of matching rows, per-class counts and a score histogram.
// Rows are sent incrementally as pages arrive. Without Worker support
// (tests, old browsers) the same pure function runs inline.
import { useEffect, useRef, useState } from 'react';
import { filterColumns, toColumns, type FilterResult, type RowFilter } from '../../../lib/filterRows';
import type { FilterRequest } from '../../../workers/filter.worker';
import type { Detection } from '../../../lib/api/detections';

export interface RowFilterState extends FilterResult {
  /** How many rows the answer covers (answers may lag the data). */
  rows: number;
}

export function useRowFilter(rows: readonly Detection[], filter: RowFilter, numClasses: number): RowFilterState | null {
  const [result, setResult] = useState<RowFilterState | null>(null);
  const worker = useRef<Worker | null>(null);
  const sent = useRef<{ src: readonly Detection[] | null; n: number }>({ src: null, n: 0 });
  const seq = useRef(0);

  useEffect(() => {
    if (typeof Worker === 'undefined') return;
    const w = new Worker(new URL('../../../workers/filter.worker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (ev: MessageEvent<RowFilterState & { seq: number }>) => {
      if (ev.data.seq === seq.current) setResult(ev.data);
    };
    worker.current = w;
    return () => {
      w.terminate();
      worker.current = null;
      sent.current = { src: null, n: 0 };
    };
  }, []);

  useEffect(() => {
    const w = worker.current;
    if (!w) {
      setResult({ ...filterColumns(toColumns(rows), filter, numClasses), rows: rows.length });
      return;
    }
    // Rows only ever grow while the list is the same; anything else is new.
    const grows = sent.current.src !== null && rows.length >= sent.current.n && rows[0] === sent.current.src[0];
    const from = grows ? sent.current.n : 0;
    if (!grows || from < rows.length) {
      const cols = toColumns(rows.slice(from));
      const msg: FilterRequest = { type: 'append', reset: !grows, cols };
      w.postMessage(msg, [cols.classId.buffer, cols.score.buffer, cols.t.buffer]);
      sent.current = { src: rows, n: rows.length };
    }
    const req: FilterRequest = { type: 'filter', seq: ++seq.current, filter, numClasses };
    w.postMessage(req);
  }, [rows, filter, numClasses]);

  return result;
}
