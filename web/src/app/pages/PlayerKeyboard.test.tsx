// The player and its ground-truth editor from the keyboard, as a user
// presses keys (user-event), against the real query cache and mutations;
// edits show before the server answers and are undone when it refuses.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import PlayerPage from './PlayerPage';
import { renderAt } from '../../test/render';
import { apiError, json, stubFetch, type Handler } from '../../test/fetchStub';
import type { GtBox } from '../../lib/api/groundTruth';

const gtBox = (id: number, over: Partial<GtBox> = {}): GtBox =>
  ({ id, frame: 0, t: 0.01, class: 'person', x1: 100, y1: 100, x2: 200, y2: 300, validated: false, source: 'human', ...over });

/** A response the test releases when it wants, to look at the page while
 * the request is in flight. */
function later() {
  let release: (r: Response) => void = () => undefined;
  const p = new Promise<Response>((r) => { release = r; });
  return { handler: (() => p) as Handler, release };
}

/** The server's boxes are read on every GET, so a test changes what the
 * refetch after an edit sees by changing the array. */
function serve(boxes: GtBox[], extra: Record<string, Handler> = {}) {
  return stubFetch({
    'GET /api/runs/8': () => json(200, { id: 8, video_id: 3, model_id: 1, every: 1, state: 'done' }),
    'GET /api/models': () => json(200, { items: [], next_cursor: null }),
    'GET /api/videos/3': () => json(200, { id: 3, project_id: 1, filename: 'clip.mp4', fps: 30, width: 1280, height: 720, duration: 8 }),
    'GET /api/runs/8/detections': () => json(200, { items: [], next_cursor: null }),
    'GET /api/videos/3/ground-truth': () => json(200, { items: [...boxes], next_cursor: null }),
    // Cached beside the windows under the video's key: an edit must change
    // only the windows (it once mapped over this object and threw).
    'GET /api/runs/8/timeline': () => json(200, { run_id: 8, frames: 240, fps: 30, every: 1, buckets: 2, frames_per_bucket: 120,
      detections: [0, 0], ground_truth: [boxes.length, 0] }),
    ...extra,
  });
}

async function openPlayer() {
  renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
  const controls = await screen.findByLabelText(/Player controls/);
  return controls;
}

let paused = true;
beforeEach(() => {
  paused = true;
  vi.spyOn(HTMLMediaElement.prototype, 'paused', 'get').mockImplementation(() => paused);
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockImplementation(async () => { paused = false; });
  vi.spyOn(HTMLMediaElement.prototype, 'pause').mockImplementation(() => { paused = true; });
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(null);
});
afterEach(() => { vi.restoreAllMocks(); vi.unstubAllGlobals(); });

describe('player keys', () => {
  it('space plays and pauses; . and , step one frame; shift+arrows a second', async () => {
    serve([]);
    const user = userEvent.setup();
    const controls = await openPlayer();
    const video = screen.getByTestId('player-video') as HTMLVideoElement;
    controls.focus();
    await user.keyboard(' ');
    expect(paused).toBe(false);
    await user.keyboard(' ');
    expect(paused).toBe(true);
    await user.keyboard('.');
    expect(video.currentTime).toBeCloseTo(1.5 / 30, 6); // middle of frame 1
    video.dispatchEvent(new Event('seeked'));
    await waitFor(() => expect(screen.getByTestId('player-frame')).toHaveTextContent('frame 1 '));
    await user.keyboard(',');
    expect(video.currentTime).toBeCloseTo(0.5 / 30, 6);
    await user.keyboard('{Shift>}{ArrowRight}{/Shift}');
    // A second on from the frame on screen (frame 1: no seeked since).
    expect(video.currentTime).toBeCloseTo(1.5 / 30 + 1, 6);
  });

  it('on variable-frame-rate video shows, steps and draws on AVP\'s frame from its frame times', async () => {
    // Every third frame 40 ms late (web/e2e/frames.mjs's clip): frame 3 is
    // at 0.3 s, frame 4 at 0.44 s, where 30 fps would say frame 12.
    const times = Float64Array.from({ length: 20 }, (_, k) => k * 0.1 + (k % 3 === 1 ? 0.04 : 0));
    const body = new DataView(new ArrayBuffer(8 * times.length));
    times.forEach((t, k) => body.setFloat64(8 * k, t, true));
    const { calls } = serve([], {
      'GET /api/videos/3/frame-times': () => new Response(body.buffer, { status: 200 }),
      'POST /api/videos/3/ground-truth': () => json(201, gtBox(9, { frame: 3, t: 0.3 })),
    });
    const user = userEvent.setup();
    const controls = await openPlayer();
    const video = screen.getByTestId('player-video') as HTMLVideoElement;
    await waitFor(() => expect(calls.some((c) => c.url.pathname === '/api/videos/3/frame-times')).toBe(true));
    video.currentTime = 0.42;
    video.dispatchEvent(new Event('seeked'));
    await waitFor(() => expect(screen.getByTestId('player-frame')).toHaveTextContent('frame 3 '));
    controls.focus();
    await user.keyboard('.');
    expect(video.currentTime).toBeCloseTo((0.44 + 0.5) / 2, 6); // middle of frame 4
    video.currentTime = 0.42;
    video.dispatchEvent(new Event('seeked'));
    await waitFor(() => expect(screen.getByTestId('player-frame')).toHaveTextContent('frame 3 '));
    controls.focus();
    await user.keyboard('ea');
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({ frame: 3 }));
    // The frame's own time, not the clock's 0.42.
    expect((calls.find((c) => c.method === 'POST')!.body as { t: number }).t).toBeCloseTo(0.3, 9);
  });

  it('reaches every control with Tab, and space on a button is that button\'s own', async () => {
    serve([gtBox(1)]);
    const user = userEvent.setup();
    await openPlayer();
    const play = screen.getByRole('button', { name: 'Play / pause' });
    play.focus();
    await user.keyboard(' ');
    expect(paused).toBe(false); // clicked once, not toggled twice
    await user.tab();
    expect(screen.getByRole('button', { name: 'Next frame' })).toHaveFocus();
    await user.tab();
    expect(screen.getByLabelText(/Player controls/)).not.toHaveFocus();
    expect(document.activeElement).not.toBe(document.body);
  });
});

