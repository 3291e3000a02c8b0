/* bench_preprocess.c - decoding plus letterboxing alone, no model: every
 * frame of VIDEO through media_source_read() in one preprocessing mode, at
 * a family's input (yolox: 416 BGR top-left; ultralytics: 640 RGB centred
 * /255), FFmpeg's default decoder threads as in the reference loop.
 * Prints one line: "<wall ms per frame> <CPU ms per frame> <frames>"
 * (from open to the last frame; CPU = all threads of the process).
 *
 * usage: bench_preprocess VIDEO exact|fast yolox|ultralytics */
#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    media_options_t o = {0};
    if (argc != 4 || media_preprocess_parse(argv[2], &o.preprocess) != AVP_OK ||
        (strcmp(argv[3], "yolox") && strcmp(argv[3], "ultralytics"))) {
        fputs("usage: bench_preprocess VIDEO exact|fast yolox|ultralytics\n", stderr);
        return 2;
    }
    int yolox = strcmp(argv[3], "yolox") == 0, size = yolox ? 416 : 640;
    const media_letterbox_t lb = {size, size, yolox ? MEDIA_ORDER_BGR : MEDIA_ORDER_RGB,
                                  yolox ? 1.0f : 1 / 255.0f, !yolox, 114};
    float *tensor = malloc(sizeof(float) * 3 * (size_t)size * (size_t)size);
    avp_error_t err = {0};
    media_source_t *src = NULL;
    media_frame_t f;
    long frames = 0;
    double t0 = avp_now(), c0 = cpu_seconds();
    int rc = media_source_open(argv[1], &o, &src, &err);
    while (rc >= 0 && (rc = media_source_read(src, &lb, tensor, &f, &err)) == 1)
        frames++;
    double secs = avp_now() - t0, cpu = cpu_seconds() - c0;
    media_source_close(src);
    free(tensor);
    if (rc < 0) {
        fprintf(stderr, "bench_preprocess: %s\n", err.msg);
        return 1;
    }
    double per = frames ? 1e3 / (double)frames : 0.0;
    printf("%.3f %.3f %ld\n", secs * per, cpu * per, frames);
    return 0;
}
