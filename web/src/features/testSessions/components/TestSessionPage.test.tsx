import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import TestSessionPage from './TestSessionPage';
import { TestSessionsCard } from './TestSessionsCard';
import { renderAt } from '../../../test/render';
import { apiError, json, stubFetch, type Handler } from '../../../test/fetchStub';
import { FakeSocket } from '../../../test/fakeSocket';
import { testSessionSocketUrl } from '../api/testSessionResults';
import type { TestSessionResults, TestSession } from '../api/types';
import type { Project, Video } from '../../../lib/types';

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => vi.unstubAllGlobals());

const session = (over: Partial<TestSession> = {}): TestSession => ({
  id: 5, project_id: 1, video_id: 2, name: 'bench A', tolerance_ms: 500, criteria: { min_precision: 0.9 },
  sync_offset: null, state: 'running', created_at: '2026-11-27T08:00:00Z', events_count: 3, ...over,
});

const results = (over: Partial<TestSessionResults> = {}): TestSessionResults => ({
  session_id: 5, targets: 10, events: 3, tp: 2, fp: 1, fn: 8, precision: 2 / 3, recall: 0.2, f1: 0.308,
  precision_ci: [0.2, 1], recall_ci: [0.05, 0.5],
  latency_ms: { median: 120, p90: 180, p99: 199, histogram: { edges: [0, 100, 200], counts: [0, 2] } },
  classes: [{ class: 'person', tp: 2, fp: 1, fn: 8, precision: 2 / 3, recall: 0.2, f1: 0.308, latency_ms: { median: 120 } }],
  criteria: { min_precision: 0.9 }, pass: false, fail_reason: 'precision 0.667 < 0.9', ...over,
});

function serve(routes: Record<string, Handler> = {}) {
  return stubFetch({
    'GET /api/test-sessions/5': () => json(200, session()),
    'GET /api/test-sessions/5/results': () => json(200, results()),
    'GET /api/test-sessions/5/events': () => json(200, { items: [
      { id: 1, class: 'person', confidence: 0.9, box: [1, 2, 3, 4], timestamp: 1.5, device_time: null },
    ], next_cursor: 'c1' }),
    ...routes,
  });
}

const page = () => renderAt(<TestSessionPage />, { route: '/test-sessions/5', path: '/test-sessions/:testSessionId' });

describe('TestSessionPage', () => {
  it('shows the results with CIs, verdict, per-class table and events, and follows pushed results live', async () => {
    const { calls } = serve();
    page();
    expect(await screen.findByTestId('session-precision')).toHaveTextContent('66.7 %');
    expect(screen.getByText('95 % CI 20.0 % – 100.0 %')).toBeInTheDocument();
    expect(screen.getAllByText('FAIL').length).toBeGreaterThan(0);
    expect(screen.getByText(/precision 0.667 < 0.9/)).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /Latency/ })).toBeInTheDocument();
    expect(await screen.findByText('0:01.500')).toBeInTheDocument();
    const ws = FakeSocket.all[0];
    expect(ws.url).toBe(testSessionSocketUrl(5));
    act(() => ws.open());
    expect(screen.getByText('updated as events arrive')).toBeInTheDocument();
    act(() => ws.push(results({ tp: 9, fp: 0, fn: 1, precision: 1, recall: 0.9, events: 9, pass: true, fail_reason: null })));
    // The cache notifies its observers on the next tick.
    await waitFor(() => expect(screen.getByTestId('session-precision')).toHaveTextContent('100.0 %'));
    expect(screen.getAllByText('PASS').length).toBeGreaterThan(0);
    expect(screen.getByRole('heading', { name: /Events/ })).toHaveTextContent('(9)');
    // The new count reloads the one page of events on screen.
    await waitFor(() => expect(calls.filter((c) => c.url.pathname === '/api/test-sessions/5/events')).toHaveLength(2));
  });

  it('polls the results when the socket drops', async () => {
    const { calls } = serve();
    page();
    await screen.findByTestId('session-precision');
    act(() => FakeSocket.all[0].drop());
    expect(await screen.findByText('refreshed every few seconds')).toBeInTheDocument();
    const before = calls.filter((c) => c.url.pathname.endsWith('/results')).length;
    await waitFor(() => expect(calls.filter((c) => c.url.pathname.endsWith('/results')).length).toBeGreaterThan(before), { timeout: 3000 });
  });

  it('loads more events by cursor and closes the session', async () => {
    const { calls } = serve({
      'PATCH /api/test-sessions/5': () => json(200, session({ state: 'closed' })),
    });
    vi.stubGlobal('confirm', () => true);
    page();
    await userEvent.click(await screen.findByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get('cursor') === 'c1')).toBe(true));
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ state: 'closed' }));
    expect(await screen.findByText('Closed: results as stored.')).toBeInTheDocument();
  });

  it('saves tolerance and criteria, sets the clock offset, and rescores', async () => {
    const { calls } = serve({
      'PATCH /api/test-sessions/5': (_u, init) => json(200, session({ ...JSON.parse(String(init!.body)) })),
      'POST /api/test-sessions/5/sync': () => json(200, session({ sync_offset: 12.5 })),
    });
    page();
    const tol = await screen.findByLabelText('Tolerance (ms)');
    await userEvent.clear(tol);
    await userEvent.type(tol, '250');
    await userEvent.type(screen.getByLabelText('Min recall'), '0.8');
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ tolerance_ms: 250, criteria: { min_precision: 0.9, min_recall: 0.8 } }));
    await userEvent.type(screen.getByLabelText(/Device clock minus video time/), '12.5');
    await userEvent.click(screen.getByRole('button', { name: 'Set clock offset' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ offset: 12.5 }));
    expect(await screen.findByText(/clock offset 12.500 s/)).toBeInTheDocument();
    // Each change asks for the results again.
    await waitFor(() => expect(calls.filter((c) => c.url.pathname.endsWith('/results')).length).toBeGreaterThanOrEqual(3));
  });

  it('exports the results as CSV per class with an overall row', async () => {
    serve();
    const blobs: Blob[] = [];
    const create = vi.fn((b: Blob) => { blobs.push(b); return 'blob:x'; });
    const saved = { createObjectURL: URL.createObjectURL, revokeObjectURL: URL.revokeObjectURL };
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: () => undefined });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    page();
    await screen.findByTestId('session-precision');
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    const text = await blobs[0].text();
    expect(text.split('\r\n')).toEqual([
      'class,tp,fp,fn,precision,recall,f1,median_latency_ms',
      `person,2,1,8,${2 / 3},0.2,0.308,120`,
      `all,2,1,8,${2 / 3},0.2,0.308,120`,
      '',
    ]);
    Object.assign(URL, saved);
    vi.restoreAllMocks();
  });

  it('reads "—" for undefined numbers and says so when nothing is matched', async () => {
    serve({ 'GET /api/test-sessions/5/results': () => json(200, results({
      tp: 0, fp: 0, fn: 10, events: 0, precision: null, recall: 0, f1: null, precision_ci: null, pass: null, criteria: null, classes: [],
      latency_ms: { median: null, p90: null, p99: null, histogram: { edges: [], counts: [] } },
    })) });
    page();
    expect(await screen.findByTestId('session-precision')).toHaveTextContent('—');
    expect(screen.getAllByText('no criteria').length).toBeGreaterThan(0);
    expect(screen.getByText('No matched event yet, so no latency.')).toBeInTheDocument();
  });

  it('says clearly when the server has no test sessions yet', async () => {
    stubFetch({});
    page();
    expect(await screen.findByText('Test session: not available on this server yet')).toBeInTheDocument();
  });
});

