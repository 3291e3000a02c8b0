/*
 * gt.h - ground truth of a video (boxes per frame, object tracks), the
 * tracker that makes auto ground truth from detections, and the file
 * formats ground truth is imported from and exported to. Evaluation and
 * device sessions (eval/eval.h) score against it.
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
 * Thread model: a gt_t and a tracker are used by one thread at a time;
 * distinct objects are independent.
 */
#ifndef AVP_GT_GT_H
#define AVP_GT_GT_H

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
    GT_TRUNCATED = 1u << 3,
    GT_CROWD = 1u << 4      /* COCO iscrowd: a region of many objects */
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
 * (1 for human and imported boxes). track_id < 0 means "in no track".
 * area is the object's own area when its source gives one other than
 * w * h (COCO's segment area, which decides its small/medium/large
 * range); 0 means w * h. */
typedef struct gt_box {
    int64_t frame;
    double t;
    int label;
    double x, y, w, h;
    double score;
    unsigned flags;
    gt_source_t source;
    int64_t track_id;
    double area;
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

/* The annotated frames, when they are not every frame 0 .. num_frames - 1
 * (the default): first, first + step, ... up to last. A frame of the set
 * without boxes is a real negative; a frame outside it was never looked
 * at (a CVAT task over part of a video, or every third frame). first >= 0,
 * last >= first, step >= 1, last < GT_MAX_FRAMES, else AVP_EINVAL.
 * Raises num_frames to last + 1. */
int gt_set_frames(gt_t *g, int64_t first, int64_t last, int64_t step,
                  avp_error_t *err);
/* The annotated frames when they are not evenly spaced (a COCO or
 * Datumaro file annotating frames 0, 2, 4, 5): frames[0..n) strictly
 * increasing, each in [0, GT_MAX_FRAMES), n >= 1, else AVP_EINVAL. An
 * evenly spaced list is kept as gt_set_frames would (step >= 1). Raises
 * num_frames to the last + 1. */
int gt_set_frame_list(gt_t *g, const int64_t *frames, size_t n,
                      avp_error_t *err);
/* Gives dst the frame set of src, if it has one (gt_has_frame_set). */
void gt_copy_frame_set(gt_t *dst, const gt_t *src);
/* The frame set as above (every frame: 0, num_frames - 1, 1); step 0 when
 * it is a list (gt_set_frame_list), first and last then its ends. */
void gt_frames(const gt_t *g, int64_t *first, int64_t *last, int64_t *step);
/* The set's frames when they are not evenly spaced (owned by g, *n of
 * them), NULL when gt_frames describes it. */
const int64_t *gt_frame_list(const gt_t *g, size_t *n);
/* 1 if the set was given (gt_set_frames, gt_set_frame_list: the file said
 * which frames it annotated), 0 if it is every frame by default (a MOT
 * file says only where its boxes are). */
int gt_has_frame_set(const gt_t *g);
int64_t gt_num_annotated_frames(const gt_t *g);
int gt_is_annotated_frame(const gt_t *g, int64_t frame);
/* The first annotated frame after frame (gt_frame_after(g, -1): the
 * first), -1 past the last: for (f = gt_frame_after(g, -1); f >= 0;
 * f = gt_frame_after(g, f)) visits the set in order. O(1), or O(log n)
 * for a list. */
int64_t gt_frame_after(const gt_t *g, int64_t frame);

/* What an import read but did not take as a box (a polygon, a skeleton) or
 * took with a change (a MOT row marked ignore kept as difficult), counted
 * by kind so that it can be reported instead of lost silently. kind is
 * copied; adding to a known kind adds to its count. */
void gt_note(gt_t *g, const char *kind, int64_t n);
size_t gt_num_notes(const gt_t *g);
/* Kind i (< gt_num_notes, in first-noted order), owned by g; its count in
 * *n. */
const char *gt_note_kind(const gt_t *g, size_t i, int64_t *n);

/* What a source file called a frame and its label, kept so that an export
 * writes it back (COCO's image id, file name and size; a YOLO or VOC
 * file's name): an id of GT_NO_ID, a NULL name or a 0 size means "not
 * given", and exporters then make one up from the frame number. name is
 * copied; a frame given again replaces what it had. AVP_EINVAL for a
 * frame outside [0, GT_MAX_FRAMES). */
#define GT_NO_ID INT64_MIN
typedef struct gt_frame_info {
    int64_t id;
    const char *name; /* owned by g */
    int width, height;
} gt_frame_info_t;
int gt_set_frame_info(gt_t *g, int64_t frame, int64_t id, const char *name,
                      int width, int height, avp_error_t *err);
/* Fills *out for frame (GT_NO_ID, NULL, 0, 0 when nothing was given);
 * returns 1 if something was. */
int gt_frame_info(const gt_t *g, int64_t frame, gt_frame_info_t *out);
/* The source's id of a label (COCO's category id), GT_NO_ID if none. */
void gt_set_label_id(gt_t *g, int label, int64_t id);
int64_t gt_label_id(const gt_t *g, int label);

/* Returns the index of label name, adding it if new (names are compared
 * exactly; the table keeps insertion order). */
int gt_label(gt_t *g, const char *name);
/* Returns the index of name or -1. */
int gt_find_label(const gt_t *g, const char *name);
int gt_num_labels(const gt_t *g);
const char *gt_label_name(const gt_t *g, int label); /* owned by g */

/* Adds a copy of *b. AVP_EFORMAT (err says which field) for a frame
 * outside [0, GT_MAX_FRAMES), non-finite numbers, w or h <= 0, an area
 * < 0, an unknown label, unknown flags or source, or a score outside
 * [0, 1]. */
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
    GT_FORMAT_YOLO, /* a folder of .txt, frames in name order (data.yaml) */
    GT_FORMAT_VOC,  /* a folder of .xml, Pascal VOC, frames in name order */
    GT_FORMAT_CVAT, /* CVAT 1.1 XML: for video (tracks), for images (read) */
    GT_FORMAT_MOT,  /* MOTChallenge CSV, 9 or 10 columns */
    GT_FORMAT_DATUMARO /* Datumaro JSON: items, bbox annotations */
} gt_format_t;

