/* internal.h - what the files of src/eval share; not API. */
#ifndef AVP_EVAL_INTERNAL_H
#define AVP_EVAL_INTERNAL_H

#include "eval.h"
#include "util/tpool.h"

#include <stdint.h>

#define EVAL__MAX_DETS 100 /* the largest maxDets: matching keeps these */

extern const double eval__area_lo[EVAL_NUM_AREA];
extern const double eval__area_hi[EVAL_NUM_AREA];
extern const int eval__max_dets[EVAL_NUM_MAXDET];

/* A growable array of boxes with, after indexing, the image and category
 * index of each box and the permutation that orders them by (category,
 * image, input order). */
typedef struct eval__boxes {
    eval_box_t *v;
    size_t n, cap;
    int32_t *img, *cat;
    uint32_t *order;
} eval__boxes_t;

typedef struct eval__category {
    int64_t id;
    char *name;
} eval__category_t;

/* One (category, image) pair with ground truth or detections. gt and det
 * are ranges of the boxes' order[]; kept is the range of this cell's
 * detections (at most 100, best score first) in the matching arrays. */
typedef struct eval__cell {
    int32_t cat, img;
    uint32_t gt0, ngt, det0, ndet;
    uint32_t kept0, nkept;
    int32_t npig[EVAL_NUM_AREA]; /* ground truth not ignored, per area */
} eval__cell_t;

struct eval_data {
    int64_t *images;
    size_t nimages, cap_images;
    eval__category_t *cats;
    size_t ncats, cap_cats;
    eval__boxes_t gt, det;
    /* Built by eval__index(): */
    eval__cell_t *cells;
    size_t ncells;
    uint32_t *cat_cells;  /* cells of category k: [cat_cells[k], [k+1]) */
};

/* The matching of every kept detection: for area a, bit t of tp[i*A+a]
 * says "true positive at IoU threshold t", bit t of ig[i*A+a] "ignored".
 * det[i] is the box index, rank[i] its place in its cell (0 = best). */
typedef struct eval__matches {
    uint32_t *det;
    uint16_t *rank;
    uint16_t *tp, *ig;
    size_t n;
} eval__matches_t;

/* data.c: validates ids, maps boxes to indices and builds the cells. */
int eval__index(eval_data_t *d, avp_error_t *err);

/* match.c: sets the cells' kept ranges and npig counts and fills m, which
 * the caller releases with eval__matches_free(). AVP_ENOMEM on failure. */
int eval__match(eval_data_t *d, const double *iou_thrs, tpool_t *tp,
                eval__matches_t *m);
void eval__matches_free(eval__matches_t *m);

/* IoU of detection box a with ground truth g, pycocotools' bbIou: for a
 * crowd g the union is a's area alone. */
double eval__iou(const eval_box_t *a, const eval_box_t *g, int crowd);

/* accumulate.c: COCOeval.accumulate + the per-category extras, then
 * summarize into the 12 numbers for all classes and for each class. */
int eval__accumulate(const eval_data_t *d, const eval__matches_t *m,
                     tpool_t *tp, eval_result_t *r);
double eval__summarize(const eval_result_t *r, int stat, int k);

/* extras.c: counts and F1 of one category from its detections sorted by
 * score (indices into m), at IoU index 0 and area "all". */
void eval__extras(const eval__matches_t *m, const uint32_t *sorted,
                  size_t n, const double *score, int64_t npig,
                  double score_thr, eval_class_t *c, int64_t *f1_tp,
                  int64_t *f1_fp);
void eval__counts_finish(eval_counts_t *c, int64_t npig);

/* frames.c: r->images, the counts of each image at r->score_thr. */
void eval__image_counts(const eval_data_t *d, const eval__matches_t *m,
                        eval_result_t *r);

/* confusion.c */
int eval__confusion(const eval_data_t *d, const eval__matches_t *m,
                    tpool_t *tp, eval_result_t *r);

