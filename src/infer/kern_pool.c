/* kern_pool.c - MaxPool 2D. The max over a window is taken separably:
 * first down the window's rows into a line buffer (one per input column),
 * then across the line; a tap is valid exactly when its row and its column
 * are, so this equals the 2D max over the valid taps and costs k_h + k_w
 * per output instead of k_h * k_w (YOLOX's SPP pools with 13x13). */
#include "infer/kern_internal.h"

#include <math.h>

/* Widest input row the line buffer on the stack holds; wider rows take the
 * direct 2D loop. */
#define LINE_MAX 2048

typedef struct pool_job {
    const kern_pool_t *p;
    const float *x;
    float *y;
} pool_job_t;

/* Max down the window of output row oh, for every input column. */
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

static void pool_row_max(const kern_pool_t *p, const float *line, float *out)
{
    for (int ow = 0; ow < p->w_out; ow++) {
        float m = -INFINITY;
        for (int kw = 0; kw < p->k_w; kw++) {
            int iw = ow * p->stride_w - p->pad_left + kw * p->dil_w;
            if (iw >= 0 && iw < p->w_in && line[iw] > m)
                m = line[iw];
        }
        out[ow] = m;
    }
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
    float line[LINE_MAX];
    for (int oh = 0; oh < p->h_out; oh++, out += p->w_out) {
        if (p->w_in <= LINE_MAX) {
            pool_column_max(p, in, oh, line);
            pool_row_max(p, line, out);
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
