import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { fractionOf, progressSocketUrl, useTaskProgress } from './taskProgress';
import { freshClient } from '../../../test/render';
import { json, stubFetch } from '../../../test/fetchStub';
import { FakeSocket } from '../../../test/fakeSocket';

beforeEach(() => {
  FakeSocket.all = [];
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => vi.unstubAllGlobals());

const client = freshClient();
const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;

describe('useTaskProgress', () => {
  it('follows pushed messages to the end and closes on unmount', () => {
    const { result, unmount } = renderHook(() => useTaskProgress(42), { wrapper });
    const ws = FakeSocket.all[0];
    expect(ws.url).toBe(progressSocketUrl(42));
    act(() => ws.push({ state: 'running', progress: 0.5, frames_done: 120, frames_total: 240, fps: 60, eta: 2 }));
    expect(result.current.transport).toBe('websocket');
    expect(fractionOf(result.current.status)).toBe(0.5);
    act(() => ws.push({ state: 'done', progress: 1, frames_done: 240, frames_total: 240 }));
    expect(result.current.status?.state).toBe('done');
    expect(client.getQueryData(['tasks', 42])).toMatchObject({ state: 'done' });
    unmount();
    expect(ws.closed).toBe(true);
  });

  it('polls the status endpoint when the socket closes early', async () => {
    stubFetch({ 'GET /api/tasks/7/status': () => json(200, { state: 'done', progress: 1, run_id: 3 }) });
    const { result } = renderHook(() => useTaskProgress(7), { wrapper });
    act(() => FakeSocket.all[0].onclose?.());
    await waitFor(() => expect(result.current.status?.state).toBe('done'));
    expect(result.current.transport).toBe('polling');
    expect(result.current.status?.run_id).toBe(3);
  });

  it('ignores malformed messages', () => {
    const { result } = renderHook(() => useTaskProgress(9), { wrapper });
    act(() => FakeSocket.all[0].onmessage?.({ data: 'not json' }));
    act(() => FakeSocket.all[0].push({ hello: 1 }));
    expect(result.current.status).toBeUndefined();
  });
});

describe('fractionOf', () => {
  it('prefers frames, accepts percent or fraction, done is 1', () => {
    expect(fractionOf({ state: 'running', progress: 0.1, frames_done: 30, frames_total: 60 })).toBe(0.5);
    expect(fractionOf({ state: 'running', progress: 40 })).toBe(0.4);
    expect(fractionOf({ state: 'running', progress: 0.25 })).toBe(0.25);
    expect(fractionOf({ state: 'done', progress: 0 })).toBe(1);
    expect(fractionOf(undefined)).toBe(0);
  });
});
