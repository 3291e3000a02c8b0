import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, screen, waitFor } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { PointerEvent, ReactNode } from 'react';
import PlayerPage from './PlayerPage';
import { useGtEditor } from '../../features/player/components/useGtEditor';
import { freshClient, renderAt } from '../../test/render';
import { apiError, json, stubFetch } from '../../test/fetchStub';
import type { GtBox } from '../../lib/api/groundTruth';

afterEach(() => vi.unstubAllGlobals());

const det = (frame: number, cls: number) => ({ frame, t: frame / 30, class_id: cls, score: 0.9, x1: 10, y1: 10, x2: 50, y2: 80 });
const gtBox = (id: number, frame: number, validated = false): GtBox =>
  ({ id, frame, t: frame / 30, class: 'person', x1: 100, y1: 100, x2: 200, y2: 300, validated, source: 'human' });

function serve(gt: () => Response, frames: () => Response = () => apiError(404, 'not_found', 'no route for GET /api/runs/8/evaluation/frames'),
  evaluation: () => Response = () => apiError(404, 'not_found', 'run 8 has no evaluation')) {
  return stubFetch({
    'GET /api/runs/8/evaluation': evaluation,
    'GET /api/runs/8': () => json(200, { id: 8, video_id: 3, model_id: 1, every: 1, state: 'done' }),
    'GET /api/models': () => json(200, { items: [], next_cursor: null }),
    'GET /api/videos/3': () => json(200, { id: 3, project_id: 1, filename: 'clip.mp4', fps: 30, width: 1280, height: 720, duration: 8 }),
    'GET /api/runs/8/detections': () => json(200, { items: [det(0, 0), det(0, 16), det(1, 0)], next_cursor: null }),
    'GET /api/runs/8/evaluation/frames': frames,
    'GET /api/videos/3/ground-truth': gt,
    // The whole run: 8 buckets of 30 frames, detections in every one
    // (only the first window, 0-5 s, is ever loaded as boxes).
    'GET /api/runs/8/timeline': () => json(200, { run_id: 8, frames: 240, fps: 30, every: 1, buckets: 8, frames_per_bucket: 30,
      detections: [3, 2, 2, 2, 2, 2, 2, 5], ground_truth: [1, 0, 0, 0, 0, 0, 0, 4] }),
  });
}

