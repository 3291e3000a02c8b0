/*
 * bench_kernels - times kern_conv2d() on every distinct conv shape of
 * YOLOX-Nano (416x416) and sums them, weighted by how often each occurs,
 * into the conv time of one frame: the number that decides whether the
 * runtime meets its budget. Prints ms and GFLOP/s per shape, per kind
 * (1x1, dense 3x3, depthwise) and in total.
 *
 * Usage: bench_kernels [--batch N] [--threads T] [--runs R] [--quiet]
 *                      [--only 1x1|dense|depthwise]
 * Each shape is run once to warm up, then R times; the median counts.
 */
#include "infer/kern_internal.h"
#include "util/avp.h"
#include "util/tpool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* c_in, h, w, c_out, k, stride, pad, groups, count in the network. */
static const int SHAPES[][9] = {
    {12, 208, 208, 16, 3, 1, 1, 1, 1},    {16, 208, 208, 16, 3, 2, 1, 16, 1},
    {16, 104, 104, 32, 1, 1, 0, 1, 1},    {32, 104, 104, 16, 1, 1, 0, 1, 2},
    {16, 104, 104, 16, 1, 1, 0, 1, 2},    {16, 104, 104, 16, 3, 1, 1, 16, 1},
    {32, 104, 104, 32, 1, 1, 0, 1, 1},    {32, 104, 104, 32, 3, 2, 1, 32, 1},
    {32, 52, 52, 64, 1, 1, 0, 1, 1},      {64, 52, 52, 32, 1, 1, 0, 1, 2},
    {32, 52, 52, 32, 1, 1, 0, 1, 8},      {32, 52, 52, 32, 3, 1, 1, 32, 4},
    {64, 52, 52, 64, 1, 1, 0, 1, 7},      {64, 52, 52, 64, 3, 2, 1, 64, 2},
    {128, 52, 52, 32, 1, 1, 0, 1, 2},     {64, 52, 52, 64, 3, 1, 1, 64, 4},
    {64, 52, 52, 80, 1, 1, 0, 1, 1},      {64, 52, 52, 4, 1, 1, 0, 1, 1},
    {64, 52, 52, 1, 1, 1, 0, 1, 1},       {64, 26, 26, 128, 1, 1, 0, 1, 1},
    {128, 26, 26, 64, 1, 1, 0, 1, 6},     {64, 26, 26, 64, 1, 1, 0, 1, 15},
    {64, 26, 26, 64, 3, 1, 1, 64, 9},     {128, 26, 26, 128, 1, 1, 0, 1, 3},
    {128, 26, 26, 128, 3, 2, 1, 128, 2},  {256, 26, 26, 64, 1, 1, 0, 1, 2},
    {64, 26, 26, 80, 1, 1, 0, 1, 1},      {64, 26, 26, 4, 1, 1, 0, 1, 1},
    {64, 26, 26, 1, 1, 1, 0, 1, 1},       {128, 13, 13, 256, 1, 1, 0, 1, 1},
    {256, 13, 13, 128, 1, 1, 0, 1, 6},    {512, 13, 13, 256, 1, 1, 0, 1, 1},
    {128, 13, 13, 128, 1, 1, 0, 1, 5},    {128, 13, 13, 128, 3, 1, 1, 128, 2},
    {256, 13, 13, 256, 1, 1, 0, 1, 2},    {256, 13, 13, 64, 1, 1, 0, 1, 1},
    {64, 13, 13, 64, 3, 1, 1, 64, 4},     {64, 13, 13, 64, 1, 1, 0, 1, 4},
    {64, 13, 13, 80, 1, 1, 0, 1, 1},      {64, 13, 13, 4, 1, 1, 0, 1, 1},
    {64, 13, 13, 1, 1, 1, 0, 1, 1},
};

enum { KIND_1X1, KIND_DENSE, KIND_DW, KINDS };
static const char *KIND_NAME[KINDS] = {"1x1", "dense", "depthwise"};

typedef struct opts {
    int batch, threads, runs, quiet;
    int only; /* a KIND_*, or -1 for all */
} opts_t;

