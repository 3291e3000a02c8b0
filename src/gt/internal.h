/* internal.h - what the ground-truth format files share; not API. */
#ifndef AVP_GT_INTERNAL_H
#define AVP_GT_INTERNAL_H

#include "gt.h"

#include <jansson.h>

/* Whole-file I/O; *text is NUL-terminated and freed with avp_free. */
int gt__read_file(const char *path, char **text, size_t *len,
                  avp_error_t *err);
int gt__write_file(const char *path, const char *text, avp_error_t *err);

/* t of a frame for formats without time stamps. */
double gt__time(const gt_io_options_t *o, int64_t frame);
/* Applies the options' non-zero video fields to g. */
void gt__apply_options(gt_t *g, const gt_io_options_t *o);
/* The 0-based class index of label in o->names, or -1. */
int gt__class_of(const gt_t *g, int label, const gt_io_options_t *o);

const char *gt__source_name(gt_source_t s);
int gt__source_parse(const char *name, gt_source_t *out);

/* Whole-file exporters: a text in *out (avp_free) or an error. */
int gt__export_avp(const gt_t *g, const gt_io_options_t *o, char **out,
                   avp_error_t *err);
int gt__export_coco(const gt_t *g, const gt_io_options_t *o, char **out,
                    avp_error_t *err);
int gt__export_cvat(const gt_t *g, const gt_io_options_t *o, char **out,
                    avp_error_t *err);
int gt__export_mot(const gt_t *g, const gt_io_options_t *o, char **out,
                   avp_error_t *err);
int gt__export_datumaro(const gt_t *g, const gt_io_options_t *o, char **out,
                        avp_error_t *err);
/* Per-frame exporters: boxes are the frame's n boxes. */
int gt__export_yolo_frame(const gt_t *g, const gt_box_t *boxes, size_t n,
                          int64_t frame, const gt_io_options_t *o,
                          char **out, avp_error_t *err);
int gt__export_voc_frame(const gt_t *g, const gt_box_t *boxes, size_t n,
                         int64_t frame, const gt_io_options_t *o,
                         char **out, avp_error_t *err);

/* jansson helpers that name the element on failure: path is a printf
 * prefix such as "annotations[3]". */
int gt__json_num(json_t *obj, const char *key, const char *path,
                 double *out, int required, avp_error_t *err);
int gt__json_str(json_t *obj, const char *key, const char *path,
                 const char **out, int required, avp_error_t *err);
int gt__json_parse_error(const json_error_t *je, avp_error_t *err);
/* Parses text as one JSON document and lets read fill a new gt from its
 * root; *out is the gt if both succeed, else NULL. */
typedef int (*gt__json_reader_fn)(gt_t *g, json_t *root,
                                  const gt_io_options_t *o, avp_error_t *err);
int gt__parse_json(const char *text, size_t len, gt__json_reader_fn read,
                   const gt_io_options_t *o, gt_t **out, avp_error_t *err);
/* A box's attributes as JSON members of obj (validated, difficult,
 * occluded, truncated booleans; source; track_id; score) and back; absent
 * members keep b's values. */
void gt__attrs_to_json(const gt_box_t *b, json_t *obj);
int gt__attrs_from_json(json_t *obj, const char *path, gt_box_t *b,
                        avp_error_t *err);
/* obj[key] as [x, y, w, h] (four numbers) into b. */
int gt__json_box(json_t *obj, const char *key, const char *path,
                 gt_box_t *b, avp_error_t *err);
/* Dumps root compactly with one element per line and frees it. */
int gt__json_dump(json_t *root, char **out, avp_error_t *err);

/* ---- folders of a file per frame (fmt.c) ---- */
typedef int (*gt__parse_frame_fn)(gt_t *, int64_t, const char *, size_t,
                                  const gt_io_options_t *, const char *,
                                  avp_error_t *);
/* The names of dir's files ending in ext (any, for NULL), not hidden, not
 * classes.txt, in byte order: *names[0 .. *n), gt__names_free. */
int gt__list_files(const char *dir, const char *ext, char ***names,
                   size_t *n, avp_error_t *err);
/* Parses dir/name as frame `frame` of g. */
int gt__import_frame_file(gt_t *g, const char *dir, const char *name,
                          int64_t frame, gt__parse_frame_fn parse,
                          const gt_io_options_t *o, avp_error_t *err);
