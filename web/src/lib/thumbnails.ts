// thumbnails.ts - a small loader for the detection list's frame images.
// Browsers open at most six HTTP/1.1 connections per host; a screen of
// rows each asking for a frame image would take them all and make the API
// and the video stream wait behind images that may need seconds to render
// on the server. So: at most MAX_IN_FLIGHT fetches at once, the most
// recently asked first (the rows now on screen), requests of rows that
// left the screen dropped before they start or aborted, and loaded images
// kept as object URLs in an LRU of CACHE_SIZE.
import { useEffect, useState } from 'react';

export const MAX_IN_FLIGHT = 2;
export const CACHE_SIZE = 300;

type Listener = (objectUrl: string | null) => void;

interface Job {
  listeners: Set<Listener>;
  ctrl: AbortController | null; // set once started
}

const cache = new Map<string, string>(); // url -> object URL, oldest first
const jobs = new Map<string, Job>();
let waiting: string[] = [];
let inFlight = 0;

function remember(url: string, objectUrl: string) {
  cache.set(url, objectUrl);
  while (cache.size > CACHE_SIZE) {
    const [oldest, obj] = cache.entries().next().value as [string, string];
    cache.delete(oldest);
    URL.revokeObjectURL(obj);
  }
}

async function run(url: string, job: Job) {
  inFlight++;
  job.ctrl = new AbortController();
  let result: string | null = null;
  try {
    const res = await fetch(url, { credentials: 'same-origin', signal: job.ctrl.signal });
    if (res.ok) {
      result = URL.createObjectURL(await res.blob());
      remember(url, result);
    }
  } catch {
    /* aborted or failed: listeners get null */
  } finally {
    inFlight--;
    jobs.delete(url);
    job.listeners.forEach((l) => l(result));
    pump();
  }
}

function pump() {
  while (inFlight < MAX_IN_FLIGHT && waiting.length) {
    const url = waiting.pop()!; // newest first
    const job = jobs.get(url);
    if (job && !job.ctrl) void run(url, job);
  }
}

/** Asks for url; listener gets an object URL (or null on failure). Returns
 * a function that withdraws the request. */
export function requestThumbnail(url: string, listener: Listener): () => void {
  const hit = cache.get(url);
  if (hit) {
    cache.delete(url);
    cache.set(url, hit); // most recently used
    listener(hit);
    return () => undefined;
  }
  let job = jobs.get(url);
  if (!job) {
    job = { listeners: new Set(), ctrl: null };
    jobs.set(url, job);
    waiting.push(url);
  }
  job.listeners.add(listener);
  pump();
  const j = job;
  return () => {
    j.listeners.delete(listener);
    if (j.listeners.size) return;
    if (j.ctrl) j.ctrl.abort();
    else {
      jobs.delete(url);
      waiting = waiting.filter((u) => u !== url);
    }
  };
}

/** The image for url: undefined while loading, null if it failed. */
export function useThumbnail(url: string | null): string | null | undefined {
  const [state, setState] = useState<{ url: string | null; obj: string | null | undefined }>({ url: null, obj: undefined });
  useEffect(() => {
    if (!url) return;
    return requestThumbnail(url, (obj) => setState({ url, obj }));
  }, [url]);
  return state.url === url ? state.obj : undefined;
}

/** For tests: forget everything. */
export function resetThumbnails() {
  cache.clear();
  jobs.clear();
  waiting = [];
  inFlight = 0;
}
