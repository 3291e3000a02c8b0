// WS /ws/progress/{task_id} - the server pushes JSON progress messages
// ({state, progress, frames_done, frames_total, fps, eta}) until the task
// ends, then closes. The session cookie authenticates the upgrade (same
// origin). If the socket cannot open or drops early, the status endpoint
// is polled instead, so the bar never freezes.
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { isFinal, runKeys, type TaskStatus } from './types';
import { getTaskStatus } from './taskStatus';

export const progressSocketUrl = (taskId: number, loc: Location = window.location) =>
  `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws/progress/${taskId}`;

/** Progress in [0, 1], from frames when known (exact) else the server's fraction. */
export function fractionOf(s: Partial<TaskStatus> | undefined): number {
  if (!s) return 0;
  if (s.state === 'done') return 1;
  if (s.frames_total && s.frames_total > 0 && s.frames_done != null) return Math.min(1, s.frames_done / s.frames_total);
  const p = s.progress ?? 0;
  return p > 1 ? p / 100 : p;
}

export interface LiveProgress {
  status: TaskStatus | undefined;
  transport: 'websocket' | 'polling' | 'idle';
}

export function useTaskProgress(taskId: number | null): LiveProgress {
  const qc = useQueryClient();
  const [live, setLive] = useState<LiveProgress>({ status: undefined, transport: 'idle' });

  useEffect(() => {
    if (taskId == null) return;
    let stopped = false;
    let poll: ReturnType<typeof setTimeout> | undefined;
    const publish = (s: TaskStatus, transport: LiveProgress['transport']) => {
      if (stopped) return;
      setLive({ status: s, transport });
      // Merge: a pushed message may omit fields the status endpoint gave
      // (run_id), which must not be lost.
      qc.setQueryData<TaskStatus>(runKeys.task(taskId), (old) => ({ ...old, ...s }));
      if (isFinal(s.state)) {
        qc.invalidateQueries({ queryKey: runKeys.runs });
        qc.invalidateQueries({ queryKey: runKeys.task(taskId) });
      }
    };
    const pollNow = async () => {
      try {
        const s = await getTaskStatus(taskId);
        publish(s, 'polling');
        if (isFinal(s.state)) return;
      } catch {
        /* keep trying; the page shows the last known state */
      }
      if (!stopped) poll = setTimeout(pollNow, 1000);
    };
    let ended = false;
    const ws = new WebSocket(progressSocketUrl(taskId));
    ws.onmessage = (ev) => {
      try {
        const s = JSON.parse(String(ev.data)) as TaskStatus;
        if (typeof s !== 'object' || s === null || !s.state) return;
        if (isFinal(s.state)) ended = true;
        publish(s, 'websocket');
      } catch {
        /* ignore a malformed message */
      }
    };
    ws.onclose = () => {
      // Closed before a final state (refused, dropped, other instance):
      // ask the status endpoint, which always knows the truth.
      if (!stopped && !ended) void pollNow();
    };
    return () => {
      stopped = true;
      clearTimeout(poll);
      ws.onclose = null;
      ws.close();
    };
  }, [taskId, qc]);

  return live;
}
