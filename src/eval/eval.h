/*
 * eval.h - frame-level evaluation of detections against ground truth, with
 * the numbers of pycocotools' COCOeval (bbox) and the extras a validation
 * team asks for (TP/FP/FN at an operating threshold, PR and F1 curves, a
 * confusion matrix with background), and the scoring of a device under
 * test against the tracks of a ground truth (gt/gt.h; test sessions).
 * docs/METRICS.md states both protocols.
 *
 * DESIGN
 * An eval_data_t collects images, categories, ground-truth boxes and
 * detections, either through eval_data_add_*() (the ground-truth store, a
 * finished run) or from COCO files (eval_load_coco_*). eval_run() then:
 *   1. validates and indexes: ids are sorted (pycocotools evaluates images
 *      and categories in ascending id order), every box gets an image and a
 *      category index, and two stable counting sorts order the boxes by
 *      (category, image, input order). A "cell" is one (category, image)
 *      pair that has ground truth or detections; everything later is flat
 *      arrays indexed by cell, no per-box allocation.
 *   2. matches each cell (match.c) exactly as COCOeval.evaluateImg: the
 *      100 best-scored detections, greedy in score order, for 4 area ranges
 *      x 10 IoU thresholds, leaving two bit masks per detection and area
 *      (true positive, ignored). Cells run in parallel on a util/tpool.
 *   3. accumulates per category (accumulate.c) as COCOeval.accumulate:
 *      a stable sort by score, cumulative TP/FP, the precision envelope and
 *      101 recall thresholds; then summarizes into the 12 COCO numbers.
 *      The operating-point extras (extras.c) reuse the same sorted lists.
 *   4. builds the confusion matrix per image (confusion.c).
 * The results never depend on the thread count.
 *
 * Known divergence: pycocotools stores the matched ground-truth id in a
 * float array where 0 means "unmatched", so a detection matched to a
 * ground-truth annotation with id 0 counts as a false positive there. AVP
 * counts it as a match. With annotation ids >= 1 (the COCO norm) the
 * numbers are identical.
 *
 * Thread model: an eval_data_t is used by one thread at a time; eval_run()
 * reads it and uses its own worker threads. A result is immutable. A
 * device session is scored by one call on the caller's thread.
 */
#ifndef AVP_EVAL_EVAL_H
#define AVP_EVAL_EVAL_H

#include "gt/gt.h"
#include "util/avp.h"

#include <jansson.h>
#include <stdint.h>

enum {
    EVAL_NUM_IOU = 10,    /* IoU thresholds .50:.05:.95 */
    EVAL_NUM_REC = 101,   /* recall thresholds 0:.01:1 */
    EVAL_NUM_AREA = 4,    /* all, small, medium, large */
    EVAL_NUM_MAXDET = 3,  /* 1, 10, 100 detections per image and class */
    EVAL_NUM_STATS = 12,  /* the COCO summary, pycocotools' order */
    EVAL_NUM_F1 = 101     /* F1 curve at score thresholds 0:.01:1 */
};

/* Indices into the 12 COCO numbers, pycocotools' order. */
enum {
    EVAL_AP, EVAL_AP50, EVAL_AP75, EVAL_APS, EVAL_APM, EVAL_APL,
    EVAL_AR1, EVAL_AR10, EVAL_AR100, EVAL_ARS, EVAL_ARM, EVAL_ARL
};

/* Short names of the 12 numbers ("AP", "AP50", ... "ARl"). */
extern const char *const eval_stat_names[EVAL_NUM_STATS];

typedef struct eval_data eval_data_t;

/* One box, COCO style: (x, y) is the top-left corner, w and h >= 0 in
 * pixels. For ground truth, area is the annotation's area (COCO takes it
 * from the segmentation; it decides small/medium/large) and score is
 * unused; for detections, area, iscrowd and ignore are unused (the area is
 * w * h, as pycocotools' loadRes computes it). id is only checked for
 * duplicates among ground truth.
 *
 * ignore marks a ground-truth box that must be neither found nor missed
 * (a "difficult" object): it is never a false negative and a detection
 * matched to it counts neither way, like a box outside the area range.
 * Unlike iscrowd it is matched with the plain IoU and only once. COCO
 * files never set it: pycocotools overwrites an annotation's "ignore"
 * with its iscrowd, and eval_load_coco_gt() does the same. */
