// Detections.tsx - every detection of a run, filtered by class, score and
// time. The filter in the URL changes at once; the server list follows a
// deferred, debounced copy, and while its first page is on the way the
// rows already loaded are filtered in a Web Worker so the list answers
// immediately. What the run, its model and its video say is other
// features' data: the page (app/pages/DetectionsPage) hands it in.
import { useCallback, useDeferredValue, useMemo, useState, type ComponentProps, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ndjsonUrl, useDetections, type DetectionFilter } from '../../../lib/api/detections';
import { useRowFilter } from '../api/filterWorker';
import { countsById, useClassCounts, type ClassCounts } from '../api/classCounts';
import { parseJump } from '../api/jump';
import { DetectionFilters } from './DetectionFilters';
import { filterFromParams, filterToParams } from '../api/filterParams';
import { DetectionList } from './DetectionList';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/States';
import { BarChart } from '../../../components/charts/BarChart';
import { SCORE_BINS } from '../../../lib/filterRows';
import { formatNumber } from '../../../lib/format';
import { classColorOnPanel as classColor, className } from '../../../lib/classes';
import { useDebounced } from '../../../lib/useDebounced';

/** The whole run's classes under the score and time filters (the server's
 * counts), the chosen class marked. */
function ClassCountsList({ counts, names, chosen }: { counts: ClassCounts | undefined; names: readonly string[] | null; chosen: number | null }) {
  const rows = (counts?.items ?? []).slice(0, 12);
  if (!counts) return <Loading label="Counting…" />;
  if (!rows.length) return <p className="muted">No detection matches the score and time filters.</p>;
  const max = rows[0].count;
  return (
    <ul className="class-counts">
      {rows.map((r) => {
        const name = className(r.class_id, names);
        return (
          <li key={r.class_id} className={chosen === r.class_id ? 'chosen' : undefined}>
            <span className="det-class"><span className="swatch" style={{ background: classColor(name) }} />{name}</span>
            <span className="hbar" style={{ width: `${(r.count / max) * 100}%`, background: classColor(name) }} />
            <span className="num small">{formatNumber(r.count)}</span>
          </li>
        );
      })}
    </ul>
  );
}

/** Starts the list at a frame or a time (jump.ts). */
function JumpForm({ fps, onJump }: { fps: number; onJump: (t: number) => void }) {
  const [text, setText] = useState('');
  const [bad, setBad] = useState(false);
  return (
    <form className="inline-form jump" aria-label="Go to a frame or time" onSubmit={(e) => {
      e.preventDefault();
      const t = parseJump(text, fps);
      setBad(t == null);
      if (t != null) onJump(t);
    }}>
      <label>Go to frame or time <input type="text" value={text} placeholder="1200, 75.5s or 1:15" onChange={(e) => setText(e.target.value)}
        aria-invalid={bad} aria-describedby={bad ? 'jump-error' : undefined} /></label>
      <button type="submit" className="btn">Go</button>
      {bad && <span id="jump-error" className="form-error" role="alert">Type a frame number (1200), seconds (75.5s) or a time (1:15).</span>}
    </form>
  );
}

/** The run, its video (thumbnails, frame size; null until known) and its
 * model's class names as the list takes them, the run's totals and state
 * once it has loaded, and the model's class count (80, COCO's, until known). */
type DetectionsProps = Pick<ComponentProps<typeof DetectionList>, 'runId' | 'videoId' | 'frameSize' | 'classNames'> & {
  subtitle: ReactNode;
  numClasses: number;
  /** The video's frame rate, for a jump to a frame (30 until known). */
  fps: number;
};

export function Detections({ runId, subtitle, videoId, frameSize, classNames, numClasses, fps }: DetectionsProps) {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromParams(params), [params]);
  const setFilter = useCallback((f: DetectionFilter) => setParams(filterToParams(f), { replace: true }), [setParams]);
  const deferred = useDeferredValue(filter);
  const serverFilter = useDebounced(deferred, 200);
  const q = useDetections(runId, serverFilter);
  const rows = useMemo(() => q.data?.pages.flatMap((p) => p.items) ?? [], [q.data]);
  const local = useRowFilter(rows, deferred, numClasses);
  // Server rows already match serverFilter; the worker narrows them to the
  // latest filter until the server answers for it.
  const indices = local && local.rows === rows.length ? local.indices : null;
  const loadMore = useCallback(() => void q.fetchNextPage(), [q]);
  const shown = indices ? indices.length : rows.length;
  const counts = useClassCounts(runId, serverFilter);
  const byId = useMemo(() => countsById(counts.data), [counts.data]);
  const matching = counts.data && (filter.classId == null ? counts.data.total : byId.get(filter.classId) ?? 0);

  return (
    <>
      <PageHeader title={`Detections · run #${runId}`} subtitle={subtitle}
        actions={<>
          <Link className="btn" to={`/runs/${runId}/player`}>Player</Link>
          <Link className="btn" to={`/runs/${runId}/results`}>Results</Link>
          <a className="btn" href={ndjsonUrl(runId)} download>NDJSON</a>
        </>} />
      <div className="detections-layout">
        <section className="card det-main" aria-label="Detection list">
          <DetectionFilters value={filter} onChange={setFilter} classNames={classNames} counts={counts.data ? byId : null} />
          <JumpForm fps={fps} onJump={(t) => setFilter({ ...filter, t0: Number(t.toFixed(3)) })} />
          <p className="muted small" role="status" aria-live="polite">
            {q.isFetching && !q.isFetchingNextPage ? 'Updating… ' : ''}
            {matching != null && <>{formatNumber(matching)} {matching === 1 ? 'detection matches' : 'detections match'} · </>}
            {formatNumber(shown)} loaded{q.hasNextPage ? ', more on scroll' : ''}
          </p>
          {q.isPending ? <Loading label="Loading detections…" />
            : q.isError && !rows.length ? <ErrorState error={q.error} what="detections" retry={() => q.refetch()} />
            : shown === 0 && !q.isFetching ? <Empty title="No detections match">Lower the score or widen the time range.</Empty>
            : (
              <DetectionList rows={rows} indices={indices} hasMore={!!q.hasNextPage} loadingMore={q.isFetchingNextPage}
                loadMore={loadMore} runId={runId} videoId={videoId} frameSize={frameSize} classNames={classNames} />
            )}
        </section>
        <aside className="card det-side" aria-label="Classes of the whole run">
          <h2>Classes in the whole run</h2>
          <p className="muted small">With the score and time filters above.</p>
          <ClassCountsList counts={counts.data} names={classNames} chosen={filter.classId} />
          <h3>Scores of the loaded rows</h3>
          {local ? (
            <BarChart title="Score distribution (loaded rows)" labels={Array.from({ length: SCORE_BINS }, (_x, i) => (i / SCORE_BINS).toFixed(2))}
              values={Array.from(local.scoreHist)} height={170} width={300} xLabel="score" />
          ) : <Loading />}
        </aside>
      </div>
    </>
  );
}
