// Ignore regions drawn in the player: clicks on the video become corners
// in the displayed picture's pixels (letterboxed like the video), finished
// regions are saved to the video's evaluation rules with its other rules
// kept, shown shaded, and removable.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import PlayerPage from './PlayerPage';
import { renderAt } from '../../test/render';
import { apiError, json, stubFetch } from '../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

function serve(rules: unknown, put: (body: unknown) => Response) {
  return stubFetch({
    'GET /api/runs/8/evaluation': () => apiError(404, 'not_found', 'run 8 has no evaluation'),
    'GET /api/runs/8': () => json(200, { id: 8, video_id: 3, model_id: 1, every: 1, state: 'done' }),
    'GET /api/models': () => json(200, { items: [], next_cursor: null }),
    'GET /api/videos/3': () => json(200, { id: 3, project_id: 1, filename: 'clip.mp4', fps: 30, width: 1280, height: 720, duration: 8 }),
    'GET /api/runs/8/detections': () => json(200, { items: [], next_cursor: null }),
    'GET /api/runs/8/evaluation/frames': () => apiError(404, 'not_evaluated', 'run 8 has no evaluation'),
    'GET /api/videos/3/ground-truth': () => json(200, { items: [], next_cursor: null }),
    'GET /api/runs/8/timeline': () => json(200, { run_id: 8, frames: 240, fps: 30, every: 1, buckets: 1, frames_per_bucket: 240, detections: [0], ground_truth: [0] }),
    'GET /api/videos/3/evaluation-rules': () => json(200, { rules }),
    'PUT /api/videos/3/evaluation-rules': (_u, init) => put(JSON.parse(String(init?.body))),
  });
}

/** The stage is 640 x 480 on screen: the 1280 x 720 video is letterboxed
 * to 640 x 360, 60 px down, so a click at (x, y) is video (2x, 2(y - 60)). */
async function stage() {
  const overlay = await screen.findByTestId('player-overlay');
  const el = overlay.parentElement!;
  el.getBoundingClientRect = () => ({ left: 0, top: 0, width: 640, height: 480, right: 640, bottom: 480, x: 0, y: 0, toJSON: () => ({}) });
  return el;
}

describe('ignore regions in the player', () => {
  it('draws a polygon in video pixels and saves it beside the video\'s other rules', async () => {
    const { calls } = serve({ min_box_size: 4 }, (b) => json(200, b));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    await stage();
    const panel = await screen.findByRole('group', { name: 'Ignore regions' });
    await waitFor(() => expect(within(panel).getByRole('button', { name: 'Draw a region' })).toBeEnabled());
    await userEvent.click(within(panel).getByRole('button', { name: 'Draw a region' }));
    const svg = screen.getByTestId('ignore-regions');
    fireEvent.click(svg, { clientX: 100, clientY: 60 });
    fireEvent.click(svg, { clientX: 300, clientY: 60 });
    expect(within(panel).getByRole('button', { name: 'Finish region' })).toBeDisabled();
    fireEvent.click(svg, { clientX: 300, clientY: 700 }); // below the picture: clamped
    expect(within(panel).getByRole('status')).toHaveTextContent('3 corners');
    await userEvent.click(within(panel).getByRole('button', { name: 'Finish region' }));
    await waitFor(() => expect(screen.getByTestId('ignore-regions').dataset.regions).toBe('1'));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body).toEqual({ rules: { min_box_size: 4, ignore_regions: [[[200, 0], [600, 0], [600, 720]]] } });
    expect(screen.getByTestId('ignore-regions').querySelector('polygon')).toHaveAttribute('points', '200,0 600,0 600,720');
    expect(within(panel).getByText(/Region 1 · 3 corners/)).toBeInTheDocument();
  });

  it('removes a region, and says in words when saving failed', async () => {
    let answer = (b: unknown) => json(200, b);
    const { calls } = serve({ ignore_regions: [[[0, 0], [10, 0], [10, 10]], [[50, 50], [60, 50], [60, 60]]] }, (b) => answer(b));
    renderAt(<PlayerPage />, { route: '/runs/8/player', path: '/runs/:runId/player' });
    const panel = await screen.findByRole('group', { name: 'Ignore regions' });
    await userEvent.click(await within(panel).findByRole('button', { name: 'Remove region 1' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT').at(-1)?.body)
      .toEqual({ rules: { ignore_regions: [[[50, 50], [60, 50], [60, 60]]] } }));
    answer = () => apiError(400, 'bad_request', 'rules: ignore_regions[0]: expected 3 to 256 [x, y] points');
    await userEvent.click(await within(panel).findByRole('button', { name: 'Remove region 1' }));
    expect(await within(panel).findByRole('alert')).toHaveTextContent('The regions were not saved');
    // Removing the last region leaves no ignore_regions key at all.
    answer = (b) => json(200, b);
    await userEvent.click(within(panel).getByRole('button', { name: 'Remove region 1' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT').at(-1)?.body).toEqual({ rules: {} }));
  });
});
