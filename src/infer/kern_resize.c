/* kern_resize.c - Resize of the last two dims (ONNX Resize / Upsample):
 * each output coordinate is mapped back to the input through the
 * coordinate transform, then rounded (nearest) or interpolated between
 * its two neighbours (linear), with coordinates clamped to the input as
 * onnxruntime does. One task per (image, channel) plane. */
#include "infer/kern_internal.h"

#include <math.h>
#include <string.h>

typedef struct resize_job {
    const kern_resize_t *p;
    const float *x;
    float *y;
    float scale_h, scale_w;
} resize_job_t;

/* Input coordinate of output index o along one axis. */
static float src_coord(kern_coord_mode_t mode, int o, float scale, int len_in,
                       int len_out)
{
    switch (mode) {
    case KERN_COORD_HALF_PIXEL:
        return ((float)o + 0.5f) / scale - 0.5f;
    case KERN_COORD_PYTORCH_HALF_PIXEL:
        return len_out > 1 ? ((float)o + 0.5f) / scale - 0.5f : 0.0f;
    case KERN_COORD_ALIGN_CORNERS:
        return len_out > 1 ? (float)o * (float)(len_in - 1) / (float)(len_out - 1)
                           : 0.0f;
    case KERN_COORD_ASYMMETRIC:
        return (float)o / scale;
    }
    return 0.0f;
}

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int nearest_index(kern_nearest_mode_t mode, float c, int len_in)
{
    float r;
    switch (mode) {
    case KERN_NEAREST_ROUND_PREFER_FLOOR: r = ceilf(c - 0.5f); break;
    case KERN_NEAREST_ROUND_PREFER_CEIL: r = floorf(c + 0.5f); break;
    case KERN_NEAREST_FLOOR: r = floorf(c); break;
    default: r = ceilf(c); break;
    }
    return clampi((int)r, 0, len_in - 1);
}

/* The two neighbours of coordinate c and the weight of the second. */
static void linear_taps(float c, int len_in, int *i0, int *i1, float *t)
{
    c = c < 0.0f ? 0.0f : c > (float)(len_in - 1) ? (float)(len_in - 1) : c;
    *i0 = (int)c;
    *i1 = *i0 + 1 < len_in ? *i0 + 1 : *i0;
    *t = c - (float)*i0;
}

/* Columns are mapped through a table built once per plane, a chunk of
 * COLS at a time (one chunk for any realistic width). */
#define COLS 1024

static void resize_nearest_plane(const resize_job_t *j, const float *in,
                                 float *out)
{
    const kern_resize_t *p = j->p;
    int src[COLS];
    for (int c0 = 0; c0 < p->w_out; c0 += COLS) {
        int n = p->w_out - c0 < COLS ? p->w_out - c0 : COLS;
        for (int i = 0; i < n; i++)
            src[i] = nearest_index(p->nearest, src_coord(p->coord, c0 + i,
                                   j->scale_w, p->w_in, p->w_out), p->w_in);
        int prev = -1;
        for (int oh = 0; oh < p->h_out; oh++) {
            float *o = out + (size_t)oh * p->w_out + c0;
            int ih = nearest_index(p->nearest, src_coord(p->coord, oh, j->scale_h,
                                   p->h_in, p->h_out), p->h_in);
            /* Upsampling repeats rows: copy the previous output row. */
            if (ih == prev) {
                memcpy(o, o - p->w_out, sizeof(float) * (size_t)n);
                continue;
            }
            const float *row = in + (size_t)ih * p->w_in;
            for (int i = 0; i < n; i++)
                o[i] = row[src[i]];
            prev = ih;
        }
    }
}

static void resize_linear_plane(const resize_job_t *j, const float *in,
                                float *out)
{
    const kern_resize_t *p = j->p;
    int w0[COLS], w1[COLS];
    float tw[COLS];
    for (int c0 = 0; c0 < p->w_out; c0 += COLS) {
        int n = p->w_out - c0 < COLS ? p->w_out - c0 : COLS;
        for (int i = 0; i < n; i++)
            linear_taps(src_coord(p->coord, c0 + i, j->scale_w, p->w_in, p->w_out),
                        p->w_in, &w0[i], &w1[i], &tw[i]);
        for (int oh = 0; oh < p->h_out; oh++) {
            int h0, h1;
            float th;
            linear_taps(src_coord(p->coord, oh, j->scale_h, p->h_in, p->h_out),
                        p->h_in, &h0, &h1, &th);
            const float *r0 = in + (size_t)h0 * p->w_in, *r1 = in + (size_t)h1 * p->w_in;
            float *o = out + (size_t)oh * p->w_out + c0;
            for (int i = 0; i < n; i++) {
                float top = r0[w0[i]] + (r0[w1[i]] - r0[w0[i]]) * tw[i];
                float bot = r1[w0[i]] + (r1[w1[i]] - r1[w0[i]]) * tw[i];
                o[i] = top + (bot - top) * th;
            }
        }
    }
}

static void resize_task(void *ctx, int task)
{
    const resize_job_t *j = ctx;
    const kern_resize_t *p = j->p;
    const float *in = j->x + (size_t)task * p->h_in * p->w_in;
    float *out = j->y + (size_t)task * p->h_out * p->w_out;
    if (p->mode == KERN_RESIZE_NEAREST)
        resize_nearest_plane(j, in, out);
    else
        resize_linear_plane(j, in, out);
}

void kern_resize(const kern_resize_t *p, const float *x, float *y, tpool_t *tp)
{
    /* A scale of 0 means "sizes were given": the scale is their ratio. */
    resize_job_t j = {p, x, y, p->scale_h, p->scale_w};
    if (j.scale_h <= 0.0f)
        j.scale_h = (float)p->h_out / (float)p->h_in;
    if (j.scale_w <= 0.0f)
        j.scale_w = (float)p->w_out / (float)p->w_in;
    tpool_run(tp, p->n * p->c, resize_task, &j);
}
