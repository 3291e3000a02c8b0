import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VideoNextStep } from './VideoNextStep';
import { renderAt } from '../../test/render';
import { json, stubFetch, type Handler } from '../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

const model = { id: 1, name: 'yolox_nano', sha256: 'a', family: 'yolox', input_w: 416, input_h: 416, num_classes: 80, created_at: '' };
const run = (id: number, state: string, kind = 'detect') =>
  ({ id, video_id: 2, model_id: 1, conf: 0.25, iou: 0.45, every: 1, state, kind, frames_done: 10, detections_count: 5, created_at: '' });

function serve({ models = [model], runs = [] as unknown[], gt = [] as unknown[] }, more: Record<string, Handler> = {}) {
  return stubFetch({
    'GET /api/models': () => json(200, { items: models, next_cursor: null }),
    'GET /api/videos/2/runs': () => json(200, { items: runs, next_cursor: null }),
    'GET /api/videos/2/ground-truth': () => json(200, { items: gt, next_cursor: null }),
    ...more,
  });
}

const step = () => screen.findByRole('region', { name: 'Next step' });

describe('VideoNextStep', () => {
  it('offers a model upload from the UI when there is no model, sending the file as the body', async () => {
    const { calls } = serve({ models: [] }, { 'POST /api/models': () => json(201, { ...model, id: 7, name: 'mine' }) });
    renderAt(<VideoNextStep videoId={2} />);
    expect(await step()).toHaveTextContent('There is no model to run yet');
    const file = new File(['onnx'], 'mine.onnx');
    await userEvent.upload(screen.getByLabelText('ONNX model file'), file);
    await userEvent.click(screen.getByRole('button', { name: 'Upload model' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.url.search).toBe('?name=mine');
    expect(post.body).toBe(file);
    expect(await screen.findByRole('status')).toHaveTextContent('Added model mine');
  });

  it('points to Process for a video without runs', async () => {
    serve({});
    renderAt(<VideoNextStep videoId={2} />);
    expect(await step()).toHaveTextContent('Process this video');
    expect(screen.getByRole('link', { name: 'Process' })).toHaveAttribute('href', '#process-title');
  });

  it('offers import, drawing or auto ground truth when a run is done and the video has none', async () => {
    serve({ runs: [run(5, 'done')] });
    renderAt(<VideoNextStep videoId={2} />);
    expect(await step()).toHaveTextContent('no ground truth');
    expect(screen.getByRole('link', { name: 'Import a ground-truth file' })).toHaveAttribute('href', '#gt-title');
    expect(screen.getByRole('link', { name: 'Draw boxes in the player' })).toHaveAttribute('href', '/runs/5/player');
    expect(screen.getByRole('link', { name: 'Make auto ground truth' })).toBeInTheDocument();
  });

  it('offers Evaluate once there is ground truth, for the newest finished run (not the auto ground truth one)', async () => {
    serve({ runs: [run(9, 'done', 'auto_gt'), run(5, 'done')], gt: [{ id: 1, frame: 0 }] });
    renderAt(<VideoNextStep videoId={2} />);
    expect(await screen.findByRole('link', { name: 'Evaluate run #5' })).toHaveAttribute('href', '/runs/5/results');
  });

  it('says to wait while the run is going', async () => {
    serve({ runs: [run(5, 'running')] });
    renderAt(<VideoNextStep videoId={2} />);
    expect(await step()).toHaveTextContent('The run is going');
  });
});