typedef struct eval_box {
    int64_t id, image_id, category_id;
    double x, y, w, h;
    double area;
    double score;
    int iscrowd;
    int ignore;
} eval_box_t;

eval_data_t *eval_data_create(void);
void eval_data_destroy(eval_data_t *d); /* NULL is a no-op */

/* Images and categories that the evaluation covers. Ids need not be
 * ordered; duplicates are reported by eval_run(). name is copied. */
void eval_data_add_image(eval_data_t *d, int64_t id);
void eval_data_add_category(eval_data_t *d, int64_t id, const char *name);

/* Adds a box; returns AVP_OK or AVP_EFORMAT (non-finite numbers, negative
 * width or height or area) with err naming "annotations[i]" (ground truth)
 * or "results[i]" (detections), i counting the boxes added so far. Unknown image
 * and category ids are reported by eval_run() with the same names. */
int eval_data_add_gt(eval_data_t *d, const eval_box_t *b, avp_error_t *err);
int eval_data_add_det(eval_data_t *d, const eval_box_t *b, avp_error_t *err);

/* Loads a COCO ground-truth file (images, categories, annotations with
 * bbox; area defaults to w * h and iscrowd to 0 when absent) or a COCO
 * results file (a list of {image_id, category_id, bbox, score}) into d.
 * The file is read as a stream: memory grows with the boxes, not with
 * the text. Errors are AVP_ENOTFOUND/AVP_EIO for the file and AVP_EFORMAT
 * naming the place and the element: "gt.json:40:3: annotations[12].bbox:
 * expected 4 numbers" (for the parse_ variants, which take the JSON text
 * itself: "line 40 column 3: ..."). After an error d holds what was read
 * before it. */
int eval_load_coco_gt(eval_data_t *d, const char *path, avp_error_t *err);
int eval_load_coco_results(eval_data_t *d, const char *path,
                           avp_error_t *err);
/* Both files at once, each read on its own thread; when both are bad the
 * ground truth's error is reported. */
int eval_load_coco_pair(eval_data_t *d, const char *gt_path,
                        const char *results_path, avp_error_t *err);
int eval_parse_coco_gt(eval_data_t *d, const char *text, size_t len,
                       avp_error_t *err);
int eval_parse_coco_results(eval_data_t *d, const char *text, size_t len,
                            avp_error_t *err);

typedef struct eval_options {
    double score_thr; /* operating point for TP/FP/FN and the matrix */
    double cm_iou;    /* IoU for the confusion matrix (0.5) */
    int threads;      /* worker threads; <= 1 runs on the caller */
} eval_options_t;

/* The default operating point, the one place it is written (the CLI's
 * usage and the API's evaluate body read it too). A plain literal, so
 * AVP_STR() gives its text. */
#define EVAL_DEFAULT_SCORE_THR 0.25

/* score_thr EVAL_DEFAULT_SCORE_THR, cm_iou 0.5, threads 1. */
void eval_options_default(eval_options_t *opt);

/* Counts at the operating point (IoU .50, area "all", 100 detections per
 * image and class). Undefined ratios: precision is 0 without detections,
 * recall is -1 without ground truth, and f1 is -1 when recall is. */
typedef struct eval_counts {
    int64_t tp, fp, fn;
    double precision, recall, f1;
} eval_counts_t;

