/* bench_resume.c - time to the first frame of a video source resumed at
 * frame START (a worker picking up a run where a killed one stopped):
 * open + first read, median of RUNS, page cache warm. Prints one line:
 * "<median ms> <min ms> <max ms> <index of the first frame>".
 *
 * usage: bench_resume VIDEO START [RUNS] */
#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One resume: seconds from open to the first frame, its index in *index. */
static int resume_once(const char *path, int64_t start, float *tensor,
                       double *seconds, int64_t *index, avp_error_t *err)
{
    const media_letterbox_t lb = {416, 416, MEDIA_ORDER_RGB, 1 / 255.0f, 1, 114};
    media_options_t o = {.start_frame = start};
    media_source_t *src;
    media_frame_t f;
    double t0 = avp_now();
    int rc = media_source_open(path, &o, &src, err);
    if (rc < 0)
        return rc;
    rc = media_source_read(src, &lb, tensor, &f, err);
    *seconds = avp_now() - t0;
    *index = f.index;
    media_source_close(src);
    return rc == 1 ? AVP_OK : rc < 0 ? rc : AVP_ENOTFOUND;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: bench_resume VIDEO START [RUNS]\n", stderr);
        return 2;
    }
    int64_t start = atoll(argv[2]), index = -1;
    int runs = argc > 3 ? atoi(argv[3]) : 5;
    if (runs < 1 || runs > 100)
        runs = 5;
    float *tensor = malloc(sizeof(float) * 3 * 416 * 416);
    double s[100];
    avp_error_t err = {0};
    for (int i = 0; i < runs; i++)
        if (resume_once(argv[1], start, tensor, &s[i], &index, &err) < 0) {
            fprintf(stderr, "bench_resume: %s\n", err.msg[0] ? err.msg : "no frame");
            free(tensor);
            return 1;
        }
    qsort(s, (size_t)runs, sizeof *s, cmp);
    printf("%.1f %.1f %.1f %lld\n", s[runs / 2] * 1e3, s[0] * 1e3,
           s[runs - 1] * 1e3, (long long)index);
    free(tensor);
    return 0;
}
