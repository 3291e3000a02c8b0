// States.tsx - the loading, empty and error states every page uses, so
// they look and read the same everywhere.
import type { ReactNode } from 'react';
import { ApiError, isMissingEndpoint } from '../lib/http';
import { errorText } from '../lib/errorText';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <strong>{title}</strong>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

/** Names what could not be loaded, why and what to do (errorText). */
export function ErrorState({ error, what, retry }: { error: unknown; what: string; retry?: () => void }) {
  const missing = isMissingEndpoint(error);
  return (
    <div className="state state-error" role="alert">
      <strong>{missing ? `${what}: not available on this server yet` : `Could not load ${what}`}</strong>
      <div className="muted">{errorText(error)}</div>
      {retry && !missing && (
        <button type="button" className="btn" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** True when the server says the object is not there (or not the user's). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ApiError && error.status === 404 && !isMissingEndpoint(error);
}

export function Badge({ tone, children }: { tone: 'ok' | 'bad' | 'warn' | 'info' | 'muted'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const STATE_TONES: Record<string, 'ok' | 'bad' | 'warn' | 'info' | 'muted'> = {
  done: 'ok', ready: 'ok', running: 'info', queued: 'muted', uploading: 'info',
  failed: 'bad', cancelled: 'warn', deleting: 'warn', open: 'ok', closed: 'muted',
};

export function StateBadge({ state }: { state: string }) {
  return <Badge tone={STATE_TONES[state] ?? 'muted'}>{state}</Badge>;
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const pct = Math.max(0, Math.min(1, value)) * 100;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100}
      aria-valuenow={Math.round(pct)}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: ReactNode; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </header>
  );
}
