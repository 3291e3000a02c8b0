import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiError, stubFetch } from '../../../test/fetchStub';
import { fetchFrameTimes } from './frameTimes';

afterEach(() => vi.unstubAllGlobals());

/** The server's body: little-endian float64s, written byte by byte. */
function body(times: number[]): ArrayBuffer {
  const buf = new ArrayBuffer(8 * times.length);
  const view = new DataView(buf);
  times.forEach((t, k) => view.setFloat64(8 * k, t, true));
  return buf;
}

describe('fetchFrameTimes', () => {
  it('reads the little-endian float64 seconds of every frame', async () => {
    const times = [0, 0.14, 0.2, 1 / 3, -0.5];
    stubFetch({ 'GET /api/videos/3/frame-times': () => new Response(body(times), { status: 200 }) });
    expect(Array.from((await fetchFrameTimes(3))!)).toEqual(times);
  });
  it('is null while the video has no recorded times (204)', async () => {
    stubFetch({ 'GET /api/videos/3/frame-times': () => new Response(null, { status: 204 }) });
    expect(await fetchFrameTimes(3)).toBeNull();
  });
  it('throws the API error of a video the caller cannot see', async () => {
    stubFetch({ 'GET /api/videos/4/frame-times': () => apiError(404, 'not_found', 'video 4: not found') });
    await expect(fetchFrameTimes(4)).rejects.toMatchObject({ status: 404 });
  });
});
