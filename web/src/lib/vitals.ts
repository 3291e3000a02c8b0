// vitals.ts - Web Vitals of real page loads (the web-vitals package),
// kept for this tab and sent to the server (POST /api/vitals), which
// takes them from signed-in users only, at most 60 a minute each. What
// it refuses (401 before sign-in, 429, 404 on servers without the
// endpoint) is dropped: the numbers stay in this tab.
import type { Metric } from 'web-vitals';

export interface VitalRecord {
  name: string;
  value: number;
  rating: string;
  page: string;
  at: number;
}

const local: VitalRecord[] = [];
const listeners = new Set<() => void>();

export function localVitals(): readonly VitalRecord[] {
  return local;
}

export function subscribeVitals(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function recordVital(m: Pick<Metric, 'name' | 'value' | 'rating'>, page = location.pathname): VitalRecord {
  const r: VitalRecord = { name: m.name, value: m.value, rating: m.rating, page, at: Date.now() };
  local.push(r);
  if (local.length > 200) local.shift();
  listeners.forEach((fn) => fn());
  return r;
}

function send(r: VitalRecord): void {
  // keepalive: the request survives the page being closed (CLS, INP
  // arrive when the tab is hidden).
  fetch('/api/vitals', {
    method: 'POST',
    credentials: 'same-origin',
    keepalive: true,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: r.name, value: r.value, rating: r.rating, page: r.page }),
  }).catch(() => undefined);
}

/** Starts measuring; loaded lazily so it stays off the critical path. */
export async function startVitals(): Promise<void> {
  const { onCLS, onFCP, onINP, onLCP, onTTFB } = await import('web-vitals');
  const report = (m: Metric) => send(recordVital(m));
  onCLS(report);
  onFCP(report);
  onINP(report);
  onLCP(report);
  onTTFB(report);
}
