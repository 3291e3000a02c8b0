// Detections.tsx - every detection of a run, filtered by class, score and
// time. The filter in the URL changes at once; the server list follows a
// deferred, debounced copy, and while its first page is on the way the
// rows already loaded are filtered in a Web Worker so the list answers
// immediately. What the run, its model and its video say is other
// features' data: the page (app/pages/DetectionsPage) hands it in.
import { useCallback, useDeferredValue, useMemo, type ComponentProps, type ReactNode } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ndjsonUrl, useDetections, type DetectionFilter } from '../../../lib/api/detections';
import { useRowFilter } from '../api/filterWorker';
import { DetectionFilters } from './DetectionFilters';
import { filterFromParams, filterToParams } from '../api/filterParams';
import { DetectionList } from './DetectionList';
import { Empty, ErrorState, Loading, PageHeader } from '../../../components/States';
import { BarChart } from '../../../components/charts/BarChart';
import { SCORE_BINS } from '../../../lib/filterRows';
import { formatNumber } from '../../../lib/format';
import { classColorOnPanel as classColor, className } from '../../../lib/classes';
import { useDebounced } from '../../../lib/useDebounced';

function ClassCounts({ counts, names }: { counts: Uint32Array; names: readonly string[] | null }) {
  const rows = Array.from(counts, (n, id) => ({ id, n })).filter((r) => r.n > 0).sort((a, b) => b.n - a.n).slice(0, 12);
  if (!rows.length) return null;
  const max = rows[0].n;
  return (
    <>
      <h3>Classes</h3>
      <ul className="class-counts">
        {rows.map((r) => (
          <li key={r.id}>
            <span className="det-class"><span className="swatch" style={{ background: classColor(r.id) }} />{className(r.id, names)}</span>
            <span className="hbar" style={{ width: `${(r.n / max) * 100}%`, background: classColor(r.id) }} />
            <span className="num small">{formatNumber(r.n)}</span>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The run, its video (thumbnails, frame size; null until known) and its
 * model's class names as the list takes them, the run's totals and state
 * once it has loaded, and the model's class count (80, COCO's, until known). */
type DetectionsProps = Pick<ComponentProps<typeof DetectionList>, 'runId' | 'videoId' | 'frameSize' | 'classNames'> & {
  subtitle: ReactNode;
  numClasses: number;
};

export function Detections({ runId, subtitle, videoId, frameSize, classNames, numClasses }: DetectionsProps) {
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
          <DetectionFilters value={filter} onChange={setFilter} classNames={classNames} counts={local?.perClass} />
          <p className="muted small" role="status" aria-live="polite">
            {q.isFetching && !q.isFetchingNextPage ? 'Updating… ' : ''}
            Showing {formatNumber(shown)} loaded {shown === 1 ? 'row' : 'rows'}{q.hasNextPage ? ' (more on scroll)' : ''}
          </p>
          {q.isPending ? <Loading label="Loading detections…" />
            : q.isError && !rows.length ? <ErrorState error={q.error} what="detections" retry={() => q.refetch()} />
            : shown === 0 && !q.isFetching ? <Empty title="No detections match">Lower the score or widen the time range.</Empty>
            : (
              <DetectionList rows={rows} indices={indices} hasMore={!!q.hasNextPage} loadingMore={q.isFetchingNextPage}
                loadMore={loadMore} runId={runId} videoId={videoId} frameSize={frameSize} classNames={classNames} />
            )}
        </section>
        <aside className="card det-side" aria-label="Summary of loaded rows">
          <h2>Loaded rows</h2>
          {local ? (
            <BarChart title="Score distribution" labels={Array.from({ length: SCORE_BINS }, (_x, i) => (i / SCORE_BINS).toFixed(2))}
              values={Array.from(local.scoreHist)} height={170} width={300} xLabel="score" />
          ) : <Loading />}
          {local && <ClassCounts counts={local.perClass} names={classNames} />}
        </aside>
      </div>
    </>
  );
}
