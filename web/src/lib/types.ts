// types.ts - wire types that several features share, as the server sends
// them: a feature imports another's data only through lib/, so a type two
// features read lives here, next to no fetcher (the endpoints that are
// shared as well are lib/api/). Undefined numbers arrive as null, never NaN.

/** A project as the server returns it (the projects table). */
export interface Project {
  id: number;
  name: string;
  description: string;
  camera_model: string;
  camera_view: string;
  lens_type: string;
  resolution: string;
  frame_rate: number | null;
  signal_type: string;
  tolerance_ms?: number;
  criteria?: Criteria;
  created_at: string;
  updated_at?: string;
}

/** A project's pass/fail criteria (results' verdict, test sessions). */
export interface Criteria {
  min_precision?: number;
  min_recall?: number;
  max_median_latency_ms?: number;
}

/** A video as the server returns it (the videos table). */
export interface Video {
  id: number;
  project_id: number;
  filename: string;
  size_bytes: number;
  duration: number | null;
  fps: number | null;
  /** As displayed: the container's display matrix already applied. */
  width: number | null;
  height: number | null;
  /** As encoded, and the clockwise turn (then mirror) for display; null
   * for videos stored before AVP recorded them. */
  stored_width?: number | null;
  stored_height?: number | null;
  rotation?: number | null;
  mirrored?: boolean | null;
  frame_count: number | null;
  /** false: frame_count is the container's estimate, the server is still
   * counting (or gave up on a file too long to count). */
  frame_count_exact?: boolean;
  codec: string | null;
  sha256: string | null;
  status: 'uploading' | 'ready' | 'failed' | 'deleting';
  created_at: string;
}

/** What POST /api/videos/{id}/process starts a run with (and, each
 * optional, the auto ground truth's run). */
export interface ProcessParams {
  model_id: number;
  conf: number;
  iou: number;
  every: number;
}

/** Matching counts: an evaluation's, a class's, a test session's. */
export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** The matching's counts of one frame. */
export type Outcomes = Pick<Counts, 'tp' | 'fp' | 'fn'>;

/** Per-frame outcome counts, for the player's timeline strip. */
export interface FrameOutcome extends Outcomes {
  frame: number;
  t: number;
}
