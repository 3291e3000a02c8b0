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

  it('says in plain words what a damaged video cost the run, and nothing for a clean one', async () => {
    serve({
      'GET /api/runs/4': () => json(200, { id: 4, video_id: 2, model_id: 1, every: 1, state: 'done', conf: 0.25,
        damage: { frames_lost: 12, frames_concealed: 1, message: 'Invalid NAL unit size (1052 > 417).' } }),
      'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.857)),
    });
    page();
    const note = await screen.findByTestId('run-damage');
    expect(note).toHaveTextContent('The video is damaged. 12 frames could not be decoded and were skipped, and 1 frame '
      + 'was decoded with errors patched over: the numbers cover only what was decoded.');
    expect(note).toHaveTextContent('Decoder: Invalid NAL unit size (1052 > 417).');
  });

  it('shows no damage warning for a video that decoded cleanly', async () => {
    serve({ 'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.857)) });
    page();
    await screen.findByRole('heading', { name: 'Per class' });
    expect(screen.queryByTestId('run-damage')).not.toBeInTheDocument();
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

  it('refuses to score a run without ground truth and links to where it is made', async () => {
    const { calls } = serve({
      'GET /api/runs/4/evaluation': () => apiError(404, 'not_found', 'run 4 has no evaluation'),
      'POST /api/runs/4/evaluate': () => apiError(409, 'no_ground_truth', 'video 2 has no ground truth on the frames run 4 looked at'),
    });
    page();
    await userEvent.click(await screen.findByRole('button', { name: 'Evaluate' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('This video has no ground truth on the frames this run looked at');
    expect(alert).not.toHaveTextContent(/409|no_ground_truth|\/api\//);
    expect(within(alert).getByRole('link', { name: 'Make or import ground truth' })).toHaveAttribute('href', '/videos/2#gt-title');
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('names what the run was scored against, with box and frame counts', async () => {
    const e = { ...evaluation(4, 0.85), self_scored: false, ground_truth: {
      boxes: 11, frames: 9, self_boxes: 0, self_scored: false, sources: [
        { kind: 'import' as const, format: 'coco', file: 'street.json', boxes: 8, frames: 7, self: false },
        { kind: 'human' as const, boxes: 3, frames: 2, self: false },
      ] } };
    serve({ 'GET /api/runs/4/evaluation': () => json(200, e) });
    page();
    const card = await screen.findByRole('region', { name: 'Scored against' });
    expect(card).toHaveTextContent('11 ground-truth boxes on 9 frames this run looked at');
    expect(card).toHaveTextContent('Imported from street.json (COCO) · 8 boxes, 7 frames');
    expect(card).toHaveTextContent('Drawn by hand · 3 boxes, 2 frames');
    expect(screen.queryByText('Scored against its own output.')).toBeNull();
  });

  it('flags numbers scored against ground truth the same model made, here and in the comparison', async () => {
    const e = { ...evaluation(4, 0.99), self_scored: true, ground_truth: {
      boxes: 20, frames: 10, self_boxes: 20, self_scored: true, sources: [
        { kind: 'model' as const, model_id: 1, model: 'yolox_nano', run_id: 6, boxes: 20, frames: 10, self: true },
      ] } };
    serve({
      'GET /api/runs/4/evaluation': () => json(200, e),
      'GET /api/runs/4/compare/6': () => json(200, { ...comparison, a: { ...comparison.a, self_scored: true } }),
    });
    page('/runs/4/results?compare=6');
    expect(await screen.findByText('Scored against its own output.')).toBeInTheDocument();
    const card = screen.getByRole('region', { name: 'Scored against' });
    expect(card).toHaveTextContent('Auto ground truth by model yolox_nano in run #6 · 20 boxes, 10 frames');
    expect(within(card).getByText('this model')).toBeInTheDocument();
    const overall = await screen.findByRole('table', { name: 'Overall metrics of both runs' });
    expect(within(overall).getByRole('rowheader', { name: /A · run #4 scored against its own output/ })).toBeInTheDocument();
    expect(within(overall).getByRole('rowheader', { name: 'B · run #6' })).toBeInTheDocument();
  });

  it('shows the not-found page for a malformed or unknown run', async () => {
    serve({ 'GET /api/runs/9': () => apiError(404, 'not_found', 'run 9: not found') });
    page('/runs/abc/results');
    expect(await screen.findByRole('heading', { name: 'This run does not exist' })).toBeInTheDocument();
    expect(screen.queryByText(/NaN/)).toBeNull();
  });

  it('shows the not-found page when the server knows no such run', async () => {
    serve({ 'GET /api/runs/9': () => apiError(404, 'not_found', 'run 9: not found'),
      'GET /api/runs/9/evaluation': () => apiError(404, 'not_found', 'run 9: not found') });
    page('/runs/9/results');
    expect(await screen.findByRole('heading', { name: 'This run does not exist' })).toBeInTheDocument();
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

  it('says in words which run has no evaluation and links to where it is evaluated', async () => {
    serve({
      'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.85)),
      'GET /api/runs/4/compare/6': () => apiError(409, 'not_evaluated', 'run 6 has no evaluation; POST /api/runs/6/evaluate first'),
    });
    page('/runs/4/results?compare=6');
    const alert = await screen.findByText(/Run #6 has not been evaluated yet/);
    expect(alert).not.toHaveTextContent(/POST|\/api\/|409|not_evaluated/);
    expect(within(alert).getByRole('link', { name: 'Evaluate run #6' })).toHaveAttribute('href', '/runs/6/results');
  });

  it('shows a different-video refusal without codes', async () => {
    serve({
      'GET /api/runs/4/evaluation': () => json(200, evaluation(4, 0.85)),
      'GET /api/runs/4/compare/6': () => apiError(409, 'conflict', 'runs 4 and 6 are of different videos'),
    });
    page('/runs/4/results?compare=6');
    expect(await screen.findByText('Runs 4 and 6 are of different videos.')).toBeInTheDocument();
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
