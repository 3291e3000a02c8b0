/* kern_conv.c - 2D convolution as GEMM. The output of each (image, group)
 * is cut into column blocks; a task takes blocks from a shared counter,
 * builds the block's im2col matrix in its own slice of the scratch (1x1
 * stride-1 unpadded convs read the input directly), and multiplies: with
 * packed weights on an AVX-512 CPU, kern_gemm.c's GEMM with bias,
 * activation and residual in its epilogue; otherwise single-threaded
 * sgemm (one call per chunk of output channels, see SMALL_GEMM_MNK), then
 * bias + activation while the block is hot. Depthwise convs go to
 * kern_depthwise.c. */
#include "infer/kern_internal.h"

#include <stdatomic.h>
#include <string.h>

/* Block sizes in floats, chosen so a block's operands stay in L2: the
 * im2col matrix of a block, and a 1x1 block's input plus output columns.
 * On YOLOX-Nano's stem, im2col blocks of 32K floats (one output row) beat
 * 96K and more by ~15%; 1x1 blocks from 32K to 512K measured the same. */
#define IM2COL_BLOCK_FLOATS (32 * 1024)
#define DIRECT_BLOCK_FLOATS (128 * 1024)

/* kern_gemm.c's blocks: the b operand of a block (k x columns) kept
 * within L2 beside the weights, and at least this many columns, so that
 * its 48-column tiles are mostly full. */
#define GEMM_BLOCK_FLOATS (64 * 1024)
#define GEMM_MIN_COLS 96

/* OpenBLAS (0.3.x, AVX-512 builds) sends a GEMM with M*N*K <= 1e6 and 8,
 * 16 or 32 output rows to its small-matrix kernel, which skips packing
 * and the beta pass; on YOLOX's 1x1 shapes that ran 1.2-1.5x faster than
 * the packed path. So when a group's output channels come in such chunks,
 * blocks are sized for that limit and each block's GEMM is issued as one
 * call per chunk of rows. With another BLAS this only costs a few calls. */
#define SMALL_GEMM_MNK 1000000

typedef struct conv_job {
    const kern_conv_t *p;
    const float *x, *w, *bias;
    float *y, *scratch;
    int direct;          /* 1x1 GEMM straight on the input */
    int gemm;            /* kern__gemm() on the packed weights */
    int direct3;         /* kern__conv3x3_rows(), no im2col */
    int k;               /* GEMM depth: c_in/groups * k_h * k_w */
    int m_chunk;         /* output channels per sgemm call */
    int block;           /* rows (im2col) or columns (direct) per unit */
    int blocks;          /* units per (image, group) */
    int units, tasks;
    size_t slot_floats;  /* scratch per task */
    atomic_int next;
} conv_job_t;

static int ceil_div(int a, int b)
{
    return (a + b - 1) / b;
}

static int is_depthwise(const kern_conv_t *p)
{
    return p->groups == p->c_in && p->groups == p->c_out &&
           kern__depthwise_fits(p);
}

static int is_direct(const kern_conv_t *p)
{
    return p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 &&
           p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
           p->pad_bottom == 0 && p->pad_right == 0;
}

static int gemm_depth(const kern_conv_t *p)
{
    return p->c_in / p->groups * p->k_h * p->k_w;
}

/* Output channels per sgemm call for the small-matrix kernel, 0 if the
 * group's channels do not come in such chunks. */
static int small_m_chunk(const kern_conv_t *p)
{
    int cog = p->c_out / p->groups;
    for (int m = 32; m >= 8; m /= 2)
        if (cog % m == 0)
            return m;
    return 0;
}

static int small_gemm(const kern_conv_t *p)
{
    return small_m_chunk(p) > 0;
}

/* Output rows per im2col block for the sgemm path (gemm 0) or
 * kern_gemm.c's (gemm 1); depends on the shape only, so the scratch the
 * planner reserves always fits. */
static int im2col_rows(const kern_conv_t *p, int gemm)
{
    int rows;
    if (gemm) {
        int cols = GEMM_BLOCK_FLOATS / gemm_depth(p);
        rows = ceil_div(cols > GEMM_MIN_COLS ? cols : GEMM_MIN_COLS, p->w_out);
    } else {
        int cols = small_gemm(p) ? SMALL_GEMM_MNK / small_m_chunk(p) : IM2COL_BLOCK_FLOATS;
        rows = cols / gemm_depth(p) / p->w_out;
    }
    if (rows < 1)
        rows = 1;
    return rows < p->h_out ? rows : p->h_out;
}

