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
    expect(screen.getAllByRole('link')).toHaveLength(7);
  });

  it('checks a file first (dry run), shows its report, and writes only on confirm', async () => {
    const report = { frames: 10, boxes: 12, tracks: 3, notes: { 'yolo polygon row (read as its bounding box)': 2 } };
    let answer = (dry: boolean) => (dry ? json(200, { dry_run: true, imported: 0, report }) : json(201, { imported: 12, report }));
    const { calls } = stubFetch({ 'GET /api/models': models,
      'POST /api/videos/2/ground-truth/import': (url) => answer(url.searchParams.get('dry_run') === '1') });
    const { client } = renderAt(<Card videoId={2} />);
    client.setQueryData(gtKeys.window(2, 0, 5), []);
    const file = new File(['PK'], 'roboflow-export.zip', { type: 'application/zip' });
    await userEvent.selectOptions(screen.getByLabelText('Format'), 'yolo');
    expect(screen.getByLabelText('File')).toHaveAttribute('accept', expect.stringContaining('.zip'));
    await userEvent.upload(screen.getByLabelText('File'), file);
    await userEvent.click(screen.getByRole('button', { name: 'Check file' }));
    const preview = await screen.findByRole('group', { name: 'What roboflow-export.zip holds' });
    expect(preview).toHaveTextContent('Frames10Boxes12Tracks3');
    expect(preview).toHaveTextContent('2 × yolo polygon row (read as its bounding box)');
    // The check wrote nothing: one call, a dry run, and nothing refreshed.
    const posts = () => calls.filter((c) => c.method === 'POST');
    expect(posts().map((c) => c.url.search)).toEqual(['?format=yolo&file=roboflow-export.zip&dry_run=1']);
    expect(posts()[0].body).toBe(file);
    expect(client.getQueryState(gtKeys.window(2, 0, 5))?.isInvalidated).toBe(false);
    await userEvent.click(screen.getByRole('button', { name: 'Import 12 boxes' }));
    expect(await screen.findByText('Imported 12 boxes')).toBeInTheDocument();
    expect(screen.getByRole('group', { name: 'Imported' })).toHaveTextContent('Boxes12');
    expect(posts()[1].url.search).toBe('?format=yolo&file=roboflow-export.zip');
    expect(client.getQueryState(gtKeys.window(2, 0, 5))?.isInvalidated).toBe(true);
    answer = () => apiError(400, 'bad_request', 'line 3: expected 10 fields');
    await userEvent.click(screen.getByRole('button', { name: 'Check file' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('roboflow-export.zip was not imported: line 3: expected 10 fields.');
    expect(screen.queryByRole('button', { name: /^Import / })).not.toBeInTheDocument();
  });

  it('can cancel after the check, leaving nothing written', async () => {
    const report = { frames: 2, boxes: 0, tracks: 0, notes: {} };
    const { calls } = stubFetch({ 'GET /api/models': models,
      'POST /api/videos/2/ground-truth/import': () => json(200, { dry_run: true, imported: 0, report }) });
    renderAt(<Card videoId={2} />);
    await userEvent.upload(screen.getByLabelText('File'), new File(['{}'], 'empty.json'));
    await userEvent.click(screen.getByRole('button', { name: 'Check file' }));
    expect(await screen.findByText(/Every shape in the file was read as a box/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('group')).not.toBeInTheDocument();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1);
  });

  it('says when the server cannot make ground truth yet', async () => {
    stubFetch({ 'GET /api/models': models, 'POST /api/videos/2/auto-ground-truth': () => apiError(405, 'method_not_allowed', 'method not allowed') });
    renderAt(<Card videoId={2} />);
    await waitFor(() => expect(screen.getByLabelText('Model')).toHaveValue('3'));
    await userEvent.click(screen.getByRole('button', { name: 'Auto ground truth' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This server does not offer this yet.');
  });
});