describe('ground-truth editing from the keyboard', () => {
  it('selects with N, nudges with arrows and resizes with Alt+arrows, shown before the server answers', async () => {
    const reply = later();
    const boxes = [gtBox(1), gtBox(2, { x1: 400, x2: 500 })];
    const { calls } = serve(boxes, { 'PATCH /api/ground-truth/1': reply.handler });
    const user = userEvent.setup();
    const controls = await openPlayer();
    controls.focus();
    await user.keyboard('e');
    await user.keyboard('n');
    expect(screen.getByRole('group', { name: 'Selected: person at 100,100 – 200,300' })).toBeInTheDocument();
    await user.keyboard('{Shift>}{ArrowRight}{/Shift}');
    // Optimistic: the box moved on the page while the PATCH is in flight.
    expect(screen.getByRole('group', { name: 'Selected: person at 110,100 – 210,300' })).toBeInTheDocument();
    // The request leaves after the optimistic update (a microtask or two).
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ x1: 110, y1: 100, x2: 210, y2: 300 }]));
    boxes[0] = gtBox(1, { x1: 110, x2: 210 });
    reply.release(json(200, boxes[0]));
    await waitFor(() => expect(calls.filter((c) => c.method === 'GET' && c.url.pathname.endsWith('ground-truth'))).toHaveLength(2));
    await user.keyboard('{Alt>}{ArrowDown}{/Alt}');
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)[1]).toEqual({ x1: 110, y1: 100, x2: 210, y2: 301 }));
    // Arrows step frames again once the selection is dropped.
    await user.keyboard('{Escape}');
    expect(screen.getByText('No box selected (N selects one)')).toBeInTheDocument();
  });

  it('puts a moved box back where it was when the server refuses', async () => {
    serve([gtBox(1)], { 'PATCH /api/ground-truth/1': () => apiError(409, 'conflict', 'box changed meanwhile') });
    const user = userEvent.setup();
    const controls = await openPlayer();
    controls.focus();
    await user.keyboard('en{ArrowUp}');
    expect(await screen.findByRole('alert')).toHaveTextContent(/Edit failed: box changed meanwhile/i);
    expect(screen.getByRole('group', { name: 'Selected: person at 100,100 – 200,300' })).toBeInTheDocument();
  });

  it('validates with V, flags with the checkboxes and deletes with Delete; a refused delete brings the box back', async () => {
    const boxes = [gtBox(1)];
    const refuse = later();
    const { calls } = serve(boxes, {
      'PATCH /api/ground-truth/1': (_u, init) => json(200, (boxes[0] = { ...boxes[0], ...JSON.parse(String(init?.body)) })),
      'DELETE /api/ground-truth/1': refuse.handler,
    });
    const user = userEvent.setup();
    const controls = await openPlayer();
    controls.focus();
    await user.keyboard('env');
    expect(screen.getByLabelText('Validated (V)')).toBeChecked();
    await waitFor(() => expect(screen.getByText('human · validated')).toBeInTheDocument());
    // Announced to screen readers: the edit happened away from the focus.
    expect(screen.getByRole('status')).toHaveTextContent('Selected: person at 100,100 – 200,300, validated');
    await user.click(screen.getByLabelText('Occluded (O)'));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([{ validated: true }, { occluded: true }]));
    controls.focus();
    await user.keyboard('n{Delete}');
    const list = screen.getByRole('list', { name: 'Ground-truth boxes on this frame' });
    await waitFor(() => expect(within(list).queryByRole('button')).toBeNull()); // gone before the answer
    refuse.release(apiError(403, 'forbidden', 'viewers cannot edit'));
    expect(await screen.findByRole('alert')).toHaveTextContent(/viewers cannot edit/i);
    await waitFor(() => expect(within(list).getByRole('button', { name: /person/ })).toBeInTheDocument());
  });

  it('adds a box with A in the middle of the frame, then the server\'s id replaces the temporary one', async () => {
    const reply = later();
    const boxes: GtBox[] = [];
    const { calls } = serve(boxes, { 'POST /api/videos/3/ground-truth': reply.handler });
    const user = userEvent.setup();
    const controls = await openPlayer();
    controls.focus();
    await user.selectOptions(screen.getByLabelText('Class for new boxes'), 'dog');
    controls.focus();
    await user.keyboard('ea');
    expect(await screen.findByText(/saving…/)).toBeInTheDocument();
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ frame: 0, t: 0, class: 'dog', x1: 512, y1: 288, x2: 768, y2: 432 }));
    boxes.push(gtBox(7, { class: 'dog', x1: 512, y1: 288, x2: 768, y2: 432 }));
    reply.release(json(201, boxes[0]));
    await waitFor(() => expect(screen.queryByText(/saving…/)).toBeNull());
    expect(screen.getByRole('button', { name: /dog/ })).toBeInTheDocument();
  });
});
