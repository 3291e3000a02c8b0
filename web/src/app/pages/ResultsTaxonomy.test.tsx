// The error taxonomy (TIDE) and tracking tables of the results page and of
// the comparison. The fixtures are the server's own output: tide.json is
// `avp eval --json`'s "tide" object for a small COCO pair, tracking.json is
// `avp eval track --json` on a two-pedestrian MOT pair with an ID switch
// (each file's header says how it was made).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import ResultsPage from './ResultsPage';
import { renderAt } from '../../test/render';
import { json, openApiDefaults, stubFetch, type Handler } from '../../test/fetchStub';
import type { Comparison, Evaluation, Tide, Tracking } from '../../features/results/api/types';
import { tide as tideFixture } from '../../test/fixtures/tide';
import { tracking as trackingFixture } from '../../test/fixtures/tracking';

afterEach(() => vi.unstubAllGlobals());

const tide = tideFixture as Tide;
const tracking = trackingFixture as unknown as Tracking;

const evaluation = (runId: number, extra: Partial<Evaluation['results']>): Evaluation => ({
  id: runId * 10, run_id: runId, created_at: '2026-12-07T07:00:00Z', manifest: { avp_version: '0.1', score_threshold: 0.3 },
  results: { overall: { tp: 3, fp: 2, fn: 1, precision: 0.6, recall: 0.75, f1: 0.667, ap50: 0.5, map: 0.4 }, classes: [], ...extra },
});

const comparison: Comparison = {
  a: { run_id: 4, evaluation_id: 40, overall: { tp: 3, fp: 2, fn: 1, precision: 0.6, recall: 0.75, f1: 0.667, ap50: 0.5, map: 0.4 } },
  b: { run_id: 6, evaluation_id: 60, overall: { tp: 3, fp: 2, fn: 1, precision: 0.6, recall: 0.75, f1: 0.667, ap50: 0.5, map: 0.4 } },
  delta: { overall: { precision: 0, recall: 0, f1: 0, ap50: 0, map: 0 }, classes: [] },
  frames: [],
};

function serve(routes: Record<string, Handler>) {
  return stubFetch({
    'GET /api/runs/4': () => json(200, { id: 4, video_id: 2, model_id: 1, every: 1, state: 'done', conf: 0.25 }),
    'GET /api/videos/2': () => json(200, { id: 2, project_id: 1, filename: 'a.mp4' }),
    'GET /api/videos/2/runs': () => json(200, { items: [], next_cursor: null }),
    'GET /api/projects/1': () => json(200, { id: 1, name: 'p' }),
    'GET /api/openapi.json': openApiDefaults({ scoreThreshold: 0.35 }),
    ...routes,
  });
}

const page = (route = '/runs/4/results') => renderAt(<ResultsPage />, { route, path: '/runs/:runId/results' });
const cellsOf = (table: HTMLElement, row: string) =>
  within(within(table).getByRole('rowheader', { name: row }).closest('tr')!).getAllByRole('cell').map((c) => c.textContent);

describe('error types', () => {
  it('shows each type\'s count and the AP50 points it costs, for the run and per class', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => json(200, evaluation(4, { tide })) });
    page();
    expect(await screen.findByRole('heading', { name: 'Error types' })).toBeInTheDocument();
    const [overall, perClass] = screen.getAllByRole('table').filter((t) => t.classList.contains('tide-table'));
    for (const t of ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss'] as const) {
      const [, count, dap] = cellsOf(overall, t);
      expect(count).toBe(String(tide.errors[t].count));
      expect(dap).toBe((100 * tide.errors[t].dAP).toFixed(2));
    }
    const c0 = tide.per_class[0];
    expect(cellsOf(perClass, c0.name)).toEqual([(100 * c0.AP50).toFixed(2), ...(['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss'] as const).map((t) => (100 * c0.errors[t].dAP).toFixed(2))]);
    // Each type is explained in words, and no tracking table without tracking.
    expect(within(overall).getByText('a box on background')).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Tracking' })).toBeNull();
  });

  it('is left out for an evaluation stored before the taxonomy', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => json(200, evaluation(4, {})) });
    page();
    expect(await screen.findByText(/Score threshold 0.3/)).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Error types' })).toBeNull();
  });
});

describe('tracking', () => {
  it('shows HOTA, DetA, AssA, MOTA, MOTP, IDF1 and the ID switches of the evaluation\'s tracking object', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => json(200, evaluation(4, { tracking })) });
    page();
    expect(await screen.findByRole('heading', { name: 'Tracking' })).toBeInTheDocument();
    const table = screen.getAllByRole('table').find((t) => t.classList.contains('tracking-table'))!;
    expect(cellsOf(table, 'HOTA')[1]).toBe(tracking.HOTA.HOTA.toFixed(3));
    expect(cellsOf(table, 'DetA')[1]).toBe(tracking.HOTA.DetA.toFixed(3));
    expect(cellsOf(table, 'AssA')[1]).toBe(tracking.HOTA.AssA.toFixed(3));
    expect(cellsOf(table, 'MOTA')[1]).toBe(tracking.CLEAR.MOTA.toFixed(3));
    expect(cellsOf(table, 'MOTP')[1]).toBe(tracking.CLEAR.MOTP.toFixed(3));
    expect(cellsOf(table, 'IDF1')[1]).toBe(tracking.Identity.IDF1.toFixed(3));
    expect(cellsOf(table, 'IDSW')[1]).toBe(String(tracking.CLEAR.IDSW));
    expect(tracking.CLEAR.IDSW).toBeGreaterThan(0);
    expect(table).toHaveTextContent(`${tracking.sequence.frames} frames · ${tracking.sequence.gt_ids} ground-truth tracks`);
  });
});

describe('comparison', () => {
  it('puts both runs\' error types and tracking side by side, fewer errors and switches being better', async () => {
    const better: Tide = { ...tide, errors: { ...tide.errors, Loc: { count: 0, dAP: 0 } } };
    const fewer: Tracking = { ...tracking, CLEAR: { ...tracking.CLEAR, IDSW: 0 } };
    serve({
      'GET /api/runs/4/evaluation': () => json(200, evaluation(4, { tide, tracking })),
      'GET /api/runs/6/evaluation': () => json(200, evaluation(6, { tide: better, tracking: fewer })),
      'GET /api/runs/4/compare/6': () => json(200, comparison),
    });
    page('/runs/4/results?compare=6');
    const tideCmp = await screen.findByRole('table', { name: /error type costs, run #4 and run #6/ });
    const trackCmp = screen.getByRole('table', { name: 'Tracking, run #4 and run #6' });
    const loc = cellsOf(tideCmp, 'Loc');
    expect(loc).toEqual(['1', '0', '24.75', '0.00', '-24.75']);
    const d = within(within(tideCmp).getByRole('rowheader', { name: 'Loc' }).closest('tr')!).getAllByRole('cell')[4];
    expect(d).toHaveClass('good');
    const idsw = within(within(trackCmp).getByRole('rowheader', { name: 'IDSW' }).closest('tr')!).getAllByRole('cell');
    expect(idsw[1]).toHaveTextContent('0');
    expect(idsw[2]).toHaveClass('good');
  });
});
