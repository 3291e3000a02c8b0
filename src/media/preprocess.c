/*
 * preprocess.c - the names of the preprocessing modes. A file of its own,
 * with no libav in it: the API server checks a process request's mode with
 * media_preprocess_parse, and linking letterbox.c for that would map
 * libswscale and libavutil into a process that must not decode
 * (tests/platform/test_up.py).
 */
#include "media/media.h"

#include <string.h>

const char *media_preprocess_name(media_preprocess_t p)
{
    return p == MEDIA_PREPROCESS_EXACT ? "exact"
         : p == MEDIA_PREPROCESS_FAST  ? "fast" : "?";
}

int media_preprocess_parse(const char *s, media_preprocess_t *out)
{
    if (s && strcmp(s, "exact") == 0)
        *out = MEDIA_PREPROCESS_EXACT;
    else if (s && strcmp(s, "fast") == 0)
        *out = MEDIA_PREPROCESS_FAST;
    else
        return AVP_EINVAL;
    return AVP_OK;
}