typedef struct eval_class {
    int64_t category_id;
    const char *name;
    int64_t num_gt;   /* ground truth that is neither crowd nor ignored */
    int64_t num_det;  /* detections of this class */
    double stats[EVAL_NUM_STATS]; /* the 12 numbers for this class alone */
    eval_counts_t at_thr;
    /* COCO's interpolated precision and the score reached at each recall
     * threshold, IoU .50, area "all", maxDets 100 (-1 without ground
     * truth). */
    double pr_precision[EVAL_NUM_REC];
    double pr_score[EVAL_NUM_REC];
    /* F1 at score thresholds i / 100 (same definitions as eval_counts_t),
     * and the detection score that maximizes F1 (ties: the higher score),
     * searched over every distinct score. best_f1 is -1 when undefined. */
    double f1_curve[EVAL_NUM_F1];
    double best_thr, best_f1;
} eval_class_t;

/* One image's counts at the operating point, over all classes (the same
 * matching as eval_counts_t; the images' counts sum to the overall line). */
typedef struct eval_image_counts {
    int64_t image_id;
    int64_t tp, fp, fn;
} eval_image_counts_t;

typedef struct eval_result {
    double coco_stats[EVAL_NUM_STATS];
    double iou_thrs[EVAL_NUM_IOU];
    double rec_thrs[EVAL_NUM_REC];
    int num_classes;             /* categories in ascending id order */
    eval_class_t *classes;
    eval_counts_t overall;       /* summed over classes */
    double f1_curve[EVAL_NUM_F1];
    double best_thr, best_f1;    /* on the 0.01 grid of f1_curve */
    /* (num_classes + 1)^2 counts, row = ground-truth class, column =
     * predicted class, index num_classes = background. */
    int64_t *confusion;
    eval_image_counts_t *images; /* num_images, ascending image id */
    /* COCOeval's arrays: precision and scores [T][R][K][A][M], recall
     * [T][K][A][M] (T IoU, R recall thresholds, K classes, A areas, M
     * maxDets), -1 where a class has no ground truth. */
    double *precision, *scores, *recall;
    double score_thr, cm_iou;
    int64_t num_images, num_gt, num_det;
    double seconds;              /* wall time of eval_run() */
} eval_result_t;

/* Evaluates d. On success *out is a result the caller frees with
 * eval_result_destroy(); on failure *out is NULL and err says why
 * (AVP_EFORMAT for inconsistent data, AVP_ENOMEM). */
int eval_run(eval_data_t *d, const eval_options_t *opt, eval_result_t **out,
             avp_error_t *err);
void eval_result_destroy(eval_result_t *r); /* NULL is a no-op */

/* The confusion matrix as JSON: {"labels": [class names..., "background"],
 * rows_key: [[counts]...], "iou": cm_iou}. The CLI and the API name the
 * rows differently ("rows", "matrix"); the numbers are one rendering.
 * Returns a new reference. */
json_t *eval_confusion_json(const eval_result_t *r, const char *rows_key);

/* v[0..n) as a new JSON array of reals: the curves and per-threshold
 * numbers every rendering of a result (CLI, API, tracking) prints. */
json_t *eval_json_reals(const double *v, int n);

/* Index into eval_result_t.precision / scores for (t, r, k, a, m). */
static inline size_t eval_pr_index(const eval_result_t *r, int t, int rr,
                                   int k, int a, int m)
{
    return ((((size_t)t * EVAL_NUM_REC + (size_t)rr) * (size_t)r->num_classes
             + (size_t)k) * EVAL_NUM_AREA + (size_t)a) * EVAL_NUM_MAXDET
           + (size_t)m;
}

/* Index into eval_result_t.recall for (t, k, a, m). */
static inline size_t eval_rc_index(const eval_result_t *r, int t, int k,
                                   int a, int m)
{
    return (((size_t)t * (size_t)r->num_classes + (size_t)k) * EVAL_NUM_AREA
            + (size_t)a) * EVAL_NUM_MAXDET + (size_t)m;
}

/* ---- class map (classmap.c) ---------------------------------------------
 * Which model or device class counts as which ground-truth class in a
 * project's metrics: with a non-empty map, a class that is a `from` counts
 * as its `to`, a class that is a `to` counts as itself and any other class
 * is left out (neither found, missed nor false); the empty map counts
 * every class as itself. Immutable once made: safe to share between
 * threads. */

