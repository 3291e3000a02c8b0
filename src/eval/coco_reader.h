/* coco_reader.h - the streaming reader of COCO ground-truth and results
 * files (coco_reader.c); internal to src/eval, used by coco_json.c and the
 * fuzz target.
 *
 * The text is fed in chunks of any size; every element is added to the
 * eval_data_t as soon as its closing brace has been read, so memory does
 * not grow with the file, only with the boxes kept. Errors are AVP_EFORMAT
 * with the position of the token that revealed them: "NAME:LINE:COL: ..."
 * for a named file, "line LINE column COL: ..." for text, LINE and COL
 * counting from 1 (COL in bytes). After an error every call returns it
 * again. Thread model: one reader per thread. */
#ifndef AVP_EVAL_COCO_READER_H
#define AVP_EVAL_COCO_READER_H

#include "eval.h"

#include <stddef.h>
#include <stdint.h>

typedef enum eval__coco_kind {
    EVAL__COCO_GT,      /* {"images": [...], "categories": [...], ...} */
    EVAL__COCO_RESULTS  /* [{"image_id", "category_id", "bbox", "score"}] */
} eval__coco_kind_t;

typedef struct eval__coco_reader eval__coco_reader_t;

/* A reader adding to d (borrowed; the reader touches only d's images,
 * categories and ground truth, or only its detections). name (copied) is
 * the file named in errors; NULL or "" for text. */
eval__coco_reader_t *eval__coco_reader_create(eval_data_t *d,
                                              eval__coco_kind_t kind,
                                              const char *name);
void eval__coco_reader_destroy(eval__coco_reader_t *r); /* NULL: no-op */

/* The next len bytes of the text. */
int eval__coco_reader_feed(eval__coco_reader_t *r, const char *buf,
                           size_t len, avp_error_t *err);
/* End of the text: a document cut short is an error. */
int eval__coco_reader_finish(eval__coco_reader_t *r, avp_error_t *err);

/* coco_number.c: a JSON number token (valid per JSON's grammar, len >= 1)
 * as an integer (*i) or a double (*d), the values strtoll and strtod give;
 * returns which, or that the value is out of range. */
enum {
    EVAL__NUM_INT = 1,
    EVAL__NUM_DOUBLE,
    EVAL__NUM_INT_OVERFLOW,
    EVAL__NUM_DOUBLE_OVERFLOW
};
int eval__json_number(const char *s, size_t len, int64_t *i, double *d);

#endif