describe('TestSessionsCard', () => {
  const project: Project = { id: 1, name: 'p', description: '', camera_model: '', camera_view: '', lens_type: '', resolution: '',
    frame_rate: null, signal_type: '', tolerance_ms: 300, criteria: { min_recall: 0.8 }, created_at: '' };
  const videos = [
    { id: 2, project_id: 1, filename: 'a.mp4', status: 'ready' }, { id: 3, project_id: 1, filename: 'b.mp4', status: 'uploading' },
  ] as Video[];

  it('lists sessions and creates one with the project defaults, then opens it', async () => {
    const { calls } = stubFetch({
      'GET /api/projects/1/test-sessions': () => json(200, { items: [session()], next_cursor: null }),
      'POST /api/projects/1/test-sessions': () => json(201, session({ id: 9 })),
    });
    renderAt(<TestSessionsCard project={project} videos={videos} />, { route: '/projects/1', path: '/projects/:id' });
    expect(await screen.findByRole('link', { name: '#5 bench A' })).toHaveAttribute('href', '/test-sessions/5');
    await userEvent.click(screen.getByRole('button', { name: 'New session' }));
    await waitFor(() => expect(screen.getByLabelText('Video')).toHaveValue('2'));
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['a.mp4']);
    await userEvent.type(screen.getByLabelText('Name'), 'fw 2.3');
    await userEvent.click(screen.getByRole('button', { name: 'Create session' }));
    expect(await screen.findByTestId('elsewhere')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      video_id: 2, name: 'fw 2.3', tolerance_ms: 300, criteria: { min_recall: 0.8 },
    });
  });

  it('shows the empty state, and the missing-endpoint state without a create button', async () => {
    stubFetch({ 'GET /api/projects/1/test-sessions': () => json(200, { items: [], next_cursor: null }) });
    const { unmount } = renderAt(<TestSessionsCard project={project} videos={[]} />);
    expect(await screen.findByText('No test sessions yet')).toBeInTheDocument();
    unmount();
    stubFetch({ 'GET /api/projects/1/test-sessions': () => apiError(405, 'method_not_allowed', 'method not allowed') });
    renderAt(<TestSessionsCard project={project} videos={[]} />);
    expect(await screen.findByText('Test sessions: not available on this server yet')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'New session' })).not.toBeInTheDocument();
  });
});
