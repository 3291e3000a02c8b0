/*
 * bench_infer.c - times AVP's runtime on one model: load once, warm up,
 * then time `runs` calls of infer_model_run() on a full batch and print the
 * median, min and max in milliseconds per frame as one key=value line that
 * bench/infer/run reads. Also the median CPU time per frame (all threads of
 * the process): on a shared, overloaded machine wall time measures mostly
 * the scheduler's share, CPU time the work done.
 *
 * usage: bench_infer MODEL [--batch B] [--threads T] [--runs R] [--warmup W]
 *
 * The input is pseudo-random in 0..255 (the range YOLOX-Nano is fed); the
 * kernels do the same work whatever the pixel values are.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "infer/infer.h"

typedef struct bench_args {
    const char *model;
    int batch, threads, runs, warmup;
} bench_args_t;

static int parse_args(int argc, char **argv, bench_args_t *a)
{
    *a = (bench_args_t){NULL, 1, 2, 7, 2};
    for (int i = 1; i < argc; i++) {
        int *slot = !strcmp(argv[i], "--batch")     ? &a->batch
                    : !strcmp(argv[i], "--threads") ? &a->threads
                    : !strcmp(argv[i], "--runs")    ? &a->runs
                    : !strcmp(argv[i], "--warmup")  ? &a->warmup
                                                    : NULL;
        if (slot && i + 1 < argc)
            *slot = atoi(argv[++i]);
        else if (argv[i][0] != '-' && !a->model)
            a->model = argv[i];
        else
            return -1;
    }
    return a->model && a->batch > 0 && a->threads > 0 && a->runs > 0 ? 0 : -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void fill_input(infer_model_t *m)
{
    const infer_tensor_info_t *t = &infer_model_info(m)->inputs[0];
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= (size_t)t->dims[i];
    float *x = infer_model_input(m, 0);
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)(s >> 24);
    }
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Times the runs; ms[] and cpu_ms[] receive wall and CPU milliseconds per
 * frame of each run. */
static int time_runs(infer_model_t *m, const bench_args_t *a, double *ms, double *cpu_ms)
{
    avp_error_t err = {0};
    for (int i = 0; i < a->warmup + a->runs; i++) {
        double t0 = avp_now(), c0 = cpu_seconds();
        if (infer_model_run(m, a->batch, &err) != AVP_OK) {
            fprintf(stderr, "bench_infer: run: %s\n", err.msg);
            return -1;
        }
        if (i >= a->warmup) {
            ms[i - a->warmup] = (avp_now() - t0) * 1e3 / a->batch;
            cpu_ms[i - a->warmup] = (cpu_seconds() - c0) * 1e3 / a->batch;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    bench_args_t a;
    if (parse_args(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: bench_infer MODEL [--batch B] [--threads T] "
                        "[--runs R] [--warmup W]\n");
        return 2;
    }
    infer_options_t opt = {.batch = a.batch, .threads = a.threads};
    infer_model_t *m = NULL;
    avp_error_t err = {0};
    double t0 = avp_now();
    if (infer_model_load(a.model, &opt, &m, &err) != AVP_OK) {
        fprintf(stderr, "bench_infer: %s\n", err.msg);
        return 1;
    }
    double load_ms = (avp_now() - t0) * 1e3;
    fill_input(m);
    double *ms = malloc(2 * (size_t)a.runs * sizeof(double)), *cpu_ms = ms + a.runs;
    int rc = time_runs(m, &a, ms, cpu_ms);
    if (rc == 0) {
        const infer_info_t *info = infer_model_info(m);
        qsort(ms, (size_t)a.runs, sizeof(double), cmp_double);
        qsort(cpu_ms, (size_t)a.runs, sizeof(double), cmp_double);
        double med = ms[a.runs / 2];
        printf("avp batch=%d threads=%d runs=%d ms_per_frame=%.2f min=%.2f max=%.2f "
               "cpu_ms_per_frame=%.2f gflops=%.1f load_ms=%.0f arena_mb=%.1f\n",
               a.batch, a.threads, a.runs, med, ms[0], ms[a.runs - 1],
               cpu_ms[a.runs / 2], info->flops_per_frame / (med * 1e6), load_ms,
               (double)info->arena_bytes / (1 << 20));
    }
    free(ms);
    infer_model_destroy(m);
    return rc == 0 ? 0 : 1;
}
