// fetchStub.ts - unit tests stub the network boundary (global fetch) with
// a table of handlers keyed by "METHOD /path" and record every call.
import { vi } from 'vitest';

export type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

export const json = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

export const apiError = (status: number, code: string, message: string) => json(status, { error: { code, message } });

export function stubFetch(routes: Record<string, Handler>) {
  const calls: { method: string; url: URL; body?: unknown }[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://avp.test');
    const method = init?.method ?? 'GET';
    // JSON bodies are recorded parsed; a file (Blob) as it was sent.
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : init?.body ?? undefined;
    calls.push({ method, url, body });
    const h = routes[`${method} ${url.pathname}`];
    if (!h) return apiError(404, 'not_found', `no route for ${method} ${url.pathname}`);
    return h(url, init);
  });
  vi.stubGlobal('fetch', fn);
  return { calls, fn };
}

/** GET /api/openapi.json reduced to the request defaults the forms read. */
export function openApiDefaults({ conf = 0.25, iou = 0.45, scoreThreshold = 0.25 } = {}): Handler {
  const body = (properties: Record<string, { default: number }>) => ({ content: { 'application/json': { schema: { properties } } } });
  return () => json(200, {
    paths: {
      '/api/videos/{id}/process': { post: { requestBody: body({ conf: { default: conf }, iou: { default: iou } }) } },
      '/api/runs/{id}/evaluate': { post: { requestBody: body({ score_threshold: { default: scoreThreshold } }) } },
    },
  });
}