static kern_conv_t conv_of(const int *s, int batch)
{
    kern_conv_t p = {.n = batch, .c_in = s[0], .h_in = s[1], .w_in = s[2],
                     .c_out = s[3], .k_h = s[4], .k_w = s[4],
                     .stride_h = s[5], .stride_w = s[5], .pad_top = s[6],
                     .pad_left = s[6], .pad_bottom = s[6], .pad_right = s[6],
                     .dil_h = 1, .dil_w = 1, .groups = s[7]};
    p.h_out = (s[1] + 2 * s[6] - s[4]) / s[5] + 1;
    p.w_out = (s[2] + 2 * s[6] - s[4]) / s[5] + 1;
    /* The prediction heads (80 classes, 4 box, 1 objectness) have no
     * activation; every other conv of YOLOX is followed by SiLU. */
    int head = s[4] == 1 && (s[3] == 80 || s[3] == 4 || s[3] == 1);
    p.act.act = head ? KERN_ACT_NONE : KERN_ACT_SILU;
    return p;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static float *random_buffer(size_t n)
{
    float *p = avp_try_malloc_aligned(n * sizeof(float) + 64);
    if (!p) {
        fprintf(stderr, "bench_kernels: out of memory\n");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (float)((i * 2654435761u) % 2001) / 1000.0f - 1.0f;
    return p;
}

/* Median wall and CPU seconds (all threads) of one kern_conv2d call. On a
 * shared machine the wall time includes waiting for a core; the CPU time
 * is the work itself. */
typedef struct timing {
    double wall, cpu;
} timing_t;

static timing_t time_conv(const kern_conv_t *p, const opts_t *o, tpool_t *tp)
{
    size_t nx = (size_t)p->n * p->c_in * p->h_in * p->w_in;
    size_t nw = (size_t)p->c_out * (p->c_in / p->groups) * p->k_h * p->k_w;
    size_t ny = (size_t)p->n * p->c_out * p->h_out * p->w_out;
    size_t ns = kern_conv2d_scratch(p, o->threads);
    float *x = random_buffer(nx), *w = random_buffer(nw);
    float *b = random_buffer((size_t)p->c_out), *y = random_buffer(ny);
    float *scratch = random_buffer(ns);
    double wall[64], cpu[64];
    int runs = o->runs < 64 ? o->runs : 64;
    kern_conv2d(p, x, w, b, y, scratch, tp);
    for (int r = 0; r < runs; r++) {
        double t0 = avp_now(), c0 = cpu_now();
        kern_conv2d(p, x, w, b, y, scratch, tp);
        wall[r] = avp_now() - t0;
        cpu[r] = cpu_now() - c0;
    }
    qsort(wall, (size_t)runs, sizeof(double), cmp_double);
    qsort(cpu, (size_t)runs, sizeof(double), cmp_double);
    avp_free_aligned(x), avp_free_aligned(w), avp_free_aligned(b);
    avp_free_aligned(y), avp_free_aligned(scratch);
    return (timing_t){wall[runs / 2], cpu[runs / 2]};
}

static int kind_named(const char *name)
{
    for (int k = 0; k < KINDS; k++)
        if (!strcmp(name, KIND_NAME[k]))
            return k;
    fprintf(stderr, "bench_kernels: --only takes 1x1, dense or depthwise\n");
    exit(2);
}

static opts_t parse(int argc, char **argv)
{
    opts_t o = {8, 2, 5, 0, -1};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            o.batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            o.threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            o.runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--quiet"))
            o.quiet = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            o.only = kind_named(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_kernels [--batch N] [--threads T] "
                            "[--runs R] [--only KIND] [--quiet]\n");
            exit(2);
        }
    }
    o.runs = o.runs < 1 ? 1 : o.runs;
    return o;
}

/* One summary line: wall and CPU ms per frame, GFLOP/s of each. */
static void summary(const char *name, timing_t t, double flop)
{
    printf("%-10s %8.2f ms/frame %6.1f GFLOP/s | cpu %8.2f ms/frame %6.1f GFLOP/s "
           "(%.0f MFLOP)\n", name, t.wall * 1e3, flop / t.wall / 1e9, t.cpu * 1e3,
           flop / t.cpu / 1e9, flop / 1e6);
}

int main(int argc, char **argv)
{
    opts_t o = parse(argc, argv);
    avp_error_t err;
    if (kern_init(&err) < 0) {
        fprintf(stderr, "bench_kernels: %s\n", err.msg);
        return 1;
    }
    tpool_t *tp = tpool_create(o.threads);
    timing_t kind_t[KINDS] = {{0, 0}}, total = {0, 0};
    double kind_flop[KINDS] = {0}, total_flop = 0;
    if (!o.quiet)
        printf("%-34s %5s %10s %8s %14s\n", "shape (cin,h,w->cout kxk/s g)",
               "count", "ms/frame", "GFLOP/s", "cpu ms/frame");
    for (size_t i = 0; i < AVP_ARRAY_LEN(SHAPES); i++) {
        const int *s = SHAPES[i];
        int kind = s[7] == s[0] ? KIND_DW : s[4] == 1 ? KIND_1X1 : KIND_DENSE;
        if (o.only >= 0 && kind != o.only)
            continue;
        kern_conv_t p = conv_of(s, o.batch);
        double flop = 2.0 * p.c_out * p.h_out * p.w_out * (p.c_in / p.groups) *
                      p.k_h * p.k_w * s[8];
        timing_t t = time_conv(&p, &o, tp);
        t.wall *= (double)s[8] / o.batch;
        t.cpu *= (double)s[8] / o.batch;
        kind_t[kind].wall += t.wall, kind_t[kind].cpu += t.cpu;
        total.wall += t.wall, total.cpu += t.cpu;
        kind_flop[kind] += flop;
        total_flop += flop;
        if (!o.quiet)
            printf("%4d,%3d,%3d -> %3d %dx%d/%d g%-3d      %5d %10.3f %8.1f %14.3f\n",
                   s[0], s[1], s[2], s[3], s[4], s[4], s[5], s[7], s[8],
                   t.wall * 1e3, flop / t.wall / 1e9, t.cpu * 1e3);
    }
    for (int k = 0; k < KINDS; k++)
        if (kind_flop[k] > 0)
            summary(KIND_NAME[k], kind_t[k], kind_flop[k]);
    summary("convs", total, total_flop);
    static const char *ISA[] = {"scalar", "avx2", "avx2 + avx512 activations"};
    printf("batch %d, %d threads, %s; cpu time is summed over threads, so with "
           "the cores to ourselves wall ~= cpu / threads\n",
           o.batch, o.threads, ISA[kern__isa()]);
    tpool_destroy(tp);
    return 0;
}
