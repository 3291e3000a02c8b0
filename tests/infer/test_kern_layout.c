/* Tests for kern_layout.c: transpose, concat, slice (with negative steps
 * and YOLOX's focus slices), split and gather, each on hand-computed
 * values and on random tensors against index-by-index references. */
#include "check.h"
#include "infer/kernels.h"
#include "kern_ref.h"
#include "util/avp.h"

#include <string.h>

static void test_kern_transpose_hand_and_ref(void)
{
    /* [2,3] -> [3,2]. */
    const float x[6] = {1, 2, 3, 4, 5, 6};
    const int64_t d[2] = {2, 3};
    const int perm2[2] = {1, 0};
    float y[6];
    kern_transpose(2, d, perm2, x, y);
    const float want[6] = {1, 4, 2, 5, 3, 6};
    CHECK(memcmp(y, want, sizeof(want)) == 0);
    /* [2,3,4,5] by (2,0,3,1): y[c][a][d][b] = x[a][b][c][d]. */
    const int64_t xd[4] = {2, 3, 4, 5};
    const int perm[4] = {2, 0, 3, 1};
    float xs[120], ys[120];
    ref_fill(xs, 120, -1, 1);
    kern_transpose(4, xd, perm, xs, ys);
    for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
    for (int c = 0; c < 4; c++)
    for (int e = 0; e < 5; e++)
        CHECK(ys[((c * 2 + a) * 5 + e) * 3 + b] == xs[((a * 3 + b) * 4 + c) * 5 + e]);
}

static void test_kern_transpose_tiles(void)
{
    /* YOLO heads: [N, 85, A] -> [N, A, 85], sizes that leave partial
     * tiles. */
    const int64_t xd[3] = {2, 85, 333};
    const int perm[3] = {0, 2, 1};
    size_t n = 2 * 85 * 333;
    float *x = avp_malloc(n * sizeof(float)), *y = avp_malloc(n * sizeof(float));
    ref_fill(x, n, -1, 1);
    kern_transpose(3, xd, perm, x, y);
    int bad = 0;
    for (int b = 0; b < 2; b++)
        for (int c = 0; c < 85; c++)
            for (int a = 0; a < 333; a++)
                bad += y[((size_t)b * 333 + a) * 85 + c] != x[((size_t)b * 85 + c) * 333 + a];
    avp_free(x), avp_free(y);
    CHECK(bad == 0);
}

static void test_kern_concat_axes(void)
{
    /* [2,1] ++ [2,2] along axis 1, then [1,3] ++ [2,3] along axis 0. */
    const float a[2] = {1, 2}, b[4] = {3, 4, 5, 6};
    const int64_t ad[2] = {2, 1}, bd[2] = {2, 2};
    const int64_t *dims[2] = {ad, bd};
    const float *in[2] = {a, b};
    float y[6];
    kern_concat(2, 1, 2, dims, in, y);
    const float want[6] = {1, 3, 4, 2, 5, 6};
    CHECK(memcmp(y, want, sizeof(want)) == 0);
    const int64_t rd[2] = {1, 2}, sd[2] = {2, 2};
    const int64_t *dims0[2] = {rd, sd};
    kern_concat(2, 0, 2, dims0, in, y);
    const float want0[6] = {1, 2, 3, 4, 5, 6};
    CHECK(memcmp(y, want0, sizeof(want0)) == 0);
}

static void test_kern_slice_steps(void)
{
    const float x[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const int64_t d[1] = {10};
    float y[10];
    const int64_t rev_start[1] = {9}, rev_step[1] = {-1}, rev_n[1] = {10};
    kern_slice(1, d, rev_start, rev_step, rev_n, x, y);
    for (int i = 0; i < 10; i++)
        CHECK(y[i] == 9 - i);
    /* x[7:0:-3] = 7, 4, 1. */
    const int64_t s[1] = {7}, st[1] = {-3}, n[1] = {3};
    kern_slice(1, d, s, st, n, x, y);
    CHECK(y[0] == 7 && y[1] == 4 && y[2] == 1);
    /* YOLOX focus: x[:, :, 1::2, 0::2] of [1,3,8,6]. */
    float img[144], out[36];
    for (int i = 0; i < 144; i++)
        img[i] = (float)i;
    const int64_t idim[4] = {1, 3, 8, 6}, fs[4] = {0, 0, 1, 0},
                  fst[4] = {1, 1, 2, 2}, fn[4] = {1, 3, 4, 3};
    kern_slice(4, idim, fs, fst, fn, img, out);
    for (int c = 0; c < 3; c++)
    for (int h = 0; h < 4; h++)
    for (int w = 0; w < 3; w++)
        CHECK(out[(c * 4 + h) * 3 + w] == img[(c * 8 + 1 + 2 * h) * 6 + 2 * w]);
    /* Negative step on an inner dim of a 3-D tensor. */
    const int64_t d3[3] = {2, 3, 4}, s3[3] = {1, 2, 3}, st3[3] = {1, -1, -2},
                  n3[3] = {1, 3, 2};
    kern_slice(3, d3, s3, st3, n3, img, out);
    for (int b = 0; b < 3; b++)
    for (int e = 0; e < 2; e++)
        CHECK(out[b * 2 + e] == img[(1 * 3 + 2 - b) * 4 + 3 - 2 * e]);
}

static void test_kern_split_inverts_concat(void)
{
    float x[2 * 7 * 3], a[2 * 2 * 3], b[2 * 5 * 3], back[2 * 7 * 3];
    ref_fill(x, AVP_ARRAY_LEN(x), -1, 1);
    const int64_t xd[3] = {2, 7, 3}, sizes[2] = {2, 5};
    float *outs[2] = {a, b};
    kern_split(3, xd, 1, 2, sizes, x, outs);
    for (int i = 0; i < 2; i++)
    for (int c = 0; c < 2; c++)
    for (int k = 0; k < 3; k++)
        CHECK(a[(i * 2 + c) * 3 + k] == x[(i * 7 + c) * 3 + k]);
    const int64_t ad[3] = {2, 2, 3}, bd[3] = {2, 5, 3};
    const int64_t *dims[2] = {ad, bd};
    const float *ins[2] = {a, b};
    kern_concat(3, 1, 2, dims, ins, back);
    CHECK(memcmp(x, back, sizeof(x)) == 0);
}

static void test_kern_gather_axes(void)
{
    /* [3,2] gathered on axis 0 with {2, -3, 1}; on axis 1 with {-1}. */
    const float x[6] = {1, 2, 3, 4, 5, 6};
    const int64_t d[2] = {3, 2}, idx[3] = {2, -3, 1}, last[1] = {-1};
    float y[6];
    kern_gather(2, d, 0, x, 3, idx, y);
    const float want[6] = {5, 6, 1, 2, 3, 4};
    CHECK(memcmp(y, want, sizeof(want)) == 0);
    kern_gather(2, d, 1, x, 1, last, y);
    CHECK(y[0] == 2 && y[1] == 4 && y[2] == 6);
}

int main(void)
{
    RUN(test_kern_transpose_hand_and_ref);
    RUN(test_kern_transpose_tiles);
    RUN(test_kern_concat_axes);
    RUN(test_kern_slice_steps);
    RUN(test_kern_split_inverts_concat);
    RUN(test_kern_gather_axes);
    return CHECK_DONE();
}
