// TaskProgress.tsx - a live run: bar, frames, fps and ETA from the
// WebSocket (or polling), and a cancel button.
import { useEffect, useEffectEvent } from 'react';
import { fractionOf, useTaskProgress } from '../api/taskProgress';
import { useCancelTask } from '../api/cancelTask';
import { isFinal, type TaskState } from '../api/types';
import { ProgressBar, StateBadge } from '../../../components/States';
import { formatDuration, formatNumber } from '../../../lib/format';
import { errorText } from '../../../lib/errorText';

interface Props {
  taskId: number;
  compact?: boolean;
  /** Called once when the task reaches a final state. */
  onFinal?: (state: TaskState) => void;
}

export function TaskProgress({ taskId, compact = false, onFinal }: Props) {
  const { status, transport } = useTaskProgress(taskId);
  const cancel = useCancelTask();
  const frac = fractionOf(status);
  const state = status?.state ?? 'queued';
  const final = isFinal(state);
  // Once per final state: a new onFinal identity must not call it again.
  const finished = useEffectEvent((s: TaskState) => onFinal?.(s));
  useEffect(() => {
    if (final) finished(state);
  }, [final, state]);
  return (
    <div className={`task${compact ? ' task-compact' : ''}`} data-testid="task-progress" data-state={state}>
      <div className="task-head">
        <StateBadge state={state} />
        <strong className="num" data-testid="task-percent">{Math.floor(frac * 100)} %</strong>
        {status?.frames_total ? <span className="muted small num">{formatNumber(status.frames_done)} / {formatNumber(status.frames_total)} frames</span> : null}
        {status?.fps ? <span className="muted small num">{status.fps.toFixed(1)} fps</span> : null}
        {status?.eta != null && !isFinal(state) ? <span className="muted small num">ETA {formatDuration(status.eta)}</span> : null}
        {!compact && transport !== 'idle' && <span className="muted small">{transport === 'websocket' ? 'live' : 'updated every few seconds'}</span>}
        {!isFinal(state) && (
          <button type="button" className="btn btn-ghost btn-small" disabled={cancel.isPending} onClick={() => cancel.mutate(taskId)}>
            Cancel
          </button>
        )}
      </div>
      <ProgressBar value={frac} label={`Task ${taskId} progress`} />
      {status?.error && <p className="form-error" role="alert">{status.error}</p>}
      {cancel.error && <p className="form-error" role="alert">{errorText(cancel.error)}</p>}
    </div>
  );
}
