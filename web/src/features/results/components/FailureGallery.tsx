// FailureGallery.tsx - the worst errors of an evaluation as crops of their
// frames (server-made JPEGs), filterable by TIDE type and class; each crop
// opens the player at its frame.
import { useState } from 'react';
import { Link } from 'react-router';
import { useFailures, failureCropUrl, type Failure, type FailureFilter } from '../api/failures';
import { TIDE_TYPES, type TideType } from '../api/types';
import { TIDE_MEANING } from './TideTable';
import { useThumbnail } from '../../../lib/thumbnails';
import { ErrorState, Loading } from '../../../components/States';
import { formatDuration } from '../../../lib/format';

function describe(f: Failure): string {
  const what = `${f.type} (${TIDE_MEANING[f.type]}): ${f.class} on frame ${f.frame}`;
  return f.score != null ? `${what}, score ${f.score.toFixed(2)}` : what;
}

function Tile({ runId, f }: { runId: number; f: Failure }) {
  const image = useThumbnail(failureCropUrl(runId, f.id));
  const at = f.t != null ? `t=${f.t.toFixed(3)}&frame=${f.frame}` : `frame=${f.frame}`;
  return (
    <li className="failure">
      {/* The name is the visible caption (WCAG 2.5.3), the hidden words
          make it read as a sentence. */}
      <Link to={`/runs/${runId}/player?${at}`} title={describe(f)}>
        {image ? <img src={image} alt="" width={96} height={96} /> : <span className={`failure-crop${image === null ? ' thumb-missing' : ''}`} />}
        <span className="failure-caption small">
          <strong>{f.type}</strong>{' '}<span className="sr-only">({TIDE_MEANING[f.type]}):</span>{' '}{f.class}{' '}<span className="sr-only">on frame</span>{' '}<br />
          <span className="muted num">#{f.frame}{f.t != null && <> · {formatDuration(f.t, 2)}</>}</span><br />
          <span className="muted num">{f.score != null ? `score ${f.score.toFixed(2)}` : 'missed'}{f.iou != null && ` · IoU ${f.iou.toFixed(2)}`}</span>
        </span>
      </Link>
    </li>
  );
}

export function FailureGallery({ runId, evaluationId, classes }: { runId: number; evaluationId: number; classes: string[] }) {
  const [filter, setFilter] = useState<FailureFilter>({ type: null, cls: null });
  const q = useFailures(runId, evaluationId, filter);
  const items = q.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <div className="inline-form" role="group" aria-label="Filter the failures">
        <label>
          Error type
          <select value={filter.type ?? ''} onChange={(e) => setFilter({ ...filter, type: (e.target.value || null) as TideType | null })}>
            <option value="">All types</option>
            {TIDE_TYPES.map((t) => <option key={t} value={t}>{t} · {TIDE_MEANING[t]}</option>)}
          </select>
        </label>
        <label>
          Class
          <select value={filter.cls ?? ''} onChange={(e) => setFilter({ ...filter, cls: e.target.value || null })}>
            <option value="">All classes</option>
            {classes.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
      </div>
      {q.isPending ? <Loading label="Loading failures…" /> : q.isError ? <ErrorState error={q.error} what="the failures" retry={() => q.refetch()} /> : (
        items.length === 0 ? <p className="muted">No errors of this kind: nothing to show.</p> : (
          <ul className="failure-grid" aria-label="Failures, worst first">
            {items.map((f) => <Tile key={f.id} runId={runId} f={f} />)}
          </ul>
        )
      )}
      {q.hasNextPage && (
        <button type="button" className="btn load-more" disabled={q.isFetchingNextPage} onClick={() => q.fetchNextPage()}>
          {q.isFetchingNextPage ? 'Loading…' : 'Show more'}
        </button>
      )}
    </>
  );
}