/* The packed path runs only where the weights were packed at load and
 * the CPU (as capped now) has AVX-512. */
static int use_gemm(const kern_conv_t *p)
{
    return p->packed && !is_depthwise(p) && kern__gemm_usable();
}

size_t kern_conv2d_scratch(const kern_conv_t *p, int threads)
{
    if (is_depthwise(p) || is_direct(p))
        return 0;
    if (threads < 1)
        threads = 1;
    /* Either path may run: a test can cap the CPU after planning. */
    int r0 = im2col_rows(p, 0), r1 = im2col_rows(p, 1);
    return (size_t)threads * (size_t)gemm_depth(p) * (size_t)(r0 > r1 ? r0 : r1) *
           (size_t)p->w_out;
}

static size_t packed_per_group(const kern_conv_t *p)
{
    return kern__gemm_packed_floats(p->c_out / p->groups, gemm_depth(p));
}

size_t kern_conv2d_packed_floats(const kern_conv_t *p)
{
    if (is_depthwise(p) || !kern__gemm_usable())
        return 0;
    return (size_t)p->groups * packed_per_group(p);
}

void kern_conv2d_pack(const kern_conv_t *p, const float *w, float *packed)
{
    int cog = p->c_out / p->groups, k = gemm_depth(p);
    for (int g = 0; g < p->groups; g++)
        kern__gemm_pack(cog, k, w + (size_t)g * cog * k,
                        packed + (size_t)g * packed_per_group(p));
}

/* y[i] += r[i]: the residual on the sgemm path, after the activation. */
static void add_residual(float *y, const float *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] += r[i];
}

/* Columns [c0, c1) of one (image, group) through kern_gemm.c; x, y and
 * the offsets are the group's. */
static void gemm_unit(const conv_job_t *j, int g, size_t y_off, const float *b,
                      int ldb, int c0, int c1)
{
    const kern_conv_t *p = j->p;
    int cog = p->c_out / p->groups;
    kern_gemm_t gm = {
        .m = cog, .n = c1 - c0, .k = j->k,
        .packed = p->packed + (size_t)g * packed_per_group(p), .b = b,
        .bias = j->bias ? j->bias + (size_t)g * cog : NULL,
        .res = p->residual ? p->residual + y_off + c0 : NULL,
        .ldb = (size_t)ldb, .ldy = (size_t)p->h_out * p->w_out,
        .y = j->y + y_off + c0, .act = p->act,
    };
    kern__gemm(&gm);
}

/* Output rows [r0, r1) of one image by the direct 3x3 kernel. */
static void direct3_unit(const conv_job_t *j, int img, int r0, int r1)
{
    const kern_conv_t *p = j->p;
    size_t y_off = (size_t)img * p->c_out * p->h_out * p->w_out;
    kern_direct_t d = {
        .p = p, .x = j->x + (size_t)img * p->c_in * p->h_in * p->w_in,
        .packed = p->packed, .bias = j->bias,
        .res = p->residual ? p->residual + y_off : NULL, .y = j->y + y_off,
    };
    kern__conv3x3_rows(&d, r0, r1);
}

