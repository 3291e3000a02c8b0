// types.ts - evaluation results (issue 4) as avp serves them: a run's
// stored evaluation (src/server/routes_eval.c), its per-frame outcomes, the
// comparison of two runs (device test sessions: features/testSessions). Curves are parallel
// arrays (compact JSON). The server sends null, never NaN, for a number it
// cannot define (precision with no detections). Counts and the per-frame
// outcomes are lib/types' (test sessions and the player read them).
import type { Counts, FrameOutcome, Outcomes } from '../../../lib/types';

export interface Overall extends Counts {
  ap50?: number | null;
  ap75?: number | null;
  map?: number | null;
  best_threshold?: number | null;
  best_f1?: number | null;
}

export interface ClassResult extends Overall {
  class: string;
  num_gt?: number;
  num_det?: number;
  coco_stats?: number[];
  pr_curve?: { recall: number[]; precision: number[]; score?: number[] };
  f1_curve?: { threshold: number[]; f1: number[] };
}

/** Where the boxes an evaluation was scored against came from (the
 * server's store_gt_provenance, marked by eval_gt_provenance_mark). */
export interface GroundTruthSource {
  kind: 'human' | 'import' | 'model';
  format?: string | null;
  file?: string | null;
  model_id?: number | null;
  model?: string | null;
  run_id?: number | null;
  boxes: number;
  frames: number;
  /** The evaluated model made these boxes (null: a model, not recorded which). */
  self: boolean | null;
}

export interface GroundTruthProvenance {
  boxes: number;
  frames: number;
  sources: GroundTruthSource[];
  self_boxes: number;
  self_scored: boolean;
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
    class_map?: Record<string, string>;
    [k: string]: unknown;
  };
  results: {
    overall: Overall;
    classes: ClassResult[];
    coco_stats?: number[];
    coco_stat_names?: string[];
    confusion?: { labels: string[]; matrix: number[][]; iou?: number };
    num_images?: number;
    num_gt?: number;
    num_det?: number;
    /** TIDE's error taxonomy (src/eval/tide*.c). */
    tide?: Tide;
    /** Tracking metrics, `avp eval track --json`'s object. */
    tracking?: Tracking;
  };
  pass?: boolean | null;
  /** Scored against ground truth the run's own model made. */
  self_scored?: boolean;
  /** Null for evaluations stored before provenance was kept. */
  ground_truth?: GroundTruthProvenance | null;
}

/** TIDE's error types, in its order; FalsePos/FalseNeg carry only a dAP. */
export const TIDE_TYPES = ['Cls', 'Loc', 'Both', 'Dupe', 'Bkg', 'Miss'] as const;
export type TideType = (typeof TIDE_TYPES)[number];
export type TideErrors = Record<TideType, { count: number; dAP: number }> & Partial<Record<'FalsePos' | 'FalseNeg', { dAP: number }>>;

export interface Tide {
  pos_thr: number;
  bg_thr: number;
  max_dets: number;
  AP50: number;
  errors: TideErrors;
  per_class: { category_id: number; name: string; AP50: number; errors: TideErrors }[];
}

/** HOTA, CLEAR MOT and Identity as TrackEval names them (fractions). */
export interface Tracking {
  sequence: { frames: number; gt_dets: number; tracker_dets: number; gt_ids: number; tracker_ids: number; [k: string]: number };
  HOTA: Record<'HOTA' | 'DetA' | 'AssA' | 'DetRe' | 'DetPr' | 'AssRe' | 'AssPr' | 'LocA', number> & { [k: string]: unknown };
  CLEAR: Record<'MOTA' | 'MOTP' | 'IDSW' | 'Frag' | 'MT' | 'PT' | 'ML', number> & { [k: string]: number };
  Identity: Record<'IDF1' | 'IDR' | 'IDP', number> & { [k: string]: number };
}

/** The metrics GET /api/runs/{a}/compare/{b} takes differences of. */
export type MetricDeltas = Pick<Counts, 'precision' | 'recall' | 'f1'> & Required<Pick<Overall, 'ap50' | 'map'>> & Pick<Overall, 'ap75'>;

export interface CompareSide {
  run_id: number;
  evaluation_id: number;
  overall: Overall;
  self_scored?: boolean;
}

export interface FrameDiff extends Pick<FrameOutcome, 'frame' | 't'> {
  a: Outcomes;
  b: Outcomes;
}

export interface Comparison {
  a: CompareSide;
  b: CompareSide;
  delta: { overall: MetricDeltas; classes: (MetricDeltas & { class: string })[] };
  frames: FrameDiff[];
  frames_truncated?: boolean;
}

export const COCO_STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'];

export const resultKeys = {
  all: ['results'] as const,
  evaluation: (runId: number) => [...resultKeys.all, 'run', runId] as const,
  frames: (runId: number) => [...resultKeys.all, 'run', runId, 'frames'] as const,
  compare: (a: number, b: number) => [...resultKeys.all, 'compare', a, b] as const,
};
