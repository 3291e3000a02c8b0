import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook } from '@testing-library/react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { precheck, useUploads } from './uploadVideo';
import { freshClient } from '../../../test/render';

// A stand-in for XMLHttpRequest at the network boundary: records what was
// sent and lets the test drive progress and the answer.
class FakeXhr {
  static all: FakeXhr[] = [];
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  statusText = '';
  responseText = '';
  withCredentials = false;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  constructor() {
    FakeXhr.all.push(this);
  }
  open(m: string, u: string) {
    this.method = m;
    this.url = u;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(b: unknown) {
    this.body = b;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true });
  }
  respond(status: number, body: unknown) {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }
}

beforeEach(() => {
  FakeXhr.all = [];
  vi.stubGlobal('XMLHttpRequest', FakeXhr);
});
afterEach(() => vi.unstubAllGlobals());

const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={freshClient()}>{children}</QueryClientProvider>;
const file = (name: string, size: number, type = 'video/mp4') => new File([new Uint8Array(size)], name, { type });

describe('useUploads', () => {
  it('uploads several files at once with their own progress', async () => {
    const { result } = renderHook(() => useUploads(3), { wrapper });
    act(() => result.current.start([file('a.mp4', 1000), file('b.mp4', 2000)]));
    expect(FakeXhr.all).toHaveLength(2);
    expect(FakeXhr.all[0].url).toBe('/api/projects/3/videos?filename=a.mp4');
    expect(FakeXhr.all[0].headers['Content-Type']).toBe('video/mp4');
    act(() => FakeXhr.all[1].progress(2000, 2000));
    const b = result.current.items.find((x) => x.name === 'b.mp4')!;
    expect(b.sent).toBe(2000);
    await act(async () => FakeXhr.all[0].respond(201, { id: 9, filename: 'a.mp4' }));
    expect(result.current.items.find((x) => x.name === 'a.mp4')!.state).toBe('done');
    expect(result.current.items.find((x) => x.name === 'b.mp4')!.state).toBe('uploading');
  });

  it('explains a 415 and a 413 from the server', async () => {
    const { result } = renderHook(() => useUploads(1), { wrapper });
    act(() => result.current.start([file('notes.mp4', 10), file('huge.mp4', 10)]));
    await act(async () => {
      FakeXhr.all[0].respond(415, { error: { code: 'unsupported_media_type', message: 'no video stream' } });
      FakeXhr.all[1].respond(413, { error: { code: 'payload_too_large', message: 'limit is 4 GiB' } });
    });
    const [huge, notes] = [...result.current.items].sort((x, y) => x.name.localeCompare(y.name));
    expect(notes.state).toBe('failed');
    expect(notes.error).toBe('notes.mp4 was not uploaded: it is not a video the server can read (no video stream). Choose a video file (MP4, MKV, MOV…).');
    expect(huge.error).toBe('huge.mp4 was not uploaded: the file is larger than the server accepts (limit is 4 GiB). Try a smaller file.');
  });

  it('cancels one upload and refuses non-video files before sending', async () => {
    const { result } = renderHook(() => useUploads(1), { wrapper });
    act(() => result.current.start([file('a.mp4', 10), file('doc.pdf', 10, 'application/pdf')]));
    expect(FakeXhr.all).toHaveLength(1);
    const pdf = result.current.items.find((x) => x.name === 'doc.pdf')!;
    expect(pdf).toMatchObject({ state: 'failed', error: 'doc.pdf was not uploaded: it is not a video (application/pdf). Choose a video file.' });
    await act(async () => result.current.cancel(result.current.items.find((x) => x.name === 'a.mp4')!.key));
    expect(result.current.items.find((x) => x.name === 'a.mp4')!.state).toBe('cancelled');
    act(() => result.current.clearFinished());
    expect(result.current.items).toHaveLength(0);
  });

  it('precheck accepts unknown types (the server decides) and rejects empty files', () => {
    expect(precheck(file('x.mkv', 5, ''))).toBeNull();
    expect(precheck(file('x.mp4', 0))).toBe('the file is empty');
  });
});
