/*
 * gt.h - ground truth of a video (boxes per frame, object tracks), the
 * tracker that makes auto ground truth from detections, the file formats
 * ground truth is imported from and exported to, and the scoring of a
 * device under test against the ground truth's tracks (test sessions).
 * Included at the end of eval/eval.h; docs/METRICS.md states the
 * device-session protocol.
 *
 * DESIGN
 * A gt_t holds the video's size and frame rate, a table of class labels
 * (strings; a box refers to its label by index) and a flat array of boxes.
 * A track is not stored: it is the set of boxes sharing a track_id, and
 * gt_tracks() derives first and last appearance from the boxes, so an edit
 * can never leave a track's extent stale.
 *
 * Importers parse a whole file (or folder) into a new gt_t and hand it out
 * only on full success: a malformed file leaves nothing half-imported.
 * Errors name the line (text formats: "gt.txt:12: ...") or the element
 * (JSON paths "annotations[3].bbox", XML "track[2]/box[5] (line 40)").
 *
 * Thread model: a gt_t, a tracker and a device session are used by one
 * thread at a time; distinct objects are independent.
 */
#ifndef AVP_EVAL_GT_H
#define AVP_EVAL_GT_H

#include "util/avp.h"

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------
 * Ground truth (gt.c)
 * ------------------------------------------------------------------------ */

enum {
    GT_VALIDATED = 1u << 0, /* a human checked the box */
    GT_DIFFICULT = 1u << 1, /* neither to be found nor missed (eval ignore) */
    GT_OCCLUDED = 1u << 2,
    GT_TRUNCATED = 1u << 3
};

/* Frames are numbered 0 .. GT_MAX_FRAMES - 1 (92 hours at 30 fps): frame
 * numbers come from files, and exporters that list every frame (COCO
 * images, a YOLO or VOC file per frame) must not be made to list 10^12. */
#define GT_MAX_FRAMES 10000000

typedef enum gt_source {
    GT_SOURCE_MODEL,  /* auto ground truth from a reference model */
    GT_SOURCE_HUMAN,  /* drawn or edited by a person */
    GT_SOURCE_IMPORT  /* read from a file */
} gt_source_t;

/* One box: (x, y) is the top-left corner, w and h > 0, in source pixels.
 * t is the frame's time in video seconds. score is the model's confidence
 * (1 for human and imported boxes). track_id < 0 means "in no track". */
typedef struct gt_box {
    int64_t frame;
    double t;
    int label;
    double x, y, w, h;
    double score;
    unsigned flags;
    gt_source_t source;
    int64_t track_id;
} gt_box_t;

/* A track's extent, derived from its boxes (gt_tracks()). */
typedef struct gt_track {
    int64_t id;
    int label;                 /* the label of its first box */
    int64_t first_frame, last_frame;
    double first_t, last_t;
    int64_t num_boxes;
} gt_track_t;

typedef struct gt gt_t;

gt_t *gt_create(void);
void gt_destroy(gt_t *g); /* NULL is a no-op */

/* Video geometry: 0 means unknown. num_frames is raised automatically to
 * cover every box added, and capped at GT_MAX_FRAMES. */
void gt_set_video(gt_t *g, int width, int height, double fps,
                  int64_t num_frames);
int gt_width(const gt_t *g);
int gt_height(const gt_t *g);
double gt_fps(const gt_t *g);
int64_t gt_num_frames(const gt_t *g);

/* Returns the index of label name, adding it if new (names are compared
 * exactly; the table keeps insertion order). */
int gt_label(gt_t *g, const char *name);
/* Returns the index of name or -1. */
int gt_find_label(const gt_t *g, const char *name);
int gt_num_labels(const gt_t *g);
const char *gt_label_name(const gt_t *g, int label); /* owned by g */

/* Adds a copy of *b. AVP_EFORMAT (err says which field) for a frame
 * outside [0, GT_MAX_FRAMES), non-finite numbers, w or h <= 0, an unknown label, unknown flags
 * or source, or a score outside [0, 1]. */
int gt_add_box(gt_t *g, const gt_box_t *b, avp_error_t *err);
size_t gt_num_boxes(const gt_t *g);
/* The boxes, owned by g, valid until the next gt_add_box() or gt_sort(). */
const gt_box_t *gt_boxes(const gt_t *g);
/* Replaces box i (< gt_num_boxes) with a checked copy of *b; the same
 * errors as gt_add_box, AVP_EINVAL for i out of range. */
int gt_set_box(gt_t *g, size_t i, const gt_box_t *b, avp_error_t *err);
/* Orders boxes by (frame, track_id, label, x, y, input order), the order
 * every exporter writes and the round-trip tests compare. */
void gt_sort(gt_t *g);

/* The tracks in ascending id order. *out is allocated (free with
 * avp_free); *n may be 0 (then *out is NULL). */
void gt_tracks(const gt_t *g, gt_track_t **out, size_t *n);

/* ---------------------------------------------------------------------------
 * Tracker (track.c): IoU matching in the style of ByteTrack
 * ------------------------------------------------------------------------ */

