import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VideoGroundTruth as Card } from './VideoPage';
import { gtKeys } from '../../lib/api/groundTruth';
import { renderAt } from '../../test/render';
import { apiError, json, stubFetch } from '../../test/fetchStub';
import { FakeSocket } from '../../test/fakeSocket';

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => vi.unstubAllGlobals());

const models = () => json(200, { items: [{ id: 3, name: 'yolox_nano', family: 'yolox', input_w: 416, input_h: 416 }], next_cursor: null });

describe('GroundTruthCard', () => {
  it('starts auto ground truth, follows its progress and refreshes the ground truth when done', async () => {
    const { calls } = stubFetch({
      'GET /api/models': models,
      'POST /api/videos/2/auto-ground-truth': () => json(202, { task_id: 77, run_id: 12 }),
    });
    const { client } = renderAt(<Card videoId={2} />, { route: '/videos/2', path: '/videos/:id' });
    client.setQueryData(gtKeys.window(2, 0, 5), []);
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveValue('3'));
    await userEvent.click(screen.getByRole('button', { name: 'Auto ground truth' }));
    expect(await screen.findByText('Auto ground truth · task #77')).toBeInTheDocument();
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ model_id: 3, conf: 0.4, every: 1, replace: true });
    const ws = FakeSocket.all.find((s) => s.url.endsWith('/ws/progress/77'))!;
    act(() => ws.push({ state: 'running', progress: 0.5, frames_done: 5, frames_total: 10 }));
    expect(await screen.findByText('50 %')).toBeInTheDocument();
    // How progress arrives is said in words, not as the transport's name.
    expect(screen.getByText('live')).toBeInTheDocument();
    expect(document.body.textContent).not.toMatch(/websocket/i);
    expect(client.getQueryState(gtKeys.window(2, 0, 5))?.isInvalidated).toBe(false);
    act(() => ws.push({ state: 'done', progress: 1 }));
    await waitFor(() => expect(client.getQueryState(gtKeys.window(2, 0, 5))?.isInvalidated).toBe(true));
  });

  it('links every export format', async () => {
    stubFetch({ 'GET /api/models': models });
    renderAt(<Card videoId={2} />);
    expect(screen.getByRole('link', { name: 'COCO' })).toHaveAttribute('href', '/api/videos/2/ground-truth/export?format=coco');
    expect(screen.getByRole('link', { name: 'YOLO (tar)' })).toHaveAttribute('href', '/api/videos/2/ground-truth/export?format=yolo');
    expect(screen.getAllByRole('link')).toHaveLength(6);
  });

  it('imports a file as the raw body and says how many boxes came in, or why none did', async () => {
    let answer = () => json(201, { imported: 12 });
    const { calls } = stubFetch({ 'GET /api/models': models, 'POST /api/videos/2/ground-truth/import': () => answer() });
    const { client } = renderAt(<Card videoId={2} />);
    client.setQueryData(gtKeys.window(2, 0, 5), []);
    const file = new File(['{"images":[]}'], 'gt.json', { type: 'application/json' });
    await userEvent.selectOptions(screen.getByLabelText('Format'), 'mot');
    await userEvent.upload(screen.getByLabelText('File'), file);
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByText('Imported 12 boxes')).toBeInTheDocument();
    const call = calls.find((c) => c.method === 'POST')!;
    expect(call.url.search).toBe('?format=mot&file=gt.json');
    expect(call.body).toBe(file);
    expect(client.getQueryState(gtKeys.window(2, 0, 5))?.isInvalidated).toBe(true);
    answer = () => apiError(400, 'bad_request', 'line 3: expected 10 fields');
    await userEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('gt.json was not imported: line 3: expected 10 fields.');
  });

  it('says when the server cannot make ground truth yet', async () => {
    stubFetch({ 'GET /api/models': models, 'POST /api/videos/2/auto-ground-truth': () => apiError(405, 'method_not_allowed', 'method not allowed') });
    renderAt(<Card videoId={2} />);
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveValue('3'));
    await userEvent.click(screen.getByRole('button', { name: 'Auto ground truth' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This server does not offer this yet.');
  });
});