/* "avp", "coco", "yolo", "voc", "cvat", "mot", "datumaro" -> *out;
 * AVP_EINVAL else. */
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
    /* YOLO import: data.yaml is looked for in the folder and up to this
     * many folders above it (ultralytics' dataset/data.yaml beside
     * dataset/train/labels/ is 2); MOT import: seqinfo.ini beside the
     * file's folder, and with 1 or more in the one above (SEQ/gt/gt.txt).
     * 0: the folder only, as for an upload, whose parents are the
     * server's. */
    int yaml_levels_up;
    /* An archive is extracted into a new folder under this one (NULL:
     * $TMPDIR or /tmp); the server gives its data directory's. */
    const char *tmp_dir;
    /* YOLO and VOC datasets with splits (Roboflow's train/, valid/,
     * test/; ultralytics' data.yaml naming a folder or a .txt list of
     * images per split): the split to read. NULL: the dataset must hold
     * one folder of frame files, else the import names those it found. */
    const char *split;
} gt_io_options_t;

/* Imports path (a file, or a folder for YOLO and VOC) into a new gt in
 * *out (NULL on failure), with its frame set (gt_frames) and by kind what
 * it did not take as a plain box (gt_note): docs/METRICS.md. */
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
int gt_parse_datumaro(const char *text, size_t len,
                      const gt_io_options_t *o, gt_t **out, avp_error_t *err);
int gt_parse_yolo_frame(gt_t *g, int64_t frame, const char *text, size_t len,
                        const gt_io_options_t *o, const char *where,
                        avp_error_t *err);
int gt_parse_voc_frame(gt_t *g, int64_t frame, const char *text, size_t len,
                       const gt_io_options_t *o, const char *where,
                       avp_error_t *err);

/* Archives (archive.c, libarchive): .zip, .tar and .tar.gz as CVAT,
 * Roboflow, ultralytics and the COCO, VOC and MOT tools export them.
 * gt_import reads one in place of a file or folder (gt_is_archive). */
#define GT_ARCHIVE_MAX_ENTRIES 200000
#define GT_ARCHIVE_MAX_BYTES (4ULL << 30)
/* 1 if path is a regular file that starts like a zip, tar or gzip. */
int gt_is_archive(const char *path);
/* Extracts the regular files of an archive (a file, or len bytes at data)
 * into the existing folder dir, keeping their relative folders. AVP_EFORMAT
 * (err names the entry) for an absolute name or one with a ".."
 * component, a link or special file, a name that comes twice, more than
 * GT_ARCHIVE_MAX_ENTRIES entries or GT_ARCHIVE_MAX_BYTES uncompressed, or
 * a damaged archive; what was extracted stays for gt_remove_tree. */
int gt_archive_extract(const char *path, const char *dir, avp_error_t *err);
int gt_archive_extract_mem(const void *data, size_t len, const char *dir,
                           avp_error_t *err);
/* Removes dir and everything under it, following no links. Best effort. */
void gt_remove_tree(const char *dir);
/* Imports ground truth from a folder holding one dataset somewhere in it
 * (an extracted archive): the format's file is looked for by name
 * (CVAT's annotations.xml, MOT's gt.txt, the one .json of COCO or AVP)
 * and YOLO's or VOC's the one folder of frame files; AVP_EFORMAT naming
 * what was found when it is not exactly one. */
int gt_import_tree(gt_format_t f, const char *dir, const gt_io_options_t *o,
                   gt_t **out, avp_error_t *err);

/* Reads `avp detect` JSONL ({"frame", "t", "label", "score", "box":
 * [x1, y1, x2, y2]} per line) into a new gt of model boxes without
 * tracks. Errors name the line. */
int gt_parse_detect_jsonl(const char *text, size_t len, gt_t **out,
                          avp_error_t *err);

#endif