/* An ultralytics or Roboflow images folder beside a labels folder
 * (fmt_yolo_images.c): the labels path with its last "labels" component
 * made "images", into images; 1 if that folder exists. */
int gt__yolo_images_dir(const char *labels, char *images, size_t size);
/* YOLO ground truth whose frames are the images (in name order), each
 * with the label file of its name if there is one: an image without one
 * is a background image, a real negative. A label file without an image
 * is refused. */
int gt__import_yolo_images(const char *labels, const char *images,
                           const gt_io_options_t *o, gt_t **out,
                           avp_error_t *err);
/* 1 if name is a list a YOLO dataset holds beside its label files
 * (classes.txt, train.txt, val.txt...), not a frame (fmt_tree.c). */
int gt__is_list_file(const char *name);
/* 1 if name ends like an image ultralytics reads (.jpg, .png...). */
int gt__yolo_is_image(const char *name);
/* Frame `frame` of g is image (its name, kept), with dir/label's boxes
 * when that file exists (else a background image). */
int gt__yolo_image_frame(gt_t *g, int64_t frame, const char *image,
                         const char *dir, const char *label,
                         const gt_io_options_t *o, avp_error_t *err);
/* A YOLO split that is a list of images (fmt_yolo_list.c): root/list,
 * read as ultralytics reads a data.yaml's `val: val.txt`, with the class
 * names of root/data.yaml. */
int gt__import_yolo_list(const char *root, const char *list,
                         const gt_io_options_t *o, gt_t **out,
                         avp_error_t *err);

/* A MOT file's sequence (fmt_seqinfo.c): the seqinfo.ini beside its
 * folder or one above (when o->yaml_levels_up allows looking up) gives g
 * its frame set (seqLength frames), frame rate and size; AVP_OK without
 * one. */
int gt__mot_seqinfo(const char *path, const gt_io_options_t *o, gt_t *g,
                    avp_error_t *err);

/* The class names of a YOLO dataset's data.yaml (fmt_yaml.c): *names[0 ..
 * *n) in class-index order, freed with gt__names_free. */
int gt__yaml_names(const char *path, char ***names, int *n,
                   avp_error_t *err);
/* The scalar value of a top-level key of a YAML file in *value (avp_free;
 * NULL when absent or not a scalar). */
int gt__yaml_value(const char *path, const char *key, char **value,
                   avp_error_t *err);
void gt__names_free(char **names, int n);

/* ---- XML (fmt_xml.c), through libxml2 ---- */
typedef struct _xmlNode gt__xml_node_t;
typedef struct gt__xml gt__xml_t;

/* Parses text (no network; a DTD is refused with AVP_EINVAL, so there are
 * no entities); the root element must be named root. Errors name the line.
 * The text readers below copy at most twice len in all. */
int gt__xml_parse(const char *text, size_t len, const char *root,
                  gt__xml_t **out, gt__xml_node_t **root_node,
                  avp_error_t *err);
/* Frees x; returns rc, or AVP_EINVAL if a read went over the budget (the
 * reader returned NULL). */
int gt__xml_done(gt__xml_t *x, int rc, avp_error_t *err);
/* The next element sibling named name starting at n itself (NULL: none);
 * first child: gt__xml_next(node->children, name). */
gt__xml_node_t *gt__xml_first(gt__xml_node_t *parent, const char *name);
gt__xml_node_t *gt__xml_next(gt__xml_node_t *n, const char *name);
long gt__xml_line(const gt__xml_node_t *n);
/* A number from a child element's text or from an attribute; where names
 * the element in messages. Optional ones keep *out when absent. */
int gt__xml_child_num(gt__xml_node_t *n, const char *child,
                      const char *where, double *out, int required,
                      avp_error_t *err);
int gt__xml_attr_num(gt__xml_node_t *n, const char *attr, const char *where,
                     double *out, int required, avp_error_t *err);
/* Text of an element, of a child element or of an attribute, copied
 * (avp_free); NULL if absent or over the budget. */
char *gt__xml_text(gt__xml_node_t *n);
char *gt__xml_child_text(gt__xml_node_t *n, const char *child);
char *gt__xml_attr(gt__xml_node_t *n, const char *attr);

#endif
