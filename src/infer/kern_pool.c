/* kern_pool.c - MaxPool 2D. The max over a window is taken separably:
 * first down the window's rows into a line buffer (one per input column),
 * then across the line; a tap is valid exactly when its row and its column
 * are, so this equals the 2D max over the valid taps and costs k_h + k_w
 * per output instead of k_h * k_w (YOLOX's SPP pools with 13x13). */
#include "infer/kern_internal.h"
#include "util/avp.h"

#include <math.h>

/* The line buffer on the stack: input rows up to LINE_MAX wide plus the
 * padding on both sides; wider rows take the direct 2D loop. */
#define LINE_MAX 2048
#define LINE_PAD 64

typedef struct pool_job {
    const kern_pool_t *p;
    const float *x;
    float *y;
} pool_job_t;

/* Max down the window of output row oh, for every input column, into
 * line[pad_left + iw]. */
static void pool_column_max(const kern_pool_t *p, const float *in, int oh,
                            float *line)
{
    for (int iw = 0; iw < p->w_in; iw++)
        line[iw] = -INFINITY;
    for (int kh = 0; kh < p->k_h; kh++) {
        int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
        if (ih < 0 || ih >= p->h_in)
            continue;
        const float *row = in + (size_t)ih * p->w_in;
        for (int iw = 0; iw < p->w_in; iw++)
            line[iw] = row[iw] > line[iw] ? row[iw] : line[iw];
    }
}

/* Max across the window; the line is padded with -inf, so no tap needs a
 * bounds check. */
static void pool_row_max(const kern_pool_t *p, const float *padded, float *out)
{
    for (int ow = 0; ow < p->w_out; ow++) {
        const float *t = padded + ow * p->stride_w;
        float m = t[0];
        for (int kw = 1; kw < p->k_w; kw++)
            m = t[kw * p->dil_w] > m ? t[kw * p->dil_w] : m;
        out[ow] = m;
    }
}

/* Floats of padded line pool_row_max reads. */
static int padded_len(const kern_pool_t *p)
{
    return (p->w_out - 1) * p->stride_w + (p->k_w - 1) * p->dil_w + 1;
}

static float pool_window_max(const kern_pool_t *p, const float *in, int oh,
                             int ow)
{
    float m = -INFINITY;
    for (int kh = 0; kh < p->k_h; kh++) {
        int ih = oh * p->stride_h - p->pad_top + kh * p->dil_h;
        if (ih < 0 || ih >= p->h_in)
            continue;
        for (int kw = 0; kw < p->k_w; kw++) {
            int iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
            float v = iw >= 0 && iw < p->w_in ? in[(size_t)ih * p->w_in + iw] : m;
            m = v > m ? v : m;
        }
    }
    return m;
}

static void pool_task(void *ctx, int task)
{
    const pool_job_t *j = ctx;
    const kern_pool_t *p = j->p;
    const float *in = j->x + (size_t)task * p->h_in * p->w_in;
    float *out = j->y + (size_t)task * p->h_out * p->w_out;
    float line[LINE_PAD + LINE_MAX + LINE_PAD];
    int fits = p->w_in <= LINE_MAX && p->pad_left <= LINE_PAD &&
               padded_len(p) <= LINE_PAD + LINE_MAX + LINE_PAD - (LINE_PAD - p->pad_left);
    if (fits) {
        for (size_t i = 0; i < AVP_ARRAY_LEN(line); i++)
            line[i] = -INFINITY;
    }
    float *cols = line + LINE_PAD; /* input column 0 */
    for (int oh = 0; oh < p->h_out; oh++, out += p->w_out) {
        if (fits) {
            pool_column_max(p, in, oh, cols);
            pool_row_max(p, cols - p->pad_left, out);
        } else {
            for (int ow = 0; ow < p->w_out; ow++)
                out[ow] = pool_window_max(p, in, oh, ow);
        }
    }
}

void kern_maxpool2d(const kern_pool_t *p, const float *x, float *y, tpool_t *tp)
{
    pool_job_t j = {p, x, y};
    tpool_run(tp, p->n * p->c, pool_task, &j);
}
