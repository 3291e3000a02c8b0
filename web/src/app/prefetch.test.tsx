import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { prefetchFor } from './prefetch';
import DetectionsPage from './pages/DetectionsPage';
import TestSessionPage from '../features/testSessions/components/TestSessionPage';
import { createQueryClient } from './queryClient';
import { freshClient, renderAt } from '../test/render';
import { json, stubFetch } from '../test/fetchStub';
import { FakeSocket } from '../test/fakeSocket';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const det = (i: number) => ({ id: i, frame: i, t: i / 30, class_id: 0, score: 0.9, x1: 1, y1: 2, x2: 30, y2: 40 });

describe('prefetchFor', () => {
  it('requests a page\'s data before it renders, under the keys the page reads (nothing twice)', async () => {
    const { calls } = stubFetch({
      'GET /api/auth/me': () => json(200, { user: { id: 1, username: 'a', admin: true } }),
      'GET /api/runs/3': () => json(200, { id: 3, video_id: 2, model_id: 1, every: 1, state: 'done', detections_count: 2 }),
      'GET /api/models': () => json(200, { items: [], next_cursor: null }),
      'GET /api/videos/2': () => json(200, { id: 2, project_id: 1, filename: 'a.mp4', width: 640, height: 480 }),
      'GET /api/runs/3/detections': () => json(200, { items: [det(1), det(2)], next_cursor: null }),
    });
    // The app's client: its staleTime lets a page use what was just fetched.
    const client = createQueryClient();
    prefetchFor(client, { pathname: '/runs/3/detections', search: '?class=0&min=0.5' });
    expect(calls.map((c) => c.url.pathname).sort()).toEqual(['/api/auth/me', '/api/models', '/api/runs/3', '/api/runs/3/detections']);
    expect(calls.find((c) => c.url.pathname.endsWith('/detections'))!.url.search).toBe('?limit=50&class=0&min_score=0.5');
    await waitFor(() => expect(client.isFetching()).toBe(0));
    // jsdom has no layout: a 600 px list viewport for the virtualizer.
    vi.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(600);
    vi.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(800);
    renderAt(<DetectionsPage />, { route: '/runs/3/detections?class=0&min=0.5', path: '/runs/:runId/detections', client });
    const list = await screen.findByTestId('detection-list');
    await waitFor(() => expect(within(list).getAllByRole('link')).toHaveLength(2));
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/api/videos/2')).toBe(true));
    const paths = calls.map((c) => c.url.pathname + c.url.search);
    expect(paths.length).toBe(new Set(paths).size);
  });

  it('fills a test session page before it renders', async () => {
    vi.stubGlobal('WebSocket', FakeSocket);
    const { calls } = stubFetch({
      'GET /api/auth/me': () => json(200, { user: { id: 1, username: 'a', admin: true } }),
      'GET /api/test-sessions/5': () => json(200, { id: 5, project_id: 1, video_id: 2, name: 's', tolerance_ms: 500, criteria: null,
        sync_offset: null, state: 'open', created_at: '', events_count: 0 }),
      'GET /api/test-sessions/5/results': () => json(200, { session_id: 5, targets: 0, events: 0, tp: 0, fp: 0, fn: 0, precision: null,
        recall: null, f1: null, latency_ms: { median: null, p90: null, p99: null, histogram: { edges: [], counts: [] } }, pass: null }),
      'GET /api/test-sessions/5/events': () => json(200, { items: [], next_cursor: null }),
    });
    const client = createQueryClient();
    prefetchFor(client, { pathname: '/test-sessions/5', search: '' });
    await waitFor(() => expect(client.isFetching()).toBe(0));
    renderAt(<TestSessionPage />, { route: '/test-sessions/5', path: '/test-sessions/:testSessionId', client });
    expect(await screen.findByText('No events yet')).toBeInTheDocument();
    expect(calls.filter((c) => c.url.pathname === '/api/test-sessions/5/results')).toHaveLength(1);
  });

  it('fetches the player\'s first window and the one at ?t=', () => {
    const { calls } = stubFetch({});
    prefetchFor(freshClient(), { pathname: '/runs/3/player', search: '?t=12.5&frame=375' });
    const windows = calls.filter((c) => c.url.pathname === '/api/runs/3/detections').map((c) => [c.url.searchParams.get('t0'), c.url.searchParams.get('t1')]);
    expect(windows).toEqual([['0', '5'], ['10', '15']]);
    expect(calls.some((c) => c.url.pathname === '/api/runs/3/evaluation/frames')).toBe(true);
  });

  it('asks nothing on the sign-in page', () => {
    const { calls } = stubFetch({});
    prefetchFor(freshClient(), { pathname: '/login', search: '?next=/' });
    expect(calls).toHaveLength(0);
  });
});