/* bootstrap.c: numpy's default percentile (q in [0, 1]) of n > 0 sorted
 * values: linear between the closest ranks. */
double eval__percentile(const double *sorted, size_t n, double q);

/* lsa.c: min-cost assignment of a rows x cols cost matrix (row-major,
 * finite), as scipy.optimize.linear_sum_assignment: min(rows, cols) pairs
 * of least total cost; match[i] is row i's column or -1. The scratch is
 * zero-initialized, reused across calls and released with
 * eval__lsa_fini. AVP_EINVAL if no assignment exists (non-finite costs). */
typedef struct eval__lsa {
    double *buf;
    size_t cap;
} eval__lsa_t;
int eval__lsa_solve(eval__lsa_t *s, const double *cost, int rows, int cols,
                    int *match);
void eval__lsa_fini(eval__lsa_t *s);

/* track_seq.c: a ground truth and a tracker's output as TrackEval sees a
 * sequence: per frame that holds a box, the boxes of each side with their
 * track ids renumbered 0.. in ascending order of the original id. */
typedef struct eval__track_seq {
    size_t num_frames;            /* frames with a box on either side */
    size_t *gt_first, *tr_first;  /* per frame, num_frames + 1 offsets */
    int *gt_id, *tr_id;           /* per box, renumbered */
    double *gt_box, *tr_box;      /* per box x, y, w, h */
    int num_gt_ids, num_tr_ids;
    size_t num_gt, num_tr;
    double *sim;                  /* scratch: one frame's IoU matrix */
    size_t most;                  /* the largest gt x tracker frame */
} eval__track_seq_t;

int eval__track_seq_build(const gt_t *gt, const gt_t *res,
                          const eval_track_options_t *o,
                          eval__track_seq_t *s, eval_track_result_t *r,
                          avp_error_t *err);
void eval__track_seq_fini(eval__track_seq_t *s);
/* The IoU matrix of frame f (gt rows x tracker columns) in s->sim, as
 * TrackEval's box IoU; returns s->sim. */
const double *eval__track_seq_iou(eval__track_seq_t *s, size_t f);

/* track_hota.c, track_clear.c: one metric family each, on a built
 * sequence, into r; each treats a side without boxes as TrackEval does. */
int eval__track_hota(eval__track_seq_t *s, eval__lsa_t *lsa,
                     eval_track_result_t *r);
int eval__track_clear(eval__track_seq_t *s, eval__lsa_t *lsa,
                      eval_track_result_t *r);
int eval__track_identity(eval__track_seq_t *s, eval__lsa_t *lsa,
                         eval_track_result_t *r, avp_error_t *err);

/* tide.c: what TIDE's AP recomputations need. One record per detection
 * kept (the best 100 per image, not in an ignore region), in image order
 * then score order: its class, score, kind (-1: true positive, else its
 * eval_tide_error_t) and, for the one Loc or Cls error per ground-truth
 * box that fixing turns into a true positive, the class it becomes a true
 * positive of (fix_cls, else -1). Per class: ground truth (npos), its
 * unmatched part (fn) and the error counts (count[class x main type]).
 * The caller allocates dets (d->det.n + 1) and zeroes the counts. */
typedef struct eval__tide_det {
    int32_t cls, fix_cls;
    double score;
    int8_t kind;
    uint32_t det; /* d->det.v position */
    int64_t gt;   /* an error's nearest ground truth (d->gt.v), -1: none */
    double iou;   /* with it */
} eval__tide_det_t;

/* miss: the d->gt.v positions of the Misses (caller allocates d->gt.n +
 * 1). */
typedef struct eval__tide {
    eval__tide_det_t *dets;
    size_t n;
    int64_t *npos, *fn, *count;
    uint32_t *miss;
    size_t nmiss;
} eval__tide_t;

void eval__tide_collect(const eval_data_t *d, eval__tide_t *t);

#endif
