/* kern_eltwise.c - elementwise binary ops with numpy broadcasting, and the
 * unary ops. Broadcasting is reduced to rows: dims of size 1 are dropped
 * and neighbouring dims merged while both inputs stay contiguous (or stay
 * broadcast) across them, so what remains is an outer loop over rows and
 * an inner loop where each input is either a run or one repeated value. */
#include "infer/kern_internal.h"

#include <math.h>
#include <string.h>

/* The broadcast problem after merging: rows of `len` outputs; row r starts
 * at the offsets given by its index over dims[0..nd). */
typedef struct bin_job {
    kern_binop_t op;
    const float *a, *b;
    float *y;
    int nd;                 /* outer dims */
    int64_t dims[KERN_MAX_DIMS]; /* outer dims, innermost last */
    int64_t sa[KERN_MAX_DIMS], sb[KERN_MAX_DIMS];
    int64_t len, ia, ib;    /* row length; inner strides (0 or 1) */
    int64_t rows;
    int tasks;
} bin_job_t;

static inline __attribute__((always_inline)) float apply(kern_binop_t op,
                                                        float a, float b)
{
    switch (op) {
    case KERN_ADD: return a + b;
    case KERN_SUB: return a - b;
    case KERN_MUL: return a * b;
    case KERN_DIV: return a / b;
    case KERN_POW: return powf(a, b);
    }
    return 0.0f;
}

/* One loop per stride pattern so the compiler can vectorize each. */
static inline __attribute__((always_inline)) void
bin_loop(kern_binop_t op, const float *a, int64_t ia, const float *b,
         int64_t ib, float *y, int64_t n)
{
    if (ia && ib) {
        for (int64_t i = 0; i < n; i++)
            y[i] = apply(op, a[i], b[i]);
    } else if (ia) {
        float bv = b[0];
        for (int64_t i = 0; i < n; i++)
            y[i] = apply(op, a[i], bv);
    } else if (ib) {
        float av = a[0];
        for (int64_t i = 0; i < n; i++)
            y[i] = apply(op, av, b[i]);
    } else {
        float v = apply(op, a[0], b[0]);
        for (int64_t i = 0; i < n; i++)
            y[i] = v;
    }
}

static void bin_run(kern_binop_t op, const float *a, int64_t ia,
                    const float *b, int64_t ib, float *y, int64_t n)
{
    switch (op) {
    case KERN_ADD: bin_loop(KERN_ADD, a, ia, b, ib, y, n); break;
    case KERN_SUB: bin_loop(KERN_SUB, a, ia, b, ib, y, n); break;
    case KERN_MUL: bin_loop(KERN_MUL, a, ia, b, ib, y, n); break;
    case KERN_DIV: bin_loop(KERN_DIV, a, ia, b, ib, y, n); break;
    case KERN_POW: bin_loop(KERN_POW, a, ia, b, ib, y, n); break;
    }
}

/* Outputs [e0, e1) of the flattened result, row piece by row piece. */
static void bin_task(void *ctx, int task)
{
    const bin_job_t *j = ctx;
    size_t e0, e1;
    kern__range((size_t)(j->rows * j->len), j->tasks, task, &e0, &e1);
    for (int64_t e = (int64_t)e0; e < (int64_t)e1;) {
        int64_t row = e / j->len, col = e % j->len, rest = row;
        int64_t n = j->len - col < (int64_t)e1 - e ? j->len - col : (int64_t)e1 - e;
        int64_t oa = col * j->ia, ob = col * j->ib;
        for (int d = j->nd - 1; d >= 0; d--) {
            int64_t i = rest % j->dims[d];
            rest /= j->dims[d];
            oa += i * j->sa[d];
            ob += i * j->sb[d];
        }
        bin_run(j->op, j->a + oa, j->ia, j->b + ob, j->ib, j->y + e, n);
        e += n;
    }
}

/* Drops size-1 output dims and merges dims across which both inputs are
 * contiguous; leaves the innermost merged dim in len/ia/ib. */
static void bin_merge(bin_job_t *j, int ndim, const int64_t *a_dims,
                      const int64_t *b_dims, const int64_t *y_dims)
{
    int64_t sa = 1, sb = 1;
    j->nd = 0;
    j->len = 1;
    j->ia = j->ib = 0;
    int have_inner = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        int64_t n = y_dims[d];
        int64_t da = a_dims[d] == 1 ? 0 : sa, db = b_dims[d] == 1 ? 0 : sb;
        sa *= a_dims[d];
        sb *= b_dims[d];
        if (n == 1)
            continue;
        if (!have_inner) {
            j->len = n, j->ia = da, j->ib = db, have_inner = 1;
        } else if (j->nd == 0 && da == j->ia * j->len && db == j->ib * j->len) {
            j->len *= n; /* ia, ib stay 0 or 1 */
        } else if (j->nd > 0 && da == j->sa[0] * j->dims[0] &&
                   db == j->sb[0] * j->dims[0]) {
            j->dims[0] *= n;
        } else {
            memmove(j->dims + 1, j->dims, sizeof(int64_t) * (size_t)j->nd);
            memmove(j->sa + 1, j->sa, sizeof(int64_t) * (size_t)j->nd);
            memmove(j->sb + 1, j->sb, sizeof(int64_t) * (size_t)j->nd);
            j->dims[0] = n, j->sa[0] = da, j->sb[0] = db;
            j->nd++;
        }
    }
}

void kern_binary(kern_binop_t op, int ndim, const int64_t *a_dims,
                 const float *a, const int64_t *b_dims, const float *b,
                 const int64_t *y_dims, float *y, tpool_t *tp)
{
    bin_job_t j = {.op = op, .a = a, .b = b, .y = y};
    bin_merge(&j, ndim, a_dims, b_dims, y_dims);
    j.rows = 1;
    for (int d = 0; d < j.nd; d++)
        j.rows *= j.dims[d];
    j.tasks = kern__stream_tasks((size_t)(j.rows * j.len), tp);
    tpool_run(tp, j.tasks, bin_task, &j);
}

typedef struct un_job {
    kern_unop_t op;
    const float *x;
    float *y;
    size_t n;
    int tasks;
} un_job_t;

static void un_task(void *ctx, int task)
{
    const un_job_t *j = ctx;
    size_t b, e;
    kern__range(j->n, j->tasks, task, &b, &e);
    if (j->op == KERN_EXP) {
        kern__exp(j->x + b, j->y + b, e - b);
        return;
    }
    if (j->y != j->x)
        memcpy(j->y + b, j->x + b, sizeof(float) * (e - b));
    kern_act_params_t act = {KERN_ACT_NONE, 0.0f, 0.0f};
    if (j->op == KERN_SIGMOID_OP)
        act.act = KERN_ACT_SIGMOID;
    else if (j->op == KERN_RELU_OP)
        act.act = KERN_ACT_RELU;
    kern__bias_act(j->y + b, e - b, 0.0f, &act);
}

void kern_unary(kern_unop_t op, const float *x, float *y, size_t n, tpool_t *tp)
{
    un_job_t j = {op, x, y, n, kern__stream_tasks(n, tp)};
    tpool_run(tp, j.tasks, un_task, &j);
}
