/* bench_nms N CLASSES RUNS DUMP - times detect_nms() on N random boxes
 * (the median of RUNS runs, each on a fresh copy) and writes the boxes to
 * DUMP ("cls score x y w h" lines) so the OpenCV peer runs on the same
 * input. Prints key=value: boxes, classes, kept, ms. */
#include "detect/detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned rng = 12345;
static float rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)(rng >> 8) / (float)(1u << 24);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: bench_nms N CLASSES RUNS DUMP\n");
        return 2;
    }
    int n = atoi(argv[1]), classes = atoi(argv[2]), runs = atoi(argv[3]);
    detect_box_t *in = malloc((size_t)n * sizeof(*in));
    detect_box_t *work = malloc((size_t)n * sizeof(*work));
    double *ms = malloc((size_t)runs * sizeof(*ms));
    FILE *dump = fopen(argv[4], "w");
    if (!in || !work || !ms || !dump || runs < 1 || classes < 1)
        return 1;
    for (int i = 0; i < n; i++) {
        float x = rnd() * 1200, y = rnd() * 700, w = 10 + rnd() * 150,
              h = 10 + rnd() * 150;
        in[i] = (detect_box_t){(int)(rnd() * (float)classes), rnd(),
                               {x, y, x + w, y + h}};
        fprintf(dump, "%d %.9g %.9g %.9g %.9g %.9g\n", in[i].cls, in[i].score,
                x, y, w, h);
    }
    fclose(dump);
    int kept = 0;
    for (int r = 0; r < runs; r++) {
        memcpy(work, in, (size_t)n * sizeof(*in));
        double t0 = avp_now();
        kept = detect_nms(work, n, 0.45f, n);
        ms[r] = (avp_now() - t0) * 1e3;
    }
    qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
    printf("boxes=%d classes=%d kept=%d ms=%.3f\n", n, classes, kept,
           ms[runs / 2]);
    free(in);
    free(work);
    free(ms);
    return 0;
}
