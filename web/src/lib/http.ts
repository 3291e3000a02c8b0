// http.ts - the one place that talks HTTP to the AVP server. Every error
// the server sends is {"error":{"code","message"}}; ApiError carries both
// plus the status, so components can say what went wrong in words.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** Fired on any 401 so the app can send the user to the sign-in page. */
export const UNAUTHORIZED_EVENT = 'avp:unauthorized';

/** Reads the server's error shape; falls back to the status text. */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = res.statusText || `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body?.error?.code) code = body.error.code;
    if (body?.error?.message) message = body.error.message;
  } catch {
    /* not JSON: keep the status text */
  }
  return new ApiError(res.status, code, message);
}

export function errorFromXhr(xhr: XMLHttpRequest): ApiError {
  let code = 'http_' + xhr.status;
  let message = xhr.statusText || `HTTP ${xhr.status}`;
  try {
    const body = JSON.parse(xhr.responseText) as { error?: { code?: string; message?: string } };
    if (body?.error?.code) code = body.error.code;
    if (body?.error?.message) message = body.error.message;
  } catch {
    /* keep the status text */
  }
  return new ApiError(xhr.status, code, message);
}

type Json = Record<string, unknown> | unknown[];

export interface RequestOptions {
  method?: string;
  body?: Json;
  /** A file sent as the raw body (imports), instead of JSON. */
  file?: Blob;
  signal?: AbortSignal;
}

/** Sends a request and returns the parsed JSON body (undefined for 204). */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const type = opts.file ? opts.file.type || 'application/octet-stream' : opts.body ? 'application/json' : null;
  const init: RequestInit = {
    method: opts.method ?? (type ? 'POST' : 'GET'),
    credentials: 'same-origin',
    headers: type ? { 'Content-Type': type } : undefined,
    body: opts.file ?? (opts.body ? JSON.stringify(opts.body) : undefined),
    signal: opts.signal,
  };
  const res = await fetch(path, init);
  if (!res.ok) {
    const err = await errorFrom(res);
    if (res.status === 401 && !path.startsWith('/api/auth/')) {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    }
    throw err;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Builds "?a=1&b=x" from the defined, non-empty values of params. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}

/** Every list endpoint answers with this shape (keyset pagination). */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** True when the endpoint is not on this server yet (404/405/501). */
export function isMissingEndpoint(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  // The router says "no route for GET /api/..." when the path is unknown;
  // a 404 for a missing object carries another message.
  return e.status === 405 || e.status === 501 || (e.status === 404 && e.message.startsWith('no route'));
}
