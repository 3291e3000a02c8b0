import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, isMissingEndpoint, query, UNAUTHORIZED_EVENT } from './http';
import { apiError, json, stubFetch } from '../test/fetchStub';

afterEach(() => vi.unstubAllGlobals());

describe('api', () => {
  it('parses JSON and sends JSON bodies', async () => {
    const { calls } = stubFetch({ 'POST /api/projects': () => json(201, { id: 7 }) });
    await expect(api('/api/projects', { method: 'POST', body: { name: 'x' } })).resolves.toEqual({ id: 7 });
    expect(calls[0].body).toEqual({ name: 'x' });
  });

  it('sends a file as the raw body with its own type (octet-stream if none) by POST', async () => {
    const { fn } = stubFetch({ 'POST /api/x': () => json(201, {}) });
    const tar = new Blob([new Uint8Array([1, 2, 3])]);
    await api('/api/x', { file: tar });
    const init = fn.mock.calls[0][1]!;
    expect([init.method, (init.headers as Record<string, string>)['Content-Type'], init.body]).toEqual(['POST', 'application/octet-stream', tar]);
  });

  it('turns the server error shape into ApiError with status, code and message', async () => {
    stubFetch({ 'POST /api/projects/1/videos': () => apiError(415, 'unsupported_media_type', 'not a video') });
    const e = (await api('/api/projects/1/videos', { method: 'POST' }).catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message]).toEqual([415, 'unsupported_media_type', 'not a video']);
  });

  it('announces a 401 outside /api/auth so the app can ask to sign in', async () => {
    stubFetch({ 'GET /api/projects': () => apiError(401, 'unauthorized', 'sign in') });
    const seen = vi.fn();
    window.addEventListener(UNAUTHORIZED_EVENT, seen);
    await api('/api/projects').catch(() => undefined);
    window.removeEventListener(UNAUTHORIZED_EVENT, seen);
    expect(seen).toHaveBeenCalledOnce();
  });

  it('keeps the status text when the body is not JSON, and 204 is undefined', async () => {
    stubFetch({
      'GET /a': () => new Response('oops', { status: 502, statusText: 'Bad Gateway' }),
      'DELETE /b': () => new Response(null, { status: 204 }),
    });
    await expect(api('/a')).rejects.toMatchObject({ status: 502, message: 'Bad Gateway' });
    await expect(api('/b', { method: 'DELETE' })).resolves.toBeUndefined();
  });
});

describe('query', () => {
  it('drops empty values', () => {
    expect(query({ cursor: null, limit: 50, class: 0, t0: undefined, q: '' })).toBe('?limit=50&class=0');
    expect(query({})).toBe('');
  });
});

describe('isMissingEndpoint', () => {
  it('tells an unknown route from a missing object', () => {
    expect(isMissingEndpoint(new ApiError(404, 'not_found', 'no route for GET /api/x'))).toBe(true);
    expect(isMissingEndpoint(new ApiError(404, 'not_found', 'no such run'))).toBe(false);
    expect(isMissingEndpoint(new ApiError(405, 'method_not_allowed', 'x'))).toBe(true);
  });
});
