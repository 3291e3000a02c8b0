// The failure gallery of the results page: crops of the worst errors,
// filtered by TIDE type and class on the server, paged, each a link into
// the player at its frame.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ResultsPage from './ResultsPage';
import { renderAt } from '../../test/render';
import { apiError, json, openApiDefaults, stubFetch } from '../../test/fetchStub';
import { resetThumbnails } from '../../lib/thumbnails';
import type { Evaluation } from '../../features/results/api/types';
import type { Failure } from '../../features/results/api/failures';
import { tide } from '../../test/fixtures/tide';

let blobs = 0;
beforeEach(() => {
  resetThumbnails();
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => `blob:crop-${++blobs}`, revokeObjectURL: () => undefined }));
});
afterEach(() => vi.unstubAllGlobals());

const evaluation: Evaluation = {
  id: 40, run_id: 4, created_at: '2026-12-07T07:00:00Z', manifest: { score_threshold: 0.3 },
  results: { overall: { tp: 3, fp: 4, fn: 2, precision: 0.43, recall: 0.6, f1: 0.5 }, classes: [], tide },
};

const failure = (id: number, type: Failure['type'], cls: string, score: number | null): Failure => ({
  id, evaluation_id: 40, type, class: cls, frame: id * 2, t: id * 0.2,
  box: score == null ? null : [10, 10, 50, 90], score, gt_box: type === 'Bkg' ? null : [12, 12, 52, 88], iou: score == null || type === 'Bkg' ? null : 0.3,
});

function serve(list: (u: URL) => Response) {
  return stubFetch({
    'GET /api/runs/4': () => json(200, { id: 4, video_id: 2, model_id: 1, every: 1, state: 'done', conf: 0.25 }),
    'GET /api/videos/2': () => json(200, { id: 2, project_id: 1, filename: 'a.mp4' }),
    'GET /api/videos/2/runs': () => json(200, { items: [], next_cursor: null }),
    'GET /api/projects/1': () => json(200, { id: 1, name: 'p' }),
    'GET /api/openapi.json': openApiDefaults({ scoreThreshold: 0.35 }),
    'GET /api/runs/4/evaluation': () => json(200, evaluation),
    'GET /api/runs/4/evaluation/failures': list,
    'GET /api/runs/4/evaluation/failures/1/crop': () => new Response('\xff\xd8 jpeg', { status: 200, headers: { 'Content-Type': 'image/jpeg' } }),
    'GET /api/runs/4/evaluation/failures/2/crop': () => apiError(503, 'unavailable', 'busy'),
  });
}

const page = () => renderAt(<ResultsPage />, { route: '/runs/4/results', path: '/runs/:runId/results' });

describe('failure gallery', () => {
  it('shows crops worst first, each opening the player at its frame, and pages on', async () => {
    const first = [failure(1, 'Loc', 'person', 0.9), failure(2, 'Miss', 'car', null)];
    const { calls } = serve((u) => (u.searchParams.get('cursor')
      ? json(200, { items: [failure(3, 'Bkg', 'car', 0.5)], next_cursor: null })
      : json(200, { items: first, next_cursor: 'next' })));
    page();
    const grid = await screen.findByRole('list', { name: 'Failures, worst first' });
    const links = within(grid).getAllByRole('link');
    expect(links).toHaveLength(2);
    expect(links[0]).toHaveAccessibleName(/^Loc \(right class, box misplaced\): person on frame\s*#2 · 0:00.20\s*score 0.90 · IoU 0.30$/);
    expect(links[0]).toHaveAttribute('href', '/runs/4/player?t=0.200&frame=2');
    expect(links[1]).toHaveTextContent('missed');
    // The crop is the server's JPEG; one it could not make leaves a blank.
    await waitFor(() => expect(links[0].querySelector('img')).toHaveAttribute('src', expect.stringMatching(/^blob:crop-/)));
    await waitFor(() => expect(links[1].querySelector('.thumb-missing')).not.toBeNull());
    await userEvent.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(within(grid).getAllByRole('link')).toHaveLength(3));
    expect(within(grid).getAllByRole('link')[2]).toHaveTextContent('score 0.50');
    expect(calls.filter((c) => c.url.pathname.endsWith('/failures')).map((c) => c.url.search))
      .toEqual(['?limit=24', '?cursor=next&limit=24']);
  });

  it('filters by type and class on the server, and says when nothing is left', async () => {
    const { calls } = serve((u) => json(200, { items: u.searchParams.get('class') === 'car' ? [] : [failure(1, 'Cls', 'person', 0.8)], next_cursor: null }));
    page();
    await screen.findByRole('list', { name: 'Failures, worst first' });
    const filters = screen.getByRole('group', { name: 'Filter the failures' });
    expect(within(filters).getAllByRole('option').map((o) => o.textContent)).toContain('person');
    await userEvent.selectOptions(within(filters).getByLabelText('Error type'), 'Cls');
    await userEvent.selectOptions(within(filters).getByLabelText('Class'), 'car');
    expect(await screen.findByText('No errors of this kind: nothing to show.')).toBeInTheDocument();
    const searches = calls.filter((c) => c.url.pathname.endsWith('/failures')).map((c) => c.url.search);
    expect(searches.at(-1)).toBe('?type=Cls&class=car&limit=24');
  });
});