#define EVAL_CLASS_MAP_MAX 1000 /* entries */
#define EVAL_CLASS_NAME_MAX 128 /* characters of a class name */

typedef struct eval_class_map eval_class_map_t;

/* Makes a map from a JSON object {"from": "to", ...} (copied). AVP_EINVAL
 * naming the entry for anything else: a value that is not a string, an
 * empty or too long name, too many entries, or a chain (a -> b, b -> c;
 * b -> b is fine). */
int eval_class_map_create(const json_t *map, eval_class_map_t **out,
                          avp_error_t *err);
void eval_class_map_destroy(eval_class_map_t *m); /* NULL is a no-op */

/* The class label counts as, or NULL when the map leaves it out. A NULL
 * map is the empty map. The result is label itself or a string of m. */
const char *eval_class_map_apply(const eval_class_map_t *m, const char *label);

/* The map as JSON (borrowed, valid while m lives). */
const json_t *eval_class_map_json(const eval_class_map_t *m);

/* ---- ground-truth provenance (provenance.c) ----------------------------
 * gt is store_gt_provenance's summary ({boxes, frames, sources: [{kind,
 * model_id, model_sha256, boxes, ...}]}) of the ground truth a run is
 * scored against. Marks each source "self": true when the run's model
 * (model_id, or the same weights by model_sha256, which may be NULL) made
 * its boxes, null when a model made them but which was not recorded, and
 * sets gt's "self_boxes" (boxes the model made) and "self_scored". Returns
 * 1 when self-scored, 0 when not, AVP_EINVAL when gt has no sources. */
int eval_gt_provenance_mark(json_t *gt, int64_t model_id,
                            const char *model_sha256, avp_error_t *err);

/* ---------------------------------------------------------------------------
 * Devices under test (device.c, bootstrap.c)
 * ------------------------------------------------------------------------ */

/* One target: a ground-truth track's onset. It is visible over
 * [onset, end): end is its last appearance plus one frame. */
typedef struct device_target {
    const char *label; /* ground-truth class, before the class map */
    double onset, end; /* video seconds */
    int64_t track_id;
} device_target_t;

typedef enum device_clock {
    DEVICE_CLOCK_VIDEO, /* ts is in video seconds */
    DEVICE_CLOCK_EPOCH  /* ts is the device's epoch time in seconds */
} device_clock_t;

typedef struct device_event {
    const char *label; /* as the device reports it */
    double confidence;
    int has_box;
    double box[4];     /* x, y, w, h if has_box */
    double ts;
    device_clock_t clock;
} device_event_t;

enum { DEVICE_HIST_BINS = 20 };

typedef struct device_options {
    double tolerance;        /* seconds either side of onset (0.5) */
    int has_sync;            /* epoch events need it */
    double epoch_zero;       /* device epoch time of video time 0 */
    /* What targets' and events' classes count as (eval_class_map_apply:
     * a label the map leaves out is ignored); NULL counts every class as
     * itself. Borrowed: it must outlive the result, whose labels may
     * point into it. */
    const eval_class_map_t *map;
    /* Criteria on the overall numbers; a negative value is "not set". */
    double min_precision, min_recall, max_median_latency;
    int resamples;           /* bootstrap resamples (2000) */
    uint64_t seed;           /* bootstrap PRNG seed (1) */
} device_options_t;

/* tolerance 0.5 s, no sync, no map, no criteria, 2000 resamples, seed 1. */
void device_options_default(device_options_t *o);

/* The sync of a session that recorded when playback started: the device
 * epoch time start_epoch showed video time start_pos. */
double device_epoch_zero(double start_epoch, double start_pos);

/* Numbers of one class or of all classes. Undefined ratios follow
 * eval_counts_t: precision 0 without events, recall -1 without targets,
 * f1 -1 when recall is. Latencies (event - onset, seconds) are over true
 * positives; -1 without any (their histogram spans [-tolerance,
 * +tolerance] in DEVICE_HIST_BINS bins). The confidence intervals are
 * percentile bootstrap 95 % intervals ([-1, -1] when undefined). */
