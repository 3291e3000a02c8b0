import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import { RunsList } from './RunsList';
import { renderAt } from '../../../test/render';
import { json, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

const run = (id: number, kind: string) => ({ id, video_id: 2, model_id: 1, conf: 0.25, iou: 0.45, every: 1, state: 'done',
  frames_done: 240, detections_count: 900, created_at: '2026-11-27T10:00:00Z', kind });

describe('RunsList', () => {
  it('marks the run that made the ground truth and links every run to its pages', async () => {
    stubFetch({
      'GET /api/videos/2/runs': () => json(200, { items: [run(5, 'auto_gt'), run(4, 'detect')], next_cursor: null }),
      'GET /api/models': () => json(200, { items: [{ id: 1, name: 'yolox_nano' }], next_cursor: null }),
    });
    renderAt(<RunsList videoId={2} />);
    const rows = await screen.findAllByRole('row');
    expect(within(rows[1]).getByText('ground truth')).toBeInTheDocument();
    expect(within(rows[2]).queryByText('ground truth')).not.toBeInTheDocument();
    expect(within(rows[2]).getByRole('link', { name: 'Results' })).toHaveAttribute('href', '/runs/4/results');
  });
});
