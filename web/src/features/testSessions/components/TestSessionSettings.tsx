// TestSessionSettings.tsx - what a session is judged by (matching tolerance
// and pass/fail criteria, PATCH) and its device clock (the offset of device
// time from video time, POST sync). Saving either rescores the session.
import { useState, type FormEvent } from 'react';
import { useTestSessionMutations } from '../api/testSession';
import type { TestSession } from '../api/types';
import { errorText } from '../../../lib/errorText';

const text = (v: number | null | undefined) => (v == null ? '' : String(v));
const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

export function TestSessionSettings({ s }: { s: TestSession }) {
  const { patch, sync } = useTestSessionMutations(s.id);
  const c = s.criteria ?? {};
  const [f, setF] = useState({ tol: String(s.tolerance_ms), minP: text(c.min_precision), minR: text(c.min_recall), maxLat: text(c.max_median_latency_ms) });
  const [offset, setOffset] = useState(text(s.sync_offset));
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  const closed = s.state === 'closed';
  const save = (e: FormEvent) => {
    e.preventDefault();
    patch.mutate({ tolerance_ms: Number(f.tol), criteria: { min_precision: num(f.minP), min_recall: num(f.minR), max_median_latency_ms: num(f.maxLat) } });
  };
  const saveSync = (e: FormEvent) => {
    e.preventDefault();
    if (offset.trim() !== '') sync.mutate({ offset: Number(offset) });
  };
  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form className="form-grid" onSubmit={save} aria-label="Tolerance and criteria">
        <label>Tolerance (ms) <input type="number" min={0} step={1} required value={f.tol} onChange={set('tol')} disabled={closed} /></label>
        <label>Min precision <input type="number" min={0} max={1} step={0.01} value={f.minP} onChange={set('minP')} disabled={closed} /></label>
        <label>Min recall <input type="number" min={0} max={1} step={0.01} value={f.minR} onChange={set('minR')} disabled={closed} /></label>
        <label>Max median latency (ms) <input type="number" min={0} step={1} value={f.maxLat} onChange={set('maxLat')} disabled={closed} /></label>
        <div className="span-2 actions">
          <button type="submit" className="btn" disabled={closed || patch.isPending}>Save settings</button>
          {patch.isSuccess && <span className="muted" role="status">Saved</span>}
          {patch.error && <span className="form-error" role="alert">{errorText(patch.error)}</span>}
        </div>
      </form>
      <form className="inline-form" onSubmit={saveSync} aria-label="Clock sync">
        <label>Device clock minus video time (s) <input type="number" step="any" value={offset} onChange={(e) => setOffset(e.target.value)} disabled={closed} /></label>
        <button type="submit" className="btn" disabled={closed || sync.isPending || offset.trim() === ''}>Set clock offset</button>
        {sync.error && <span className="form-error" role="alert">{errorText(sync.error)}</span>}
      </form>
      <p className="muted small">Events sent with device_time need an offset; a device can also post its own sync.</p>
    </section>
  );
}
