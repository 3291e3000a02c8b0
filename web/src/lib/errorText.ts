// errorText.ts - what went wrong, in words people use, and what to do
// about it. The server's messages name the problem precisely but speak
// API ("POST /api/runs/3/evaluate first", "(404 not_found)"): a person
// using the UI gets the problem without routes, status numbers or error
// codes, and by status the next step the server cannot know.
import { ApiError, isMissingEndpoint } from './http';

// "GET /api/x/1", "POST /api/runs/3/evaluate", "/api/models", "/ws/...".
const ROUTE = /\b(?:(?:GET|POST|PUT|PATCH|DELETE)\s+)?\/(?:api|ws)\/[^\s,;)]*/g;
const STATUS = /\s*\((?:\d{3}\s*)?[a-z_]+\)|\bHTTP \d{3}\b/g;

/** A server message without routes, status codes or error codes. */
export function plainMessage(message: string): string {
  const m = message.replace(ROUTE, '').replace(STATUS, '').replace(/\bvia websocket\b/gi, '')
    .replace(/\s*(?:;|:)\s*(?:first)?\s*$/i, '').replace(/\s{2,}/g, ' ').trim();
  return m ? m[0].toUpperCase() + m.slice(1) : '';
}

const BY_STATUS: Record<number, string> = {
  401: 'Your session has ended. Sign in again.',
  403: 'Your role in this project does not allow this. Ask the project’s owner for the editor role.',
  404: 'It may have been deleted, or it belongs to a project you are not a member of.',
  413: 'The file is larger than the server accepts. Try a smaller file.',
  429: 'Too many requests at once. Wait a few seconds and try again.',
};

const lowerFirst = (s: string) => (s ? s[0].toLowerCase() + s.slice(1) : s);

/** What happened and what to do, in one or two sentences. */
export function errorText(error: unknown): string {
  if (isMissingEndpoint(error)) return 'This server does not offer this yet. Ask your administrator to update AVP.';
  if (!(error instanceof ApiError)) {
    // fetch() rejects with a TypeError when the network fails; any other
    // TypeError is the page's own fault.
    if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) {
      return 'The server could not be reached. Check your connection and try again.';
    }
    if (error instanceof TypeError) return 'Something went wrong in this page. Reload it and try again.';
    return plainMessage(error instanceof Error ? error.message : String(error)) || 'Something went wrong. Try again.';
  }
  if (error.status >= 500) return 'The server ran into a problem. Try again in a moment; if it keeps happening, tell your administrator.';
  const fixed = BY_STATUS[error.status];
  const said = plainMessage(error.message);
  if (error.status === 413 && said) return fixed!.replace('accepts', `accepts (${lowerFirst(said.replace(/\.$/, ''))})`);
  if (said && (error.status === 403 || error.status === 404)) return `${said.replace(/\.$/, '')}. ${fixed}`;
  if (fixed) return fixed;
  return said ? (/[.!?]$/.test(said) ? said : said + '.') : 'The server refused this. Check what you entered and try again.';
}

/** An upload's failure in one line: the file, then why (a reason string
 * from the browser's own check, or the server's refusal). */
export function uploadErrorText(fileName: string, reason: unknown, verb = 'uploaded'): string {
  let why: string;
  if (typeof reason === 'string') why = reason;
  else if (reason instanceof ApiError && reason.status === 415) {
    const said = plainMessage(reason.message).replace(/\.$/, '');
    why = `it is not a video the server can read${said ? ` (${lowerFirst(said)})` : ''}. Choose a video file (MP4, MKV, MOV…)`;
  }
  else why = errorText(reason);
  why = why.replace(/[.]$/, '');
  return `${fileName} was not ${verb}: ${lowerFirst(why)}.`;
}
