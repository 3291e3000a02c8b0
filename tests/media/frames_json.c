/* frames_json.c - AVP's view of a clip for the browser agreement test
 * (web/e2e/frames.mjs): one JSON line per decoded frame, {"index": k,
 * "t": seconds}, after a first line {"width", "height"} with the display
 * size. It reads through media_source_read(), the path `avp detect` and
 * the workers take, so the indices and times are the ones detections
 * carry. Usage: frames_json FILE; exit 1 with the reason on stderr. */
#include "media/media.h"

#include <stdio.h>
#include <stdlib.h>

enum { SIDE = 32 }; /* the smallest tensor: only index and t matter */

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: frames_json FILE\n", stderr);
        return 2;
    }
    media_options_t opt = {.every = 1};
    media_source_t *s;
    avp_error_t err = {0};
    if (media_source_open(argv[1], &opt, &s, &err) < 0) {
        fprintf(stderr, "frames_json: %s\n", err.msg);
        return 1;
    }
    const media_info_t *info = media_source_info(s);
    printf("{\"width\": %d, \"height\": %d}\n", info->width, info->height);
    static float tensor[3 * SIDE * SIDE];
    media_letterbox_t lb = {.width = SIDE, .height = SIDE, .scale = 1.0f,
                            .pad = 114};
    media_frame_t f;
    int rc;
    while ((rc = media_source_read(s, &lb, tensor, &f, &err)) == 1)
        printf("{\"index\": %lld, \"t\": %.17g}\n", (long long)f.index, f.t);
    if (rc < 0)
        fprintf(stderr, "frames_json: %s\n", err.msg);
    media_source_close(s);
    return rc < 0;
}
