// types.ts - evaluation results (issue 4), as the UI expects them from
// GET /api/runs/{id}/evaluation. Curves are parallel arrays (compact JSON).

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassResult extends Counts {
  class: string;
  ap50?: number;
  ap75?: number;
  map?: number;
  best_threshold?: number;
  pr_curve?: { recall: number[]; precision: number[] };
  f1_curve?: { threshold: number[]; f1: number[] };
}

export interface Evaluation {
  id: number;
  run_id: number;
  created_at: string;
  manifest: {
    model_sha256?: string;
    video_sha256?: string;
    score_threshold?: number;
    iou_threshold?: number;
    avp_version?: string;
    [k: string]: unknown;
  };
  results: {
    overall: Counts & { ap50?: number; ap75?: number; map?: number };
    classes: ClassResult[];
    coco_stats?: number[];
    confusion?: { labels: string[]; matrix: number[][] };
  };
  pass?: boolean | null;
}

/** Per-frame outcome counts, for the player's timeline strip. */
export interface FrameOutcome {
  frame: number;
  t: number;
  tp: number;
  fp: number;
  fn: number;
}

export interface SessionResults {
  session_id: number;
  precision: number;
  recall: number;
  f1: number;
  precision_ci?: [number, number];
  recall_ci?: [number, number];
  latency_ms: { median: number; p90: number; p99: number; histogram: { edges: number[]; counts: number[] } };
  classes?: (Counts & { class: string })[];
  criteria?: { min_precision?: number; min_recall?: number; max_median_latency_ms?: number };
  pass?: boolean | null;
}

export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

export const resultKeys = {
  all: ['results'] as const,
  evaluation: (runId: number) => [...resultKeys.all, 'run', runId] as const,
  frames: (runId: number) => [...resultKeys.all, 'run', runId, 'frames'] as const,
  session: (id: number) => [...resultKeys.all, 'session', id] as const,
  sessions: (projectId: number) => [...resultKeys.all, 'sessions', projectId] as const,
};
