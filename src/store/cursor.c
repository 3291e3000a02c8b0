/*
 * cursor.c - the opaque cursor of detections pages.
 *
 * A cursor is base64url (no padding) of: a version byte, the run id, the
 * (frame, id) of the last row returned, the window start the walk began
 * at, the frame bound computed for the walk's time window together with
 * the window end it belongs to, and a zero byte that rounds the whole to
 * base64 groups of three bytes. The
 * run id is inside so that a cursor pasted into another run's URL is
 * rejected instead of silently starting elsewhere; the bound is inside so
 * that it is searched for once per walk, not once per page, and is reused
 * only for the same window end; the start is inside so that a page
 * knows whether its walk already began at or after the window's first
 * frame (detections_read.c no longer filters rows by t). Cursors are not signed: a forged one can
 * only select a starting point, or a bound that stops a walk early, that
 * the caller could ask for with other parameters anyway.
 */
#include "store/internal.h"

#include <string.h>

#define CURSOR_VERSION 'F'
/* version, run (8), frame (4), id (8), t0 (8), t1 (8), bound (4), zero */
#define CURSOR_BYTES 42
#define CURSOR_CHARS 56 /* base64 of 42 bytes: 14 groups of 3, no padding */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static unsigned char *put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
    return p + n;
}

static uint64_t get_be(const unsigned char **p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | (*p)[i];
    *p += n;
    return v;
}

void store__cursor_encode(const store__cursor_t *c, char *out)
{
    unsigned char raw[CURSOR_BYTES], *p = raw;
    uint64_t t0, t1;
    memcpy(&t0, &c->t0, 8);
    memcpy(&t1, &c->t1, 8);
    *p++ = CURSOR_VERSION;
    p = put_be(p, (uint64_t)c->run_id, 8);
    p = put_be(p, (uint32_t)c->frame, 4);
    p = put_be(p, (uint64_t)c->id, 8);
    p = put_be(p, t0, 8);
    p = put_be(p, t1, 8);
    p = put_be(p, (uint32_t)c->frame_hi, 4);
    *p = 0;
    for (int i = 0, o = 0; i < CURSOR_BYTES; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        for (int k = 3; k >= 0; k--)
            out[o++] = b64[(v >> (6 * k)) & 63];
    }
    out[CURSOR_CHARS] = '\0';
}

static int unbase64(const char *s, unsigned char *raw)
{
    if (strlen(s) != CURSOR_CHARS)
        return 0;
    for (int i = 0, o = 0; i < CURSOR_CHARS; i += 4) {
        uint32_t v = 0;
        for (int k = 0; k < 4; k++) {
            const char *at = strchr(b64, s[i + k]);
            if (!at)
                return 0;
            v = v << 6 | (uint32_t)(at - b64);
        }
        raw[o++] = (unsigned char)(v >> 16);
        raw[o++] = (unsigned char)(v >> 8);
        raw[o++] = (unsigned char)v;
    }
    return 1;
}

int store__cursor_decode(const char *s, int64_t run_id, store__cursor_t *c,
                         avp_error_t *err)
{
    unsigned char raw[CURSOR_BYTES];
    const unsigned char *p = raw + 1;
    if (!unbase64(s, raw) || raw[0] != CURSOR_VERSION)
        goto bad;
    c->run_id = (int64_t)get_be(&p, 8);
    c->frame = (int32_t)get_be(&p, 4);
    c->id = (int64_t)get_be(&p, 8);
    uint64_t t0 = get_be(&p, 8), t1 = get_be(&p, 8);
    memcpy(&c->t0, &t0, 8);
    memcpy(&c->t1, &t1, 8);
    c->frame_hi = (int32_t)get_be(&p, 4);
    if (c->run_id != run_id || c->frame < 0 || c->id < 0 || *p)
        goto bad;
    return AVP_OK;
bad:
    return avp_error_set(err, AVP_EINVAL, "invalid cursor for run %lld",
                         (long long)run_id);
}
