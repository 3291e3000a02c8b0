/*
 * fuzz_fmt.h - what the ground-truth format fuzz targets share: parse the
 * input; when it parses, export it in the same format, parse that again
 * and require the same number of boxes (an export AVP cannot read back is
 * a bug, as is a crash, a leak or a half-built result).
 *
 * Build with clang: cmake -DAVP_FUZZ=ON -DAVP_SANITIZE=ON, then e.g.
 *   ./fuzz_fmt_coco -max_total_time=180 corpus/ $BUILD/fuzz_seeds/coco
 * (the unit tests write the seeds into $BUILD/fuzz_seeds/<format>/).
 */
#ifndef AVP_TESTS_FUZZ_FMT_H
#define AVP_TESTS_FUZZ_FMT_H

#include "gt/internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*fuzz_parse_fn)(const char *, size_t, const gt_io_options_t *,
                             gt_t **, avp_error_t *);
typedef int (*fuzz_export_fn)(const gt_t *, const gt_io_options_t *, char **,
                              avp_error_t *);

static const char *const fuzz_names[] = {"person", "car", "dog"};
static const gt_io_options_t fuzz_opt = {
    .names = fuzz_names, .num_names = 3, .width = 640, .height = 480,
    .fps = 30};

static void fuzz_require(int ok, const char *what, const avp_error_t *err)
{
    if (!ok) {
        fprintf(stderr, "%s: %s\n", what, err ? err->msg : "");
        abort();
    }
}

static inline int fuzz_file_format(const uint8_t *data, size_t size,
                                   fuzz_parse_fn parse, fuzz_export_fn write)
{
    gt_t *g = (gt_t *)1, *back = NULL;
    avp_error_t err = {0};
    if (parse((const char *)data, size, &fuzz_opt, &g, &err) < 0) {
        fuzz_require(g == NULL, "failed parse left a result", NULL);
        return 0;
    }
    char *text = NULL;
    /* Listing millions of empty frames is correct but not what fuzzing
     * is for (and exceeds libFuzzer's memory limit). */
    if (gt_num_frames(g) > 100000) {
        gt_destroy(g);
        return 0;
    }
    fuzz_require(write(g, &fuzz_opt, &text, &err) == AVP_OK, "export", &err);
    fuzz_require(parse(text, strlen(text), &fuzz_opt, &back, &err) == AVP_OK,
                 "re-import of an export", &err);
    fuzz_require(gt_num_boxes(back) == gt_num_boxes(g), "box count", NULL);
    avp_free(text);
    gt_destroy(g);
    gt_destroy(back);
    return 0;
}

typedef int (*fuzz_parse_frame_fn)(gt_t *, int64_t, const char *, size_t,
                                   const gt_io_options_t *, const char *,
                                   avp_error_t *);
typedef int (*fuzz_export_frame_fn)(const gt_t *, const gt_box_t *, size_t,
                                    int64_t, const gt_io_options_t *, char **,
                                    avp_error_t *);

static inline int fuzz_frame_format(const uint8_t *data, size_t size,
                                    fuzz_parse_frame_fn parse,
                                    fuzz_export_frame_fn write)
{
    gt_t *g = gt_create(), *back = gt_create();
    gt_set_video(g, 640, 480, 30, 0);
    gt_set_video(back, 640, 480, 30, 0);
    avp_error_t err = {0};
    if (parse(g, 0, (const char *)data, size, &fuzz_opt, "in", &err) ==
        AVP_OK) {
        char *text = NULL;
        fuzz_require(write(g, gt_boxes(g), gt_num_boxes(g), 0, &fuzz_opt,
                           &text, &err) == AVP_OK, "export", &err);
        fuzz_require(parse(back, 0, text, strlen(text), &fuzz_opt, "out",
                           &err) == AVP_OK, "re-import of an export", &err);
        fuzz_require(gt_num_boxes(back) == gt_num_boxes(g), "box count",
                     NULL);
        avp_free(text);
    }
    gt_destroy(g);
    gt_destroy(back);
    return 0;
}

#endif
