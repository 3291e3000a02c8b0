/*
 * test_steady_state.c - what a steady-state media_source_read() allocates,
 * counted process-wide: this executable replaces malloc & co with counting
 * wrappers around glibc's, so libav's own allocations show up beside ours
 * (avp_alloc_count() sees only ours, which must be 0; test_source.c checks
 * that too). libav allocates a little per packet by design: the demuxer's
 * packet buffer, and the AVBufferRef structs around pooled frame, motion
 * vector and side-data buffers (the big buffers themselves are pooled). The
 * numbers are printed and bounded, so a per-frame swscale context or frame
 * buffer (hundreds of allocations or megabytes) would fail here.
 *
 * Its own executable because it replaces malloc; skipped under ASan, which
 * replaces malloc itself.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "fixtures.h"
#include "media/media.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN 1
#endif
#endif

static atomic_uint_fast64_t calls, bytes;

#ifndef ASAN
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static void count(size_t n)
{
    atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes, n, memory_order_relaxed);
}

void *malloc(size_t n) { count(n); return __libc_malloc(n); }
void *calloc(size_t n, size_t size) { count(n * size); return __libc_calloc(n, size); }
void *realloc(void *p, size_t n) { count(n); return __libc_realloc(p, n); }
void *memalign(size_t align, size_t n) { count(n); return __libc_memalign(align, n); }
void *aligned_alloc(size_t align, size_t n) { count(n); return __libc_memalign(align, n); }

int posix_memalign(void **out, size_t align, size_t n)
{
    count(n);
    *out = __libc_memalign(align, n);
    return *out ? 0 : ENOMEM;
}
#endif

/* Reads frames 0..200 and counts the allocations of frames 10..200. */
static int measure(const char *clip, int threads, double *per_frame,
                   double *bytes_per_frame, uint64_t *ours)
{
    media_options_t o = {.threads = threads};
    media_source_t *s;
    avp_error_t err = {0};
    if (media_source_open(clip, &o, &s, &err) != AVP_OK)
        return 0;
    static float t[3 * 416 * 416];
    const media_letterbox_t lb = {416, 416, MEDIA_ORDER_BGR, 1.0f, 0, 114};
    media_frame_t f;
    uint64_t c0 = 0, b0 = 0, a0 = 0;
    int ok = 1;
    for (int i = 0; i <= 200 && ok; i++) {
        if (i == 10) {
            c0 = atomic_load(&calls);
            b0 = atomic_load(&bytes);
            a0 = avp_alloc_count();
        }
        ok = media_source_read(s, &lb, t, &f, &err) == 1;
    }
    *per_frame = (double)(atomic_load(&calls) - c0) / 191;
    *bytes_per_frame = (double)(atomic_load(&bytes) - b0) / 191;
    *ours = avp_alloc_count() - a0;
    media_source_close(s);
    return ok;
}

static void check_clip(const char *clip)
{
    for (int threads = 1; threads >= 0; threads--) {
        double n, b;
        uint64_t ours;
        CHECK(measure(clip, threads, &n, &b, &ours));
        fprintf(stderr, "%s threads=%d: %.1f allocations (%.0f bytes) per "
                "frame in libav, %llu in AVP\n", clip, threads, n, b,
                (unsigned long long)ours);
        CHECK(ours == 0);
        /* Dozens of small structs per packet (measured: ~39 single-threaded,
         * ~89 with frame threads, which hand packets between threads). */
        CHECK(n < (threads == 1 ? 64 : 200));
        CHECK(b < 320 * 240);    /* packets, not frame-sized buffers */
    }
}

/* The clip as it is and turned for display (its frames rotated into
 * pooled buffers, not new ones). */
static void test_steady_state_libav_allocations(void)
{
    const char *clip = fx_clip("steady.mp4", "horses", 320, 240, 210, "30",
                               "-c:v libx264 -preset veryfast");
    CHECK(clip);
    check_clip(clip);
    const char *turned = fx_rotate_tag(clip, "steady90.mp4", 90);
    CHECK(turned);
    check_clip(turned);
}

int main(void)
{
#ifdef ASAN
    CHECK_SKIP("replaces malloc; not under AddressSanitizer");
#endif
    fx_setup();
    RUN(test_steady_state_libav_allocations);
    return CHECK_DONE();
}