typedef struct device_stats {
    const char *label;       /* mapped class; "all" for the overall row */
    int64_t targets, events, tp, fp, fn;
    double precision, recall, f1;
    double latency_median, latency_p90, latency_p99;
    int64_t latency_hist[DEVICE_HIST_BINS];
    double precision_ci[2], recall_ci[2];
} device_stats_t;

typedef struct device_match {
    size_t target, event;    /* indices into the inputs */
    double latency;
} device_match_t;

typedef struct device_result {
    int num_classes;          /* mapped classes, sorted by name */
    device_stats_t *classes;
    device_stats_t overall;
    int pass;                 /* 1 if every set criterion holds */
    char fail_reason[256];    /* the first failing criterion, or "" */
    device_match_t *matches;  /* the true positives, in target order */
    size_t num_matches;
    /* Per input: 1 when ignored (unmapped class). */
    uint8_t *target_ignored, *event_ignored;
} device_result_t;

/* Scores a session. AVP_EINVAL (err says which) for events mixing both
 * clocks, epoch events without sync, non-finite numbers, or bad options.
 * On success *out is freed with device_result_destroy(). */
int device_score(const device_target_t *targets, size_t num_targets,
                 const device_event_t *events, size_t num_events,
                 const device_options_t *o, device_result_t **out,
                 avp_error_t *err);
void device_result_destroy(device_result_t *r); /* NULL is a no-op */

/* The targets of a ground truth: one per track, end = last_t + 1 / fps
 * (last_t when fps is unknown). Labels point into g. Allocated; free
 * with avp_free. */
void device_targets_from_gt(const gt_t *g, device_target_t **out, size_t *n);

/* The bootstrap (bootstrap.c): a percentile 95 % interval of the mean of
 * n binary outcomes, resampled `resamples` times with replacement with a
 * PRNG seeded by seed. n == 0 gives [-1, -1]. */
void device_bootstrap_ci(const uint8_t *outcomes, size_t n, int resamples,
                         uint64_t seed, double ci[2]);

/* A small seeded PRNG (splitmix64) for the bootstrap and the simulator:
 * the same seed gives the same numbers on every platform. */
typedef struct device_rng { uint64_t s; } device_rng_t;
void device_rng_seed(device_rng_t *r, uint64_t seed);
uint64_t device_rng_next(device_rng_t *r);
double device_rng_uniform(device_rng_t *r);  /* [0, 1) */
double device_rng_normal(device_rng_t *r);   /* mean 0, sd 1 */

/* The simulator behind `avp device simulate`: events a device with the
 * given latency, jitter (sd of a normal), miss probability and false
 * positives per second (a Poisson process over the video, classes drawn
 * from the targets') would send for targets, in time order, clock video.
 * Labels point into targets. *out is allocated (avp_free). */
typedef struct device_sim_options {
    double latency, jitter, miss, fp_rate, duration;
    uint64_t seed;
} device_sim_options_t;

void device_simulate(const device_target_t *targets, size_t n,
                     const device_sim_options_t *o, device_event_t **out,
                     size_t *num_out);

/* ---------------------------------------------------------------------------
 * Evaluation rules (rules.c): what is taken out of an evaluation before it
 * is scored (docs/METRICS.md)
 * ------------------------------------------------------------------------ */

typedef struct eval_rules eval_rules_t;

/* Parses {"ignore_regions": [[[x, y], ...], ...] (at most 64 polygons of
 * 3 to 256 points, image coordinates), "min_box_size": pixels,
 * "max_detections": per frame}, every key optional, into *out (free with
 * eval_rules_destroy). AVP_EFORMAT naming the field for anything else. */
int eval_rules_parse(const json_t *j, eval_rules_t **out, avp_error_t *err);
void eval_rules_destroy(eval_rules_t *r); /* NULL is a no-op */
/* The rules as given (owned by r), for a manifest. */
const json_t *eval_rules_json(const eval_rules_t *r);