describe('PlayerPage', () => {
  it('puts the boxes of the frame on screen on the overlay and reads the 5 s window', async () => {
    const { calls } = serve(() => json(200, { items: [gtBox(1, 0, true), gtBox(2, 5)], next_cursor: null }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    const overlay = await screen.findByTestId('player-overlay');
    await waitFor(() => expect(overlay.dataset.boxes).toBe('2'));
    expect(overlay.dataset.gt).toBe('1');
    const req = calls.find((c) => c.url.pathname === '/api/runs/8/detections')!;
    expect([req.url.searchParams.get('t0'), req.url.searchParams.get('t1')]).toEqual(['0', '5']);
    expect(screen.getByText('human · validated')).toBeInTheDocument();
    expect(screen.getByTestId('player-frame')).toHaveTextContent('frame 0');
  });

  it('warns above the strip when the run was scored against its own model\'s boxes, and only then', async () => {
    serve(() => json(200, { items: [], next_cursor: null }), undefined, () => json(200, { id: 1, run_id: 8, self_scored: true }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    expect(await screen.findByText('Scored against its own output.')).toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent('The TP / FP / FN marks compare this model');
  });

  it('shows no such warning for an evaluation against other ground truth', async () => {
    const { calls } = serve(() => json(200, { items: [], next_cursor: null }), undefined,
      () => json(200, { id: 1, run_id: 8, self_scored: false }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    await screen.findByTestId('player-overlay');
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/api/runs/8/evaluation')).toBe(true));
    expect(screen.queryByText('Scored against its own output.')).not.toBeInTheDocument();
  });

  it('says so on the stage when the browser cannot play the stream (MPEG-TS), and not before', async () => {
    serve(() => json(200, { items: [], next_cursor: null }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    const video = await screen.findByTestId('player-video');
    expect(screen.queryByTestId('player-unplayable')).not.toBeInTheDocument();
    act(() => { video.dispatchEvent(new Event('error')); });
    expect(await screen.findByTestId('player-unplayable')).toHaveTextContent('This browser cannot play clip.mp4');
  });

  it('says clearly that ground truth is not available when the server lacks it', async () => {
    serve(() => apiError(404, 'not_found', 'no route for GET /api/videos/3/ground-truth'));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    expect(await screen.findByText('Ground truth: not available on this server yet')).toBeInTheDocument();
    expect(screen.queryByLabelText(/Edit/)).not.toBeInTheDocument();
  });
});

describe('PlayerPage timeline outcomes', () => {
  /** A 2D context that records the rectangles filled and their colors. */
  function recordCanvas() {
    const rects: { style: string; x: number; y: number }[] = [];
    const ctx = {
      fillStyle: '', globalAlpha: 1,
      setTransform: () => undefined, clearRect: () => undefined, strokeRect: () => undefined, fillText: () => undefined,
      measureText: () => ({ width: 10 }), beginPath: () => undefined, stroke: () => undefined, save: () => undefined, restore: () => undefined,
      setLineDash: () => undefined,
      fillRect(x: number, y: number) { rects.push({ style: String(this.fillStyle), x, y }); },
    };
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => ctx as unknown as CanvasRenderingContext2D);
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(800);
    return rects;
  }
  afterEach(() => vi.restoreAllMocks());

  it('colors the strip by each frame\'s worst outcome from the evaluation', async () => {
    const rects = recordCanvas();
    serve(() => json(200, { items: [], next_cursor: null }), () => json(200, { items: [
      { frame: 30, t: 1, tp: 2, fp: 0, fn: 0 }, { frame: 60, t: 2, tp: 1, fp: 1, fn: 0 }, { frame: 90, t: 3, tp: 0, fp: 1, fn: 1 },
    ] }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    // The outcomes row is the third (y = 28); x is t / duration (8 s) of 800 px.
    await waitFor(() => expect(rects.filter((r) => r.y === 28)).toHaveLength(3));
    expect(rects.filter((r) => r.y === 28).map((r) => [r.x, r.style])).toEqual([[100, '#15803d'], [200, '#e5484d'], [300, '#b45309']]);
  });

  it('draws one rectangle per pixel column however many frames, the worst outcome winning', async () => {
    const rects = recordCanvas();
    // 2400 frames over the 8 s on 800 px: three per column, each column
    // with an FP and every fifth one with an FN too.
    const items = Array.from({ length: 2400 }, (_, i) => ({ frame: i, t: i / 300, tp: 1, fp: i % 3 === 1 ? 1 : 0, fn: i % 15 === 2 ? 1 : 0 }));
    serve(() => json(200, { items: [], next_cursor: null }), () => json(200, { items }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    await waitFor(() => expect(rects.filter((r) => r.y === 28).length).toBeGreaterThan(0));
    const row = rects.filter((r) => r.y === 28);
    expect(row).toHaveLength(800);
    expect(row.filter((r) => r.style === '#b45309')).toHaveLength(160);
    expect(row.filter((r) => r.style === '#e5484d')).toHaveLength(640);
  });

  it('draws detections and ground truth of the whole video from the server summary at once', async () => {
    const rects = recordCanvas();
    serve(() => json(200, { items: [], next_cursor: null }));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    const strip = await screen.findByTestId('timeline');
    await waitFor(() => expect(strip.dataset.detections).toBe('20'));
    expect(strip.dataset.buckets).toBe('8');
    // Eight 100 px buckets: detections (row y = 0) reach the last second,
    // past the 5 s window loaded; ground truth (y = 14) in the first and last.
    expect(rects.filter((r) => r.y === 0).map((r) => r.x)).toEqual([0, 100, 200, 300, 400, 500, 600, 700]);
    expect(rects.filter((r) => r.y === 14).map((r) => r.x)).toEqual([0, 700]);
  });

  it('shows the not-found page for a malformed run id', async () => {
    const { calls } = serve(() => json(200, { items: [], next_cursor: null }));
    renderAt(<PlayerPage />, { route: '/runs/1e3/player', path: '/runs/:runId/player' });
    expect(await screen.findByRole('heading', { name: 'This run does not exist' })).toBeInTheDocument();
    expect(calls).toHaveLength(0);
  });

  it('says the run needs an evaluation when it has none', async () => {
    recordCanvas();
    serve(() => json(200, { items: [], next_cursor: null }), () => apiError(404, 'not_evaluated', 'run 8 has no evaluation'));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    expect(await screen.findByTestId('outcomes-note')).toHaveTextContent('TP / FP / FN appear once the run is evaluated');
    expect(screen.getByRole('link', { name: 'evaluated' })).toHaveAttribute('href', '/runs/8/results');
  });
});

describe('useGtEditor', () => {
  // The overlay shows the 1280x720 video at half size, no letterbox.
  const fit = { scale: 0.5, ox: 0, oy: 0 };
  const target = { getBoundingClientRect: () => ({ left: 0, top: 0 }), setPointerCapture: () => undefined };
  const at = (x: number, y: number) => ({ clientX: x, clientY: y, pointerId: 1, currentTarget: target }) as unknown as PointerEvent<HTMLCanvasElement>;
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={freshClient()}>{children}</QueryClientProvider>;
  const setup = (boxes: GtBox[]) => renderHook(() => useGtEditor({
    videoId: 3, frame: 12, t: 0.4, fit, size: { w: 1280, h: 720 }, boxes, newClass: 'cyclist',
  }), { wrapper });

  it('adds a dragged box in video pixels with the chosen class', async () => {
    const { calls } = stubFetch({ 'POST /api/videos/3/ground-truth': () => json(201, gtBox(9, 12)) });
    const { result } = setup([]);
    act(() => result.current.onPointerDown(at(10, 20)));
    act(() => result.current.onPointerMove(at(60, 120)));
    act(() => result.current.onPointerUp());
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body).toEqual({ frame: 12, t: 0.4, class: 'cyclist', x1: 20, y1: 40, x2: 120, y2: 240 });
  });

  it('moves, validates and deletes an existing box', async () => {
    const { calls } = stubFetch({
      'PATCH /api/ground-truth/1': () => json(200, gtBox(1, 12)),
      'DELETE /api/ground-truth/1': () => new Response(null, { status: 204 }),
    });
    const { result } = setup([gtBox(1, 12)]);
    act(() => result.current.onPointerDown(at(60, 60))); // inside 100..200 x 100..300 in video pixels
    act(() => result.current.onPointerMove(at(70, 65)));
    act(() => result.current.onPointerUp());
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body).toEqual({ x1: 120, y1: 110, x2: 220, y2: 310 });
    act(() => void result.current.onKey({ key: 'v' }));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1].body).toEqual({ validated: true });
    act(() => void result.current.onKey({ key: 'Delete' }));
    await waitFor(() => expect(calls.map((c) => c.method)).toEqual(['PATCH', 'PATCH', 'DELETE']));
  });

  it('resizes the selected box by its corner handle, the opposite corner staying', async () => {
    const { calls } = stubFetch({ 'PATCH /api/ground-truth/1': () => json(200, gtBox(1, 12)) });
    const { result, rerender } = setup([gtBox(1, 12)]);
    act(() => result.current.onPointerDown(at(60, 60))); // selects (and would move) it
    act(() => result.current.onPointerUp()); // a click: no change, no request
    rerender();
    // The bottom-right corner (200, 300) is at (100, 150) on screen; grab it 3 px off.
    act(() => result.current.onPointerDown(at(103, 148)));
    act(() => result.current.onPointerMove(at(130, 200)));
    act(() => result.current.onPointerUp());
    await waitFor(() => expect(calls).toHaveLength(1));
    expect(calls[0].body).toEqual({ x1: 100, y1: 100, x2: 260, y2: 400 });
  });

  it('reports a failed edit', async () => {
    stubFetch({});
    const { result } = setup([gtBox(1, 12)]);
    act(() => result.current.onPointerDown(at(60, 60)));
    act(() => void result.current.onKey({ key: 'Delete' }));
    await waitFor(() => expect(result.current.error?.message).toMatch(/no route/));
  });
});
