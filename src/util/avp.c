/* avp.c - error table, error records and counted allocation wrappers. */
#include "avp.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static atomic_uint_fast64_t alloc_count;

const char *avp_strerror(int code)
{
    switch (code) {
    case AVP_OK: return "ok";
    case AVP_ENOMEM: return "out of memory";
    case AVP_EIO: return "input/output error";
    case AVP_EFORMAT: return "malformed input";
    case AVP_EUNSUPPORTED: return "not supported";
    case AVP_EINVAL: return "invalid argument";
    case AVP_ECANCELLED: return "cancelled";
    case AVP_ENOTFOUND: return "not found";
    case AVP_EBUSY: return "resource busy";
    case AVP_EINTERNAL: return "internal error";
    case AVP_EUNAVAILABLE: return "service unavailable";
    default: return "unknown error";
    }
}

int avp_error_set(avp_error_t *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->log_only = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int avp_error_prefix(avp_error_t *err, const char *fmt, ...)
{
    if (!err)
        return AVP_EINTERNAL;
    char prefix[256], old[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Build in a buffer big enough for both, then truncate on copy: a long
     * message loses its tail, never its prefix. */
    char joined[sizeof(prefix) + sizeof(old) + 2];
    snprintf(joined, sizeof(joined), "%s: %s", prefix, old);
    memcpy(err->msg, joined, sizeof(err->msg) - 1);
    err->msg[sizeof(err->msg) - 1] = 0;
    return err->code;
}

static void *check(void *p, size_t n)
{
    if (!p && n) {
        fprintf(stderr, "avp: out of memory allocating %zu bytes\n", n);
        abort();
    }
    atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
    return p;
}

void *avp_malloc(size_t n) { return check(malloc(n ? n : 1), n); }

void *avp_calloc(size_t count, size_t size)
{
    return check(calloc(count ? count : 1, size ? size : 1), count * size);
}

void *avp_realloc(void *p, size_t n) { return check(realloc(p, n ? n : 1), n); }

char *avp_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(avp_malloc(n), s, n);
}

void avp_free(void *p) { free(p); }

void *avp_try_malloc_aligned(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 64) != 0)
        return NULL;
    atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
    return p;
}

void avp_free_aligned(void *p) { free(p); }

uint64_t avp_alloc_count(void)
{
    return atomic_load_explicit(&alloc_count, memory_order_relaxed);
}

double avp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void avp_cond_init_monotonic(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

struct timespec avp_deadline_ms(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

size_t avp_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (size_t)ru.ru_maxrss * 1024;
}

int avp_program_path(const char *sibling, char *out, size_t cap)
{
    ssize_t n = cap > 1 ? readlink("/proc/self/exe", out, cap - 1) : -1;
    if (n <= 0)
        return AVP_ENOTFOUND;
    out[n] = '\0';
    if (!sibling)
        return AVP_OK;
    char *slash = strrchr(out, '/');
    size_t dir = slash ? (size_t)(slash + 1 - out) : 0;
    if (dir + strlen(sibling) + 1 > cap)
        return AVP_ENOTFOUND;
    strcpy(out + dir, sibling);
    return AVP_OK;
}
