// filter.worker.ts - filters the loaded detections off the main thread.
// The page sends columns as pages arrive ({type:'append'}, reset:true for
// a new data set) and a filter on every change ({type:'filter'}); answers
// carry transferable arrays and the sequence number they answer.
import { appendColumns, filterColumns, type Columns, type RowFilter } from '../lib/filterRows';

let cols: Columns | null = null;

export type FilterRequest =
  | { type: 'append'; reset: boolean; cols: Columns }
  | { type: 'filter'; seq: number; filter: RowFilter; numClasses: number };

self.onmessage = (ev: MessageEvent<FilterRequest>) => {
  const m = ev.data;
  if (m.type === 'append') {
    cols = m.reset || !cols ? m.cols : appendColumns(cols, m.cols);
    return;
  }
  const r = filterColumns(cols ?? appendColumns(null, null), m.filter, m.numClasses);
  (self as unknown as Worker).postMessage({ seq: m.seq, rows: cols?.t.length ?? 0, ...r },
    [r.indices.buffer, r.perClass.buffer, r.scoreHist.buffer]);
};