typedef struct eval_rules_report {
    int64_t gt_small, gt_region;                 /* made ignore */
    int64_t det_small, det_region, det_over_max; /* dropped */
} eval_rules_report_t;

/* Applies r to the boxes of d (before eval_run): a box with w or h below
 * min_box_size, or more than half of whose area is inside an ignore
 * region, becomes ignore (ground truth) or is dropped (detection); then
 * each image keeps its max_detections best-scored detections. */
void eval_rules_apply(eval_data_t *d, const eval_rules_t *r,
                      eval_rules_report_t *rep);
/* {"rules": ..., "gt_ignored": {...}, "detections_dropped": {...}}. */
json_t *eval_rules_report_json(const eval_rules_t *r,
                               const eval_rules_report_t *rep);

/* ---------------------------------------------------------------------------
 * Error taxonomy (tide.c): TIDE (Bolya et al., ECCV 2020) as its tidecv
 * package computes it, at foreground IoU 0.5 and background IoU 0.1
 * ------------------------------------------------------------------------ */

typedef enum eval_tide_error {
    EVAL_TIDE_CLS,  /* right place (IoU >= 0.5 with a box), wrong class */
    EVAL_TIDE_LOC,  /* right class, 0.1 <= IoU <= 0.5 */
    EVAL_TIDE_BOTH, /* wrong class and 0.1 < IoU < 0.5 (TIDE's "other") */
    EVAL_TIDE_DUPE, /* right class and place, box already found */
    EVAL_TIDE_BKG,  /* IoU <= 0.1 with every ground-truth box */
    EVAL_TIDE_MISS, /* ground truth no detection is a near miss of */
    EVAL_TIDE_NUM_MAIN,
    /* The two "special" errors: every false positive scored 0, every
     * false negative removed. */
    EVAL_TIDE_FALSE_POS = EVAL_TIDE_NUM_MAIN,
    EVAL_TIDE_FALSE_NEG,
    EVAL_TIDE_NUM
} eval_tide_error_t;
/* TIDE's short names: "Cls", "Loc", "Both", "Dupe", "Bkg", "Miss",
 * "FalsePos", "FalseNeg". */
extern const char *const eval_tide_names[EVAL_TIDE_NUM];

/* count: errors of each main type (false positives in the detection's
 * class, misses in the ground truth's); dap: what fixing every error of
 * that type alone adds to AP50 (TIDE's AP, as a fraction, not x 100),
 * never negative for the main types, as TIDE clamps them. */
typedef struct eval_tide_class {
    int64_t category_id;
    char *name;
    double ap;
    int64_t count[EVAL_TIDE_NUM_MAIN];
    double dap[EVAL_TIDE_NUM];
} eval_tide_class_t;

/* One error for the failure gallery: the false positive (det) with the
 * ground truth its type was decided by (has_gt 0 for Bkg), or a Miss
 * (has_det 0, gt the missed box); iou between the two when both are
 * there. Boxes as given to eval_data_add_*. */
typedef struct eval_tide_failure {
    eval_tide_error_t type;
    int has_det, has_gt;
    eval_box_t det, gt;
    double iou;
} eval_tide_failure_t;

typedef struct eval_tide_result {
    eval_tide_failure_t *failures; /* every error, image by image */
    size_t num_failures;
    double pos_thr, bg_thr;
    int max_dets;
    double ap; /* mAP50 over the classes with ground truth or detections */
    int64_t count[EVAL_TIDE_NUM_MAIN];
    double dap[EVAL_TIDE_NUM];
    int num_classes;             /* every category, in ascending id order */
    eval_tide_class_t *classes;
} eval_tide_result_t;

/* The taxonomy of d's detections (indexes d as eval_run does; the same
 * errors for bad ids). Crowd and ignore ground truth are TIDE's ignore
 * regions. On success *out is freed with eval_tide_result_destroy(). */
