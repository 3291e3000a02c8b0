/*
 * malloc_count.c - an LD_PRELOAD shim that counts heap allocations of a
 * whole process (every thread, libav* and OpenBLAS included, not only what
 * goes through avp_malloc) and prints the totals when the process exits:
 *
 *   malloc_count: allocs=N frees=N bytes=N
 *
 * to the file named by $MALLOC_COUNT_OUT (appended) or to stderr.
 * bench/pipeline/run runs `avp detect` on two clip lengths and divides the
 * difference by the difference in frames: allocations per frame in steady
 * state, with start-up (model load, codec open) cancelled out.
 *
 * It forwards to glibc's __libc_* entry points rather than dlsym(RTLD_NEXT)
 * because dlsym itself calls calloc, which would recurse into the shim.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t count, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static atomic_ullong allocs, frees, bytes;

static void *counted(void *p, size_t n)
{
    if (p) {
        atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&bytes, n, memory_order_relaxed);
    }
    return p;
}

void *malloc(size_t n) { return counted(__libc_malloc(n), n); }
void *calloc(size_t count, size_t n) { return counted(__libc_calloc(count, n), count * n); }
void *memalign(size_t align, size_t n) { return counted(__libc_memalign(align, n), n); }
void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }

/* Every realloc counts: a buffer regrown each frame is heap traffic too. */
void *realloc(void *p, size_t n) { return counted(__libc_realloc(p, n), n); }

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = memalign(align, n);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}

void free(void *p)
{
    if (p)
        atomic_fetch_add_explicit(&frees, 1, memory_order_relaxed);
    __libc_free(p);
}

__attribute__((destructor)) static void report(void)
{
    char line[128];
    int len = snprintf(line, sizeof line, "malloc_count: allocs=%llu frees=%llu bytes=%llu\n",
                       (unsigned long long)allocs, (unsigned long long)frees,
                       (unsigned long long)bytes);
    const char *path = getenv("MALLOC_COUNT_OUT");
    FILE *f = path ? fopen(path, "a") : NULL;
    if (f) {
        fputs(line, f);
        fclose(f);
    } else if (len > 0) {
        ssize_t rc = write(2, line, (size_t)len);
        (void)rc;
    }
}
