import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import DetectionsPage from './DetectionsPage';
import { renderAt } from '../../test/render';
import { json, stubFetch } from '../../test/fetchStub';
import type { Detection } from '../../lib/api/detections';

// jsdom has no layout: give elements the size of a 600 px tall list so the
// virtualizer has a viewport to fill.
beforeAll(() => {
  vi.spyOn(Element.prototype, 'clientHeight', 'get').mockReturnValue(600);
  vi.spyOn(Element.prototype, 'clientWidth', 'get').mockReturnValue(800);
});
afterAll(() => vi.restoreAllMocks());
afterEach(() => vi.unstubAllGlobals());

// 500 detections, classes 0 and 16 alternating, served in keyset pages
// with the filters the server understands.
const ALL: Detection[] = Array.from({ length: 500 }, (_x, i) => ({
  id: i + 1, frame: i, t: i / 30, class_id: i % 2 ? 16 : 0, score: (i % 10) / 10 + 0.05, x1: 0, y1: 0, x2: 10, y2: 10,
}));

/** hold: filtered requests never answer, so only the worker path can narrow. */
function serve(hold = false) {
  return stubFetch({
    'GET /api/runs/5': () => json(200, { id: 5, video_id: 2, model_id: 1, conf: 0.25, iou: 0.45, every: 1, state: 'done', frames_done: 500, detections_count: 500, created_at: '' }),
    'GET /api/models': () => json(200, { items: [], next_cursor: null }),
    'GET /api/videos/2': () => json(200, { id: 2, project_id: 1, filename: 'a.mp4', width: 1280, height: 720, fps: 30 }),
    'GET /api/runs/5/detections': (u) => {
      const cls = u.searchParams.get('class');
      if (hold && cls != null) return new Promise<Response>(() => undefined);
      const min = Number(u.searchParams.get('min_score') ?? 0);
      const rows = ALL.filter((d) => (cls == null || d.class_id === Number(cls)) && d.score >= min);
      const start = Number(u.searchParams.get('cursor') ?? 0);
      const limit = Number(u.searchParams.get('limit'));
      const next = start + limit < rows.length ? String(start + limit) : null;
      return json(200, { items: rows.slice(start, start + limit), next_cursor: next });
    },
    // The whole run's counts: 250 of each class, fewer above a score.
    'GET /api/runs/5/detections/classes': (u) => {
      const min = Number(u.searchParams.get('min_score') ?? 0);
      const t0 = Number(u.searchParams.get('t0') ?? 0);
      const rows = ALL.filter((d) => d.score >= min && d.t >= t0);
      const items = [0, 16].map((c) => ({ class_id: c, count: rows.filter((d) => d.class_id === c).length })).filter((x) => x.count);
      return json(200, { total: rows.length, items });
    },
  });
}

