import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import ResultsPage from './ResultsPage';
import { compareRuns, verdict } from './metrics';
import { renderAt } from '../../../test/render';
import { apiError, json, stubFetch } from '../../../test/fetchStub';
import type { Evaluation } from '../api/types';

afterEach(() => vi.unstubAllGlobals());

const evaluation = (runId: number, f1: number, pass: boolean | null = null): Evaluation => ({
  id: runId, run_id: runId, created_at: '2026-11-27T07:00:00Z', manifest: { avp_version: '0.1' }, pass,
  results: {
    overall: { tp: 9, fp: 1, fn: 2, precision: 0.9, recall: 0.818, f1 },
    classes: [{ class: 'pedestrian', tp: 9, fp: 1, fn: 2, precision: 0.9, recall: 0.818, f1, ap50: 0.8,
      pr_curve: { recall: [0, 0.5, 1], precision: [1, 0.9, 0.5] }, f1_curve: { threshold: [0, 0.5, 1], f1: [0.5, f1, 0] }, best_threshold: 0.5 }],
    confusion: { labels: ['pedestrian', 'background'], matrix: [[9, 2], [1, 0]] },
  },
});

function serve(evalHandler: () => Response) {
  return stubFetch({
    'GET /api/runs/4': () => json(200, { id: 4, video_id: 2, model_id: 1, every: 1, state: 'done' }),
    'GET /api/videos/2': () => json(200, { id: 2, project_id: 1, filename: 'a.mp4' }),
    'GET /api/projects/1': () => json(200, { id: 1, name: 'p', criteria: { min_precision: 0.95 } }),
    'GET /api/runs/4/evaluation': evalHandler,
    'GET /api/runs/6/evaluation': () => json(200, evaluation(6, 0.9)),
    'GET /api/projects/1/test-sessions': () => json(200, { items: [], next_cursor: null }),
  });
}

describe('ResultsPage', () => {
  it('shows tables, curves, the confusion matrix and FAIL against the project criteria', async () => {
    serve(() => json(200, evaluation(4, 0.857)));
    renderAt(<ResultsPage />, { route: '/runs/4/results', path: '/runs/:runId/results' });
    expect(await screen.findByRole('heading', { name: 'Per class' })).toBeInTheDocument();
    expect(screen.getAllByText('pedestrian').length).toBeGreaterThan(1);
    expect(screen.getByRole('img', { name: 'Precision–recall' })).toBeInTheDocument();
    expect(screen.getByText('Confusion matrix')).toBeInTheDocument();
    expect(await screen.findByText('FAIL')).toBeInTheDocument();
    expect(screen.getByText(/precision 0.900 < 0.95/)).toBeInTheDocument();
  });

  it('compares with the run named in ?compare=', async () => {
    serve(() => json(200, evaluation(4, 0.8)));
    renderAt(<ResultsPage />, { route: '/runs/4/results?compare=6', path: '/runs/:runId/results' });
    expect(await screen.findByText('+0.100')).toBeInTheDocument();
  });

  it('offers to evaluate a run without an evaluation', async () => {
    serve(() => apiError(404, 'not_found', 'run 4 has no evaluation'));
    renderAt(<ResultsPage />, { route: '/runs/4/results', path: '/runs/:runId/results' });
    expect(await screen.findByText('This run has not been evaluated yet')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Evaluate' })).toBeInTheDocument();
  });

  it('says clearly when the server has no evaluation endpoint yet', async () => {
    serve(() => apiError(404, 'not_found', 'no route for GET /api/runs/4/evaluation'));
    renderAt(<ResultsPage />, { route: '/runs/4/results', path: '/runs/:runId/results' });
    expect(await screen.findByText('Evaluation: not available on this server yet')).toBeInTheDocument();
  });
});

describe('metrics', () => {
  it('compares per class over the union of classes', () => {
    const a = evaluation(1, 0.5);
    const b = evaluation(2, 0.7);
    b.results.classes.push({ ...b.results.classes[0], class: 'cyclist' });
    const d = compareRuns(a, b);
    expect(d.map((x) => x.class)).toEqual(['pedestrian', 'cyclist']);
    expect(d[0].dF1).toBeCloseTo(0.2);
    expect(d[1].dF1).toBeNull();
  });

  it('takes the server verdict first, else the criteria, else none', () => {
    expect(verdict(evaluation(1, 0.5, true), { min_precision: 0.99 })).toEqual({ pass: true, reasons: [] });
    expect(verdict(evaluation(1, 0.5), { min_recall: 0.8 })?.pass).toBe(true);
    expect(verdict(evaluation(1, 0.5), {})).toBeNull();
  });
});
