import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_IN_FLIGHT, requestThumbnail, resetThumbnails } from './thumbnails';

// fetch answers only when the test says so; aborts reject like a browser.
let pending: { url: string; resolve: () => void; signal: AbortSignal }[] = [];

beforeEach(() => {
  resetThumbnails();
  pending = [];
  let n = 0;
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => `blob:${++n}`, revokeObjectURL: () => undefined }));
  vi.stubGlobal('fetch', (url: string, init: RequestInit) => new Promise((resolve, reject) => {
    init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
    pending.push({ url, signal: init.signal!, resolve: () => resolve(new Response('x', { status: 200 })) });
  }));
});
afterEach(() => vi.unstubAllGlobals());

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('thumbnail queue', () => {
  it('runs at most MAX_IN_FLIGHT fetches; a freed slot goes to the newest waiting request', async () => {
    const got: string[] = [];
    for (let i = 0; i < 5; i++) requestThumbnail(`/t/${i}`, (o) => got.push(`${i}:${o}`));
    expect(MAX_IN_FLIGHT).toBe(2);
    expect(pending.map((p) => p.url)).toEqual(['/t/0', '/t/1']);
    pending[0].resolve();
    await flush();
    expect(got).toEqual(['0:blob:1']);
    expect(pending.map((p) => p.url)).toEqual(['/t/0', '/t/1', '/t/4']);
  });

  it('drops a withdrawn request before it starts and aborts a started one', async () => {
    const a = vi.fn();
    const cancels = [0, 1, 2].map((i) => requestThumbnail(`/t/${i}`, a));
    cancels[2](); // still waiting: never fetched
    cancels[0](); // started: aborted, which frees a slot
    await flush();
    expect(pending.find((p) => p.url === '/t/0')!.signal.aborted).toBe(true);
    expect(pending.map((p) => p.url)).toEqual(['/t/0', '/t/1']);
    expect(a).not.toHaveBeenCalled(); // withdrawn listeners hear nothing
  });

  it('serves a loaded image from the cache without fetching again', async () => {
    const first = vi.fn();
    requestThumbnail('/t/x', first);
    pending[0].resolve();
    await flush();
    const second = vi.fn();
    requestThumbnail('/t/x', second);
    expect(second).toHaveBeenCalledWith(first.mock.calls[0][0]);
    expect(pending).toHaveLength(1);
  });
});