describe('DetectionsPage', () => {
  it('renders only a window of rows from pages of 50 and asks for the next page when scrolled to the end', async () => {
    const { calls } = serve();
    renderAt(<DetectionsPage />, { route: '/runs/5/detections', path: '/runs/:runId/detections' });
    const list = await screen.findByTestId('detection-list');
    await waitFor(() => expect(within(list).getAllByRole('link').length).toBeGreaterThan(5));
    const pages = () => calls.filter((c) => c.url.pathname === '/api/runs/5/detections');
    expect(pages()[0].url.searchParams.get('limit')).toBe('50');
    // Virtualized: far fewer DOM rows than loaded rows.
    expect(within(list).getAllByRole('link').length).toBeLessThan(30);
    list.scrollTop = 50 * 56;
    fireEvent.scroll(list);
    await waitFor(() => expect(pages().some((c) => c.url.searchParams.get('cursor') === '50')).toBe(true));
  });

  it('sends the class and score filters from the URL to the server and shows only matching rows', async () => {
    const { calls } = serve();
    renderAt(<DetectionsPage />, { route: '/runs/5/detections?class=16&min=0.5', path: '/runs/:runId/detections' });
    const list = await screen.findByTestId('detection-list');
    await waitFor(() => expect(within(list).getAllByRole('link').length).toBeGreaterThan(3));
    const req = calls.find((c) => c.url.pathname === '/api/runs/5/detections')!;
    expect(req.url.searchParams.get('class')).toBe('16');
    expect(req.url.searchParams.get('min_score')).toBe('0.5');
    for (const row of within(list).getAllByRole('link')) expect(row).toHaveAccessibleName(/ dog score /);
  });

  it('narrows the loaded rows at once when the filter changes, before the server answers', async () => {
    const { calls } = serve(true);
    renderAt(<DetectionsPage />, { route: '/runs/5/detections', path: '/runs/:runId/detections' });
    const list = await screen.findByTestId('detection-list');
    await waitFor(() => expect(within(list).getAllByRole('link').length).toBeGreaterThan(3));
    fireEvent.change(screen.getByLabelText('Class'), { target: { value: '0' } });
    await waitFor(() => {
      const rows = within(list).getAllByRole('link');
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.every((r) => /person/.test(r.textContent ?? '') && !/dog/.test(r.textContent ?? ''))).toBe(true);
    });
    // The server was asked for the new filter but has not answered.
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get('class') === '0')).toBe(true));
  });

  it('moves the focus between rows with the arrow keys', async () => {
    serve();
    renderAt(<DetectionsPage />, { route: '/runs/5/detections', path: '/runs/:runId/detections' });
    const list = await screen.findByTestId('detection-list');
    await waitFor(() => expect(within(list).getAllByRole('link').length).toBeGreaterThan(3));
    const user = userEvent.setup();
    list.focus();
    await user.keyboard('{ArrowDown}');
    await waitFor(() => expect(document.activeElement).toHaveAccessibleName(/^frame #0 /));
    await user.keyboard('{ArrowDown}');
    await waitFor(() => expect(document.activeElement).toHaveAccessibleName(/^frame #1 /));
    await user.keyboard('{ArrowUp}');
    await waitFor(() => expect(document.activeElement).toHaveAccessibleName(/^frame #0 /));
    // Enter opens the player at the focused detection's frame.
    await user.keyboard('{Enter}');
    expect(await screen.findByTestId('elsewhere')).toBeInTheDocument();
  });

  it('shows an error with the server message', async () => {
    stubFetch({
      'GET /api/runs/5': () => json(200, { id: 5, video_id: 2, model_id: 1, every: 1, state: 'done', detections_count: 0 }),
      'GET /api/runs/5/detections': () => json(400, { error: { code: 'bad_request', message: 'bad cursor' } }),
    });
    renderAt(<DetectionsPage />, { route: '/runs/5/detections', path: '/runs/:runId/detections' });
    expect(await screen.findByText('Could not load detections')).toBeInTheDocument();
    expect(screen.getByText(/bad cursor/i)).toBeInTheDocument();
    expect(screen.queryByText(/400|bad_request/)).toBeNull();
  });

  it('counts the whole run per class from the server, with the filters, not the loaded rows', async () => {
    const { calls } = serve();
    renderAt(<DetectionsPage />, { route: '/runs/5/detections?min=0.5', path: '/runs/:runId/detections' });
    const side = await screen.findByRole('complementary', { name: 'Classes of the whole run' });
    // 50 rows are loaded; the server counts all 500: at 0.5 or more, 150
    // dogs and 100 people.
    await waitFor(() => expect(within(side).getByText('150')).toBeInTheDocument());
    expect(within(side).getByText('100')).toBeInTheDocument();
    expect(await screen.findByText(/250 detections match/)).toBeInTheDocument();
    expect(within(screen.getByLabelText('Class')).getByRole('option', { name: 'dog (150)' })).toBeInTheDocument();
    const req = calls.find((c) => c.url.pathname === '/api/runs/5/detections/classes')!;
    expect(req.url.searchParams.get('min_score')).toBe('0.5');
  });

  it('labels the columns and jumps to a frame or a time in the list', async () => {
    const { calls } = serve();
    renderAt(<DetectionsPage />, { route: '/runs/5/detections', path: '/runs/:runId/detections' });
    const list = await screen.findByTestId('detection-list');
    const head = list.previousElementSibling!;
    expect(Array.from(head.children, (c) => c.textContent)).toEqual(['', 'Frame', 'Time', 'Class', 'Score', 'Box (x1,y1 – x2,y2)']);
    const user = userEvent.setup();
    const go = screen.getByLabelText('Go to frame or time');
    await user.type(go, '300{Enter}');
    // Frame 300 at 30 fps: the list starts at 10 s.
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/api/runs/5/detections' && c.url.searchParams.get('t0') === '10')).toBe(true));
    await user.clear(go);
    await user.type(go, 'later{Enter}');
    expect(await screen.findByRole('alert')).toHaveTextContent(/Type a frame number/);
  });

  it('shows the not-found page for an id that is not a number', async () => {
    const { calls } = serve();
    renderAt(<DetectionsPage />, { route: '/runs/abc/detections', path: '/runs/:runId/detections' });
    expect(await screen.findByRole('heading', { name: 'This run does not exist' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your projects' })).toHaveAttribute('href', '/');
    expect(calls).toHaveLength(0);
  });
});
