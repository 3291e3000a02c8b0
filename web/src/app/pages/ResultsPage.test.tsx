import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ResultsPage from './ResultsPage';
import { verdict } from '../../features/results/components/metrics';
import { renderAt } from '../../test/render';
import { apiError, json, openApiDefaults, stubFetch, type Handler } from '../../test/fetchStub';
import type { Comparison, Evaluation } from '../../features/results/api/types';

afterEach(() => vi.unstubAllGlobals());

const evaluation = (runId: number, f1: number, pass: boolean | null = null): Evaluation => ({
  id: runId * 10, run_id: runId, created_at: '2026-11-27T07:00:00Z', manifest: { avp_version: '0.1', score_threshold: 0.3, iou_threshold: 0.5 }, pass,
  results: {
    overall: { tp: 9, fp: 1, fn: 2, precision: 0.9, recall: 0.818, f1, ap50: 0.8, ap75: 0.6, map: 0.55 },
    classes: [{ class: 'pedestrian', tp: 9, fp: 1, fn: 2, precision: 0.9, recall: 0.818, f1, ap50: 0.8,
      pr_curve: { recall: [0, 0.5, 1], precision: [1, 0.9, 0.5] }, f1_curve: { threshold: [0, 0.5, 1], f1: [0.5, f1, 0] }, best_threshold: 0.5 }],
    coco_stats: [0.55, 0.8, 0.6, -1, 0.5, 0.6, 0.3, 0.6, 0.7, -1, 0.6, 0.7],
    coco_stat_names: ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'],
    confusion: { labels: ['pedestrian', 'background'], matrix: [[9, 2], [1, 0]] },
    num_images: 240, num_gt: 11, num_det: 10,
  },
});

const comparison: Comparison = {
  a: { run_id: 4, evaluation_id: 40, overall: { tp: 9, fp: 1, fn: 2, precision: 0.9, recall: 0.8, f1: 0.85, ap50: 0.8, map: 0.5 } },
  b: { run_id: 6, evaluation_id: 60, overall: { tp: 10, fp: 0, fn: 1, precision: 1, recall: 0.9, f1: 0.95, ap50: 0.9, map: 0.6 } },
  delta: {
    overall: { precision: 0.1, recall: 0.1, f1: 0.1, ap50: 0.1, ap75: 0, map: 0.1 },
    classes: [{ class: 'pedestrian', precision: 0.1, recall: -0.2, f1: 0.05, ap50: null, map: 0 }],
  },
  frames: Array.from({ length: 150 }, (_, i) => ({ frame: i * 2, t: i / 15, a: { tp: 1, fp: 1, fn: 0 }, b: { tp: 1, fp: 0, fn: 0 } })),
};

function serve(routes: Record<string, Handler>) {
  return stubFetch({
    'GET /api/runs/4': () => json(200, { id: 4, video_id: 2, model_id: 1, every: 1, state: 'done', conf: 0.25 }),
    'GET /api/videos/2': () => json(200, { id: 2, project_id: 1, filename: 'a.mp4' }),
    'GET /api/videos/2/runs': () => json(200, { items: [
      { id: 6, video_id: 2, model_id: 1, conf: 0.3, iou: 0.45, every: 1, state: 'done', kind: 'auto_gt' },
      { id: 4, video_id: 2, model_id: 1, conf: 0.25, iou: 0.45, every: 1, state: 'done' },
    ], next_cursor: null }),
    'GET /api/projects/1': () => json(200, { id: 1, name: 'p', criteria: { min_precision: 0.95 } }),
    'GET /api/openapi.json': openApiDefaults({ scoreThreshold: 0.35 }),
    ...routes,
  });
}

const page = (route = '/runs/4/results') => renderAt(<ResultsPage />, { route, path: '/runs/:runId/results' });

