// types.ts - tasks and detection runs as the server returns them.
import type { ProcessParams } from '../../../lib/types';

export type TaskState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface TaskStatus {
  state: TaskState;
  progress: number;
  frames_done?: number;
  frames_total?: number | null;
  fps?: number | null;
  eta?: number | null;
  error?: string | null;
  run_id?: number | null;
}

export interface Run extends ProcessParams {
  id: number;
  video_id: number;
  state: TaskState;
  frames_done: number;
  detections_count: number;
  task_id?: number | null;
  /** 'detect', or 'auto_gt' for the run that made the video's ground truth. */
  kind?: string | null;
  created_at: string;
  finished_at?: string | null;
  /** What a damaged video (cut short, corrupt bytes) cost the run; null
   * when it decoded cleanly. */
  damage?: RunDamage | null;
}

export interface RunDamage {
  /** Frames the file holds that never decoded. */
  frames_lost: number;
  /** Frames decoded with errors patched over (the model saw them so). */
  frames_concealed: number;
  /** libav's words about the first damage. */
  message: string;
}

export const runKeys = {
  runs: ['runs'] as const,
  byVideo: (videoId: number) => [...runKeys.runs, 'video', videoId] as const,
  detail: (id: number) => [...runKeys.runs, 'detail', id] as const,
  task: (id: number) => ['tasks', id] as const,
};

export const isFinal = (s: TaskState | undefined) => s === 'done' || s === 'failed' || s === 'cancelled';