typedef struct gt_track_options {
    double iou;        /* least IoU to continue a track (0.3) */
    double high_score; /* detections that may start tracks (0.5) */
    double low_score;  /* below: ignored; between: only continue (0.1) */
    int max_age;       /* frames a track survives unseen (30) */
    int predict;       /* constant-velocity prediction of lost tracks (1) */
    int min_length;    /* gt_autotrack drops shorter tracks (3 boxes) */
} gt_track_options_t;

void gt_track_options_default(gt_track_options_t *o);

typedef struct gt_tracker gt_tracker_t;

gt_tracker_t *gt_tracker_create(const gt_track_options_t *o);
void gt_tracker_destroy(gt_tracker_t *tr); /* NULL is a no-op */

/* Feeds one frame's detections (frames in increasing order; label, score
 * and the box are read; other fields ignored). ids[i] receives the track
 * id of dets[i], or -1 for a detection that neither continued nor started
 * a track. Track ids start at 1 and are never reused. Deterministic: the
 * result depends only on the inputs and their order. AVP_EINVAL when
 * frame does not increase. */
int gt_tracker_step(gt_tracker_t *tr, int64_t frame, const gt_box_t *dets,
                    size_t n, int64_t *ids, avp_error_t *err);

/* Auto ground truth: runs a tracker over every frame of dets (boxes of any
 * track_id; they are read in frame order) and returns in *out a new gt
 * with the same video and labels holding the tracked boxes (source model,
 * track ids renumbered 1.. in order of first appearance) of tracks of at
 * least min_length boxes. */
int gt_autotrack(const gt_t *dets, const gt_track_options_t *o, gt_t **out,
                 avp_error_t *err);

/* ---------------------------------------------------------------------------
 * Formats (fmt_*.c)
 * ------------------------------------------------------------------------ */

typedef enum gt_format {
    GT_FORMAT_AVP,  /* AVP's own JSON: everything (fmt_avp.c) */
    GT_FORMAT_COCO, /* COCO JSON, an image per frame, flags as attributes */
    GT_FORMAT_YOLO, /* a folder of frame_NNNNNN.txt, normalized cx cy w h */
    GT_FORMAT_VOC,  /* a folder of frame_NNNNNN.xml, Pascal VOC */
    GT_FORMAT_CVAT, /* CVAT for video 1.1 XML: tracks */
    GT_FORMAT_MOT   /* MOTChallenge CSV */
} gt_format_t;

/* "avp", "coco", "yolo", "voc", "cvat", "mot" -> *out; AVP_EINVAL else. */
int gt_format_parse(const char *name, gt_format_t *out);
const char *gt_format_name(gt_format_t f);

/* What a format does not carry. names: class names in class-index order
 * (YOLO requires them; MOT uses them for its 1-based class column). width,
 * height: YOLO import needs them (normalized boxes). fps: formats without
 * time stamps give each box t = frame / fps (0 if fps is 0). A 0 field
 * means "not given"; importers then keep what the file says. */
typedef struct gt_io_options {
    const char *const *names;
    int num_names;
    int width, height;
    double fps;
} gt_io_options_t;

/* Imports path (a file, or a folder for YOLO and VOC) into a new gt in
 * *out (NULL on failure). */
int gt_import(gt_format_t f, const char *path, const gt_io_options_t *o,
              gt_t **out, avp_error_t *err);
/* Exports g to path (a file, or a folder created if missing). */
int gt_export(gt_format_t f, const gt_t *g, const char *path,
              const gt_io_options_t *o, avp_error_t *err);

/* The parsers behind gt_import, on text in memory (fuzz targets use them).
 * The file-level formats make a new gt in *out; the per-frame formats
 * (YOLO, VOC) add one frame's boxes to an existing gt, where `where`
 * names the file in messages. */
int gt_parse_avp(const char *text, size_t len, const gt_io_options_t *o,
                 gt_t **out, avp_error_t *err);
int gt_parse_coco(const char *text, size_t len, const gt_io_options_t *o,
                  gt_t **out, avp_error_t *err);
int gt_parse_cvat(const char *text, size_t len, const gt_io_options_t *o,
                  gt_t **out, avp_error_t *err);
int gt_parse_mot(const char *text, size_t len, const gt_io_options_t *o,
                 gt_t **out, avp_error_t *err);
int gt_parse_yolo_frame(gt_t *g, int64_t frame, const char *text, size_t len,
                        const gt_io_options_t *o, const char *where,
                        avp_error_t *err);
int gt_parse_voc_frame(gt_t *g, int64_t frame, const char *text, size_t len,
                       const gt_io_options_t *o, const char *where,
                       avp_error_t *err);

/* Reads `avp detect` JSONL ({"frame", "t", "label", "score", "box":
 * [x1, y1, x2, y2]} per line) into a new gt of model boxes without
 * tracks. Errors name the line. */
int gt_parse_detect_jsonl(const char *text, size_t len, gt_t **out,
                          avp_error_t *err);

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

/* eval.h's class map (classmap.c), repeated so that gt.h stands alone. */
typedef struct eval_class_map eval_class_map_t;

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

#endif
