import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { StartRunForm } from './StartRunForm';
import { renderAt } from '../../../test/render';
import { apiError, json, openApiDefaults, stubFetch } from '../../../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

const models = () => json(200, { items: [{ id: 1, name: 'yolox_nano', family: 'yolox', input_w: 416, input_h: 416 }], next_cursor: null });

describe('StartRunForm', () => {
  it("starts a run at the server's default thresholds", async () => {
    const onStarted = vi.fn();
    const { calls } = stubFetch({
      'GET /api/models': models,
      'GET /api/openapi.json': openApiDefaults({ conf: 0.3, iou: 0.5 }),
      'POST /api/videos/2/process': () => json(202, { task_id: 7, run_id: 3 }),
    });
    renderAt(<StartRunForm videoId={2} onStarted={onStarted} />);
    expect(await screen.findByText('0.30')).toBeInTheDocument();
    expect(screen.getByText('0.50')).toBeInTheDocument();
    await userEvent.click(await screen.findByRole('button', { name: 'Start run' }));
    await vi.waitFor(() => expect(onStarted).toHaveBeenCalledWith(7));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ model_id: 1, conf: 0.3, iou: 0.5, every: 1 });
  });

  it('says so when the server publishes no defaults', async () => {
    stubFetch({ 'GET /api/models': models, 'GET /api/openapi.json': () => apiError(500, 'internal', 'boom') });
    renderAt(<StartRunForm videoId={2} onStarted={() => undefined} />);
    expect(await screen.findByText(/The server ran into a problem/)).toBeInTheDocument();
    expect(screen.queryByText(/boom|500|internal/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Start run' })).not.toBeInTheDocument();
  });
});