int eval_tide(eval_data_t *d, eval_tide_result_t **out, avp_error_t *err);
void eval_tide_result_destroy(eval_tide_result_t *r); /* NULL is a no-op */
json_t *eval_tide_json(const eval_tide_result_t *r);

/* ---------------------------------------------------------------------------
 * Tracking metrics (track_*.c): HOTA, CLEAR MOT and Identity as TrackEval
 * computes them for one 2D-box sequence (docs/METRICS.md)
 * ------------------------------------------------------------------------ */

enum { EVAL_TRACK_NUM_ALPHA = 19 }; /* HOTA's alpha = 0.05, 0.10 .. 0.95 */

/* The HOTA fields, each per alpha (TrackEval's names). */
typedef enum eval_hota_field {
    EVAL_HOTA, EVAL_DETA, EVAL_ASSA, EVAL_DETRE, EVAL_DETPR, EVAL_ASSRE,
    EVAL_ASSPR, EVAL_LOCA, EVAL_HOTA_NUM_FIELDS
} eval_hota_field_t;
extern const char *const eval_hota_names[EVAL_HOTA_NUM_FIELDS];

/* What is evaluated: gt_label / res_label keep only the boxes of that
 * label name on that side (NULL: every box; MOTChallenge evaluates its
 * pedestrian class against unlabelled tracker output). */
typedef struct eval_track_options {
    const char *gt_label, *res_label;
} eval_track_options_t;

typedef struct eval_track_result {
    /* The sequence: annotated frames of the ground truth (frames outside
     * its frame set were never looked at: tracker boxes there are left out
     * and counted), its boxes and track ids, the tracker's, and the ground
     * truth's difficult boxes, left out as TrackEval leaves out MOT rows
     * marked 0. */
    int64_t num_frames, gt_dets, tr_dets, gt_ids, tr_ids;
    int64_t gt_difficult, tr_off_frames;
    /* HOTA: per alpha, and the mean over alphas (the HOTA score). */
    double alpha[EVAL_TRACK_NUM_ALPHA];
    int64_t hota_tp[EVAL_TRACK_NUM_ALPHA], hota_fn[EVAL_TRACK_NUM_ALPHA],
        hota_fp[EVAL_TRACK_NUM_ALPHA];
    double hota[EVAL_HOTA_NUM_FIELDS][EVAL_TRACK_NUM_ALPHA];
    double hota_mean[EVAL_HOTA_NUM_FIELDS];
    double hota0, loca0, hota_loca0; /* at alpha 0.05 */
    /* CLEAR MOT at IoU 0.5. */
    int64_t clr_tp, clr_fn, clr_fp, idsw, frag, mt, pt, ml;
    double mota, moda, motp, smota, clr_re, clr_pr, clr_f1, fp_per_frame;
    double mtr, ptr, mlr;
    /* Identity at IoU 0.5. */
    int64_t idtp, idfn, idfp;
    double idf1, idr, idp;
} eval_track_result_t;

/* Scores the tracks of res (a tracker's output: every box in a track)
 * against those of gt into *r. AVP_EFORMAT (err names the frame) for a
 * box without a track id, or a track id twice in one frame (TrackEval
 * refuses both); AVP_EUNSUPPORTED for more than EVAL_TRACK_MAX_PAIRS
 * (gt ids x tracker ids). */
#define EVAL_TRACK_MAX_PAIRS (1ll << 24)
int eval_track(const gt_t *gt, const gt_t *res, const eval_track_options_t *o,
               eval_track_result_t *r, avp_error_t *err);
/* *r as a new JSON object (the CLI's and the API's shape). */
json_t *eval_track_json(const eval_track_result_t *r);
/* Links detections (dets: boxes of any track id, e.g. a run's) into
 * tracks with AVP's tracker (gt_autotrack with its default options, every
 * track kept) into a new gt in *out: what `avp eval track --link` and a
 * stored evaluation with tracking score. */
int eval_track_link(const gt_t *dets, gt_t **out, avp_error_t *err);

#endif