/* One unit: output columns [c0, c1) of one (image, group). */
static void conv_unit(conv_job_t *j, int unit, float *col)
{
    const kern_conv_t *p = j->p;
    int per_image = p->groups * j->blocks;
    int img = unit / per_image, g = unit % per_image / j->blocks;
    int blk = unit % j->blocks;
    if (j->direct3) {
        int r0 = blk * j->block;
        direct3_unit(j, img, r0, r0 + j->block < p->h_out ? r0 + j->block : p->h_out);
        return;
    }
    int cig = p->c_in / p->groups, cog = p->c_out / p->groups;
    int hw_in = p->h_in * p->w_in, hw_out = p->h_out * p->w_out;
    const float *x = j->x + ((size_t)img * p->c_in + (size_t)g * cig) * hw_in;
    size_t y_off = ((size_t)img * p->c_out + (size_t)g * cog) * hw_out;
    float *y = j->y + y_off;
    const float *w = j->w + (size_t)g * cog * j->k;
    const float *b;
    int c0, c1, ldb;
    if (j->direct) {
        c0 = blk * j->block;
        c1 = c0 + j->block < hw_out ? c0 + j->block : hw_out;
        b = x + c0;
        ldb = hw_in;
    } else {
        int r0 = blk * j->block;
        int r1 = r0 + j->block < p->h_out ? r0 + j->block : p->h_out;
        kern__im2col(p, x, r0, r1, col);
        c0 = r0 * p->w_out;
        c1 = r1 * p->w_out;
        b = col;
        ldb = c1 - c0;
    }
    if (j->gemm) {
        gemm_unit(j, g, y_off, b, ldb, c0, c1);
        return;
    }
    for (int m0 = 0; m0 < cog; m0 += j->m_chunk)
        kern__sgemm(j->m_chunk, c1 - c0, j->k, w + (size_t)m0 * j->k, j->k,
                    b, ldb, y + (size_t)m0 * hw_out + c0, hw_out);
    for (int m = 0; m < cog; m++) {
        kern__bias_act(y + (size_t)m * hw_out + c0, (size_t)(c1 - c0),
                       j->bias ? j->bias[g * cog + m] : 0.0f, &p->act);
        if (p->residual)
            add_residual(y + (size_t)m * hw_out + c0,
                         p->residual + y_off + (size_t)m * hw_out + c0,
                         (size_t)(c1 - c0));
    }
}

static void conv_task(void *ctx, int task)
{
    conv_job_t *j = ctx;
    float *col = j->scratch ? j->scratch + (size_t)task * j->slot_floats : NULL;
    for (;;) {
        int unit = atomic_fetch_add(&j->next, 1);
        if (unit >= j->units)
            return;
        conv_unit(j, unit, col);
    }
}

/* Picks the block size; with few images (batch 1) blocks are halved until
 * every thread has about two units, so no core idles. */
static void plan_blocks(conv_job_t *j, int threads)
{
    const kern_conv_t *p = j->p;
    int total = j->direct ? p->h_out * p->w_out : p->h_out;
    int min_block = j->direct ? 32 : 1;
    if (j->direct && j->gemm) {
        j->block = GEMM_BLOCK_FLOATS / j->k / 16 * 16;
        min_block = GEMM_MIN_COLS / 2;
        j->block = j->block < GEMM_MIN_COLS ? GEMM_MIN_COLS : j->block;
    } else if (j->direct) {
        j->block = small_gemm(p) ? SMALL_GEMM_MNK / (j->m_chunk * j->k) / 16 * 16
                                 : DIRECT_BLOCK_FLOATS / (j->k + p->c_out / p->groups);
        j->block = j->block < 32 ? 32 : j->block;
    } else {
        /* The direct 3x3 kernel's rows need no scratch; blocks of the
         * im2col size only bound how work is split. */
        j->block = im2col_rows(p, j->gemm);
    }
    for (;;) {
        j->blocks = ceil_div(total, j->block);
        j->units = p->n * p->groups * j->blocks;
        if (j->units >= 2 * threads || j->block / 2 < min_block)
            break;
        j->block = ceil_div(j->block, 2);
    }
    j->tasks = j->units < threads ? j->units : threads;
}

void kern_conv2d(const kern_conv_t *p, const float *x, const float *w,
                 const float *bias, float *y, float *scratch, tpool_t *tp)
{
    if (is_depthwise(p)) {
        kern__depthwise(p, x, w, bias, y, tp);
        if (p->residual)
            add_residual(y, p->residual, (size_t)p->n * p->c_out * p->h_out * p->w_out);
        return;
    }
    conv_job_t j = {.p = p, .x = x, .w = w, .bias = bias, .y = y,
                    .direct = is_direct(p), .gemm = use_gemm(p), .k = gemm_depth(p),
                    .direct3 = use_gemm(p) && kern__conv3x3_fits(p),
                    .m_chunk = small_gemm(p) ? small_m_chunk(p) : p->c_out / p->groups};
    plan_blocks(&j, tpool_threads(tp));
    if (!j.direct && !j.direct3) {
        j.scratch = scratch;
        j.slot_floats = (size_t)j.k * (size_t)im2col_rows(p, j.gemm) * (size_t)p->w_out;
    }
    atomic_init(&j.next, 0);
    tpool_run(tp, j.tasks, conv_task, &j);
}
