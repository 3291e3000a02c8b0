// TestSessionsCard.tsx - a project's device test sessions (newest first) and a
// form to open one: which video the device watches, the matching tolerance
// and the pass/fail criteria (both default to the project's). The videos
// are the videos feature's: the page hands in those it has loaded.
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useCreateTestSession, useTestSessions } from '../api/testSessions';
import type { Project, Video } from '../../../lib/types';
import { Empty, ErrorState, Loading, StateBadge } from '../../../components/States';
import { formatDate, formatNumber } from '../../../lib/format';
import { isMissingEndpoint } from '../../../lib/http';
import { useInlineForm, useOpener } from '../../../components/inlineForm';
import { errorText } from '../../../lib/errorText';

const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

interface TestSessionsCardProps {
  project: Project;
  /** The project's videos loaded so far; null while the first page loads. */
  videos: readonly Video[] | null;
}

function NewTestSessionForm({ project, videos, onCancel }: TestSessionsCardProps & { onCancel: () => void }) {
  const create = useCreateTestSession(project.id);
  const navigate = useNavigate();
  const list = (videos ?? []).filter((v) => v.status === 'ready');
  const c = project.criteria ?? {};
  const [f, setF] = useState({
    video: '', name: '', tolerance: String(project.tolerance_ms ?? 500),
    minP: c.min_precision != null ? String(c.min_precision) : '', minR: c.min_recall != null ? String(c.min_recall) : '',
    maxLat: c.max_median_latency_ms != null ? String(c.max_median_latency_ms) : '',
  });
  const form = useInlineForm<HTMLFormElement>(onCancel);
  const videoId = Number(f.video) || list[0]?.id;
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((s) => ({ ...s, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!videoId) return;
    create.mutate({
      video_id: videoId, name: f.name.trim() || undefined, tolerance_ms: num(f.tolerance),
      criteria: { min_precision: num(f.minP), min_recall: num(f.minR), max_median_latency_ms: num(f.maxLat) },
    }, { onSuccess: (s) => navigate(`/test-sessions/${s.id}`) });
  };
  return (
    <form className="form-grid session-form" onSubmit={submit} aria-label="New test session" ref={form.ref} onKeyDown={form.onKeyDown}>
      <label>
        Video
        <select value={videoId ?? ''} onChange={set('video')} disabled={!list.length} required>
          {!list.length && <option value="">{videos == null ? 'Loading…' : 'No ready video in this project'}</option>}
          {list.map((v) => <option key={v.id} value={v.id}>{v.filename}</option>)}
        </select>
      </label>
      <label>Name <input value={f.name} onChange={set('name')} placeholder="e.g. firmware 2.3, bench A" maxLength={200} /></label>
      <label>Tolerance (ms) <input type="number" min={0} step={1} value={f.tolerance} onChange={set('tolerance')} required /></label>
      <label>Min precision <input type="number" min={0} max={1} step={0.01} value={f.minP} onChange={set('minP')} /></label>
      <label>Min recall <input type="number" min={0} max={1} step={0.01} value={f.minR} onChange={set('minR')} /></label>
      <label>Max median latency (ms) <input type="number" min={0} step={1} value={f.maxLat} onChange={set('maxLat')} /></label>
      <div className="span-2 actions">
        <button type="submit" className="btn btn-primary" disabled={!videoId || create.isPending}>{create.isPending ? 'Creating…' : 'Create session'}</button>
        <button type="button" className="btn btn-ghost" onClick={onCancel}>Cancel</button>
        {create.error && <span className="form-error" role="alert">{errorText(create.error)}{isMissingEndpoint(create.error) ? ' (not available on this server yet)' : ''}</span>}
      </div>
    </form>
  );
}

export function TestSessionsCard({ project, videos }: TestSessionsCardProps) {
  const sessions = useTestSessions(project.id);
  const [creating, setCreating] = useState(false);
  const opener = useOpener(creating);
  const items = sessions.data?.pages.flatMap((p) => p.items) ?? [];
  const missing = sessions.isError && isMissingEndpoint(sessions.error);
  return (
    <section className="card" aria-labelledby="sessions-title">
      <div className="card-head">
        <h2 id="sessions-title">Device test sessions</h2>
        {!creating && !missing && <button type="button" ref={opener} className="btn" onClick={() => setCreating(true)}>New session</button>}
      </div>
      {creating && <NewTestSessionForm project={project} videos={videos} onCancel={() => setCreating(false)} />}
      {sessions.isPending ? <Loading label="Loading sessions…" /> : sessions.isError ? (
        <ErrorState error={sessions.error} what="Test sessions" retry={() => sessions.refetch()} />
      ) : !items.length ? (
        <Empty title="No test sessions yet">A session scores a device's detection events against a video's ground truth.</Empty>
      ) : (
        <>
          <table className="table">
            <thead><tr><th scope="col">Session</th><th scope="col">State</th><th scope="col">Events</th><th scope="col">Tolerance</th><th scope="col">Created</th></tr></thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td><Link to={`/test-sessions/${s.id}`}>#{s.id} {s.name || 'unnamed'}</Link></td>
                  <td><StateBadge state={s.state} /></td>
                  <td className="num">{formatNumber(s.events_count)}</td>
                  <td className="num">{s.tolerance_ms} ms</td>
                  <td>{formatDate(s.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {sessions.hasNextPage && (
            <button type="button" className="btn load-more" disabled={sessions.isFetchingNextPage} onClick={() => sessions.fetchNextPage()}>Load more</button>
          )}
        </>
      )}
    </section>
  );
}
