/* fuzz_coco_json.c - libFuzzer target for the COCO files of `avp eval`
 * (coco_reader.c, coco_json.c): arbitrary bytes as ground truth or as
 * results, read whole and again in small chunks. Beyond crashes and leaks
 * it requires that chunking changes nothing: the same code, the same
 * message after its "line L column C: " place (yajl places a bad token cut
 * between chunks at the chunk's start), the same boxes. What loads is
 * evaluated, so that any data the reader accepts is data eval_run()
 * survives.
 *
 * The first byte picks the mode: even - ground truth; odd - results
 * against a fixed ground truth. The second byte is the chunk size.
 * Build with clang: cmake -DAVP_FUZZ=ON -DAVP_SANITIZE=ON; seeds in
 * tests/fuzz-corpus/fuzz_coco_json. */
#include "eval/coco_reader.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_gt[] =
    "{\"images\": [{\"id\": 1}, {\"id\": 2}], \"categories\": [{\"id\": 1},"
    " {\"id\": 2}], \"annotations\": [{\"id\": 1, \"image_id\": 1, "
    "\"category_id\": 1, \"bbox\": [0, 0, 10, 10]}, {\"id\": 2, "
    "\"image_id\": 2, \"category_id\": 2, \"bbox\": [5, 5, 50, 40], "
    "\"iscrowd\": 1}]}";

static void require(int ok, const char *what, const char *a, const char *b)
{
    if (!ok) {
        fprintf(stderr, "%s: '%s' vs '%s'\n", what, a, b);
        abort();
    }
}

/* Reads text into a new eval_data_t in chunks of `chunk` bytes (0: at
 * once); *out is the data when the text loads, else NULL. */
static int read_text(eval__coco_kind_t kind, const char *text, size_t len,
                     size_t chunk, eval_data_t **out, avp_error_t *err)
{
    eval_data_t *d = eval_data_create();
    if (kind == EVAL__COCO_RESULTS &&
        eval_parse_coco_gt(d, fixed_gt, strlen(fixed_gt), err))
        abort();
    eval__coco_reader_t *r = eval__coco_reader_create(d, kind, NULL);
    int rc = AVP_OK;
    for (size_t at = 0; !rc && at < len; at += chunk ? chunk : len) {
        size_t n = chunk && len - at > chunk ? chunk : len - at;
        rc = eval__coco_reader_feed(r, text + at, n, err);
    }
    if (!rc)
        rc = eval__coco_reader_finish(r, err);
    eval__coco_reader_destroy(r);
    if (rc) {
        eval_data_destroy(d);
        d = NULL;
    }
    *out = d;
    return rc;
}

/* The message without its place. */
static const char *unplaced(const char *msg)
{
    const char *p = strstr(msg, ": ");
    return p ? p + 2 : msg;
}

/* Evaluates what loaded; only inconsistent ids may fail. */
static eval_result_t *evaluate(eval_data_t *d, int *rc)
{
    eval_options_t opt;
    eval_options_default(&opt);
    eval_result_t *r = NULL;
    avp_error_t err = {0};
    *rc = eval_run(d, &opt, &r, &err);
    require(*rc == AVP_OK || *rc == AVP_EFORMAT || *rc == AVP_EUNSUPPORTED,
            "eval_run", err.msg, "");
    return r;
}

/* Both readings hold the same boxes: they evaluate the same. */
static void compare(eval_data_t *whole, eval_data_t *cut)
{
    int rc1, rc2;
    eval_result_t *a = evaluate(whole, &rc1), *b = evaluate(cut, &rc2);
    require(rc1 == rc2, "evaluation of a chunked read", "", "");
    if (a)
        require(a->num_gt == b->num_gt && a->num_det == b->num_det &&
                    a->num_classes == b->num_classes &&
                    !memcmp(a->coco_stats, b->coco_stats,
                            sizeof(a->coco_stats)),
                "numbers of a chunked read", "", "");
    eval_result_destroy(a);
    eval_result_destroy(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    eval__coco_kind_t kind = data[0] & 1 ? EVAL__COCO_RESULTS : EVAL__COCO_GT;
    size_t chunk = 1 + data[1] % 16;
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    eval_data_t *whole = NULL, *cut = NULL;
    avp_error_t e1 = {0}, e2 = {0};
    int rc1 = read_text(kind, text, len, 0, &whole, &e1);
    int rc2 = read_text(kind, text, len, chunk, &cut, &e2);
    require(rc1 == rc2, "chunking changed the result", e1.msg, e2.msg);
    require(!strcmp(unplaced(e1.msg), unplaced(e2.msg)),
            "chunking changed the error", e1.msg, e2.msg);
    if (whole)
        compare(whole, cut);
    eval_data_destroy(whole);
    eval_data_destroy(cut);
    return 0;
}