describe('ResultsPage', () => {
  it('shows the summary, tables, curves, the confusion matrix and FAIL against the project criteria', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.857)) });
    page();
    expect(await screen.findByRole('heading', { name: 'Per class' })).toBeInTheDocument();
    expect(screen.getAllByText('pedestrian').length).toBeGreaterThan(1);
    expect(screen.getByRole('img', { name: 'Precision–recall' })).toBeInTheDocument();
    expect(screen.getByRole('img', { name: 'F1 vs score threshold' })).toBeInTheDocument();
    expect(screen.getByText('Confusion matrix')).toBeInTheDocument();
    expect(screen.getByText(/240 frames, 11 ground-truth boxes, 10 detections/)).toBeInTheDocument();
    // COCO's -1 (no ground truth of that size) reads as undefined.
    expect(screen.getByText('APs').nextElementSibling).toHaveTextContent('—');
    expect(await screen.findByText('FAIL')).toBeInTheDocument();
    expect(screen.getByText(/precision 0.900 < 0.95/)).toBeInTheDocument();
  });

  it('evaluates a run without an evaluation and shows the stored result at once', async () => {
    const { calls } = serve({
      'GET /api/runs/4/evaluation': () => apiError(404, 'not_found', 'run 4 has no evaluation'),
      'POST /api/runs/4/evaluate': () => json(201, evaluation(4, 0.857, true)),
    });
    page();
    expect(await screen.findByText('This run has not been evaluated yet')).toBeInTheDocument();
    const threshold = await screen.findByLabelText('Score threshold');
    // The form starts at the server's default (its API document).
    expect(threshold).toHaveValue(0.35);
    await userEvent.clear(threshold);
    await userEvent.type(threshold, '0.4');
    await userEvent.click(screen.getByRole('button', { name: 'Evaluate' }));
    expect(await screen.findByRole('heading', { name: 'Per class' })).toBeInTheDocument();
    expect(screen.getByText('PASS')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ score_threshold: 0.4, iou_threshold: 0.5 });
  });

  it('shows why an evaluation was refused', async () => {
    serve({
      'GET /api/runs/4/evaluation': () => apiError(404, 'not_found', 'run 4 has no evaluation'),
      'POST /api/runs/4/evaluate': () => apiError(409, 'conflict', 'run 4 is running; only a finished run can be evaluated'),
    });
    page();
    await userEvent.click(await screen.findByRole('button', { name: 'Evaluate' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('only a finished run can be evaluated');
  });

  it('says clearly when the server has no evaluation endpoint yet', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => apiError(404, 'not_found', 'no route for GET /api/runs/4/evaluation') });
    page();
    expect(await screen.findByText('Evaluation: not available on this server yet')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Evaluate' })).not.toBeInTheDocument();
  });
});

describe('comparison', () => {
  it('compares with a run of the same video chosen from the list: deltas and differing frames into the player', async () => {
    const { calls } = serve({
      'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.85)),
      'GET /api/runs/4/compare/6': () => json(200, comparison),
    });
    page();
    const select = await screen.findByLabelText(/Run B/);
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(2));
    expect(within(select).getByRole('option', { name: /run #6 \(auto ground truth\)/ })).toBeInTheDocument();
    await userEvent.selectOptions(select, '6');
    expect(await screen.findByText('Δ B − A')).toBeInTheDocument();
    expect(screen.getByText('-0.200')).toHaveClass('bad');
    expect(screen.getByText(/Frames that differ \(150\)/)).toBeInTheDocument();
    const b = screen.getByRole('link', { name: 'Frame 2 in run B' });
    expect(b).toHaveAttribute('href', '/runs/6/player?t=0.067');
    // 100 frames at first, the rest on demand.
    expect(screen.getAllByRole('link', { name: /in run A$/ })).toHaveLength(100);
    await userEvent.click(screen.getByRole('button', { name: 'Show 50 more' }));
    expect(screen.getAllByRole('link', { name: /in run A$/ })).toHaveLength(150);
    expect(calls.some((c) => c.url.pathname === '/api/runs/4/compare/6')).toBe(true);
  });

  it('shows the server reason when two runs cannot be compared', async () => {
    serve({
      'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.85)),
      'GET /api/runs/4/compare/6': () => apiError(409, 'conflict', 'run 6 has no evaluation'),
    });
    page('/runs/4/results?compare=6');
    expect(await screen.findByText('run 6 has no evaluation')).toBeInTheDocument();
  });

  it('says when the server cannot compare yet', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.85)) });
    page('/runs/4/results?compare=6');
    expect(await screen.findByText('Run comparison: not available on this server yet')).toBeInTheDocument();
  });
});

describe('verdict', () => {
  it('takes the server verdict first, else the criteria, else none', () => {
    expect(verdict(evaluation(1, 0.5, true), { min_precision: 0.99 })).toEqual({ pass: true, reasons: [] });
    expect(verdict(evaluation(1, 0.5), { min_recall: 0.8 })?.pass).toBe(true);
    expect(verdict(evaluation(1, 0.5), {})).toBeNull();
  });

  it('fails an undefined precision against a minimum', () => {
    const e = evaluation(1, 0.5);
    e.results.overall.precision = null;
    expect(verdict(e, { min_precision: 0.5 })).toEqual({ pass: false, reasons: ['precision undefined < 0.5'] });
  });
});
