// TestSessionPage.tsx - one device test session: live results (WS
// /ws/test-sessions/{id}, polling when the socket is unavailable), the
// state (open -> running -> closed; closing stores an evaluation), its
// settings and clock, and the events the device posted.
import { Link, useNavigate, useParams } from 'react-router';
import { useTestSession, useTestSessionMutations } from '../api/testSession';
import { useTestSessionResults } from '../api/testSessionResults';
import { TestSessionResultsView, Verdict } from './TestSessionResultsView';
import { EventsList } from './EventsList';
import { TestSessionSettings } from './TestSessionSettings';
import { Badge, ErrorState, isNotFound, Loading, PageHeader, StateBadge } from '../../../components/States';
import { NotFound, routeId } from '../../../components/NotFound';
import { errorText } from '../../../lib/errorText';
import { formatDate } from '../../../lib/format';
import { download, toCsv } from '../../../lib/export';
import type { TestSessionResults, TestSession } from '../api/types';

const CLASS_COLUMNS = ['class', 'tp', 'fp', 'fn', 'precision', 'recall', 'f1'] as const;

function exportResults(r: TestSessionResults, kind: 'csv' | 'json') {
  if (kind === 'json') return download(`session-${r.session_id}-results.json`, JSON.stringify(r, null, 2), 'application/json');
  const rows = (r.classes ?? []).map((c) => [...CLASS_COLUMNS.map((k) => c[k]), c.latency_ms?.median ?? null]);
  rows.push(['all', r.tp, r.fp, r.fn, r.precision, r.recall, r.f1, r.latency_ms.median]);
  download(`session-${r.session_id}-results.csv`, toCsv([...CLASS_COLUMNS, 'median_latency_ms'], rows), 'text/csv');
}

function Actions({ s, r }: { s: TestSession; r: TestSessionResults | undefined }) {
  const { patch, remove } = useTestSessionMutations(s.id);
  const navigate = useNavigate();
  const busy = patch.isPending || remove.isPending;
  return (
    <>
      <button type="button" className="btn" disabled={!r} onClick={() => r && exportResults(r, 'csv')}>Export CSV</button>
      <button type="button" className="btn" disabled={!r} onClick={() => r && exportResults(r, 'json')}>Export JSON</button>
      {s.state === 'open' && <button type="button" className="btn" disabled={busy} onClick={() => patch.mutate({ state: 'running' })}>Start</button>}
      {s.state !== 'closed' && (
        <button type="button" className="btn" disabled={busy}
          onClick={() => { if (confirm('Close the session? No more events are accepted and the results are stored.')) patch.mutate({ state: 'closed' }); }}>
          Close
        </button>
      )}
      <button type="button" className="btn btn-ghost" disabled={busy}
        onClick={() => { if (confirm(`Delete session #${s.id} and its events?`)) remove.mutate(undefined, { onSuccess: () => navigate(`/projects/${s.project_id}`) }); }}>
        Delete
      </button>
      {(patch.error || remove.error) && <span className="form-error" role="alert">{errorText(patch.error ?? remove.error)}</span>}
    </>
  );
}

export default function TestSessionPage() {
  const id = routeId(useParams().testSessionId);
  return id == null ? <NotFound what="test session" /> : <Session id={id} />;
}

function Session({ id }: { id: number }) {
  const session = useTestSession(id);
  const live = session.data ? session.data.state !== 'closed' : false;
  const { results, transport } = useTestSessionResults(id, live);
  if (session.isPending) return <Loading label="Loading session…" />;
  if (isNotFound(session.error)) return <NotFound what="test session" />;
  if (session.isError) return <ErrorState error={session.error} what="Test session" retry={() => session.refetch()} />;
  const s = session.data;
  const r = results.data;
  return (
    <>
      <PageHeader title={<>Session #{s.id} {s.name} <StateBadge state={s.state} /> {r?.pass != null && <Verdict r={r} />}</>}
        subtitle={<>
          <Link to={`/projects/${s.project_id}`}>← Project</Link> · <Link to={`/videos/${s.video_id}`}>video #{s.video_id}</Link>
          {' '}· tolerance {s.tolerance_ms} ms · {s.sync_offset != null ? `clock offset ${s.sync_offset.toFixed(3)} s` : 'no clock sync'} · created {formatDate(s.created_at)}
        </>}
        actions={<Actions s={s} r={r} />} />
      <p className="muted small live-note" aria-live="polite">
        {live ? <>Live results <Badge tone={transport === 'websocket' ? 'ok' : 'muted'}>{transport === 'websocket' ? 'updated as events arrive' : 'refreshed every few seconds'}</Badge></> : 'Closed: results as stored.'}
      </p>
      {results.isPending ? <Loading label="Scoring…" /> : results.isError ? (
        <ErrorState error={results.error} what="Session results" retry={() => results.refetch()} />
      ) : <TestSessionResultsView r={results.data} />}
      <TestSessionSettings s={s} key={`${s.id}:${s.tolerance_ms}:${s.sync_offset}:${JSON.stringify(s.criteria)}`} />
      <EventsList testSessionId={id} total={r?.events ?? s.events_count} />
    </>
  );
}
