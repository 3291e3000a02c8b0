/* bench_gt_import.c FORMAT PATH - gt_import of one file, timed without
 * process start and exit: prints {"seconds", "boxes", "frames"}. The
 * peak RSS of the whole process is measured by bench/eval/import_run. */
#include "gt/gt.h"

#include <stdio.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    gt_format_t f;
    if (argc != 3 || gt_format_parse(argv[1], &f) < 0) {
        fprintf(stderr, "usage: bench_gt_import coco|mot|... PATH\n");
        return 2;
    }
    gt_t *g;
    avp_error_t err;
    double t0 = now();
    if (gt_import(f, argv[2], NULL, &g, &err) < 0) {
        fprintf(stderr, "bench_gt_import: %s\n", err.msg);
        return 1;
    }
    double t1 = now();
    printf("{\"seconds\": %.4f, \"boxes\": %zu, \"frames\": %lld}\n",
           t1 - t0, gt_num_boxes(g), (long long)gt_num_annotated_frames(g));
    gt_destroy(g);
    return 0;
}
