/*
 * malloc_count.c - an LD_PRELOAD shim that counts heap allocations of a
 * whole process (every thread, libav* and OpenBLAS included, not only what
 * goes through avp_malloc) and prints the totals when the process exits:
 *
 *   malloc_count: allocs=N frees=N bytes=N
 *
 *   malloc_count: module=/path/of/caller.so allocs=N   (one per module)
 *
 * to the file named by $MALLOC_COUNT_OUT (appended) or to stderr. The
 * module is the executable or library whose code called malloc, so AVP's
 * own allocations can be told from libavcodec's. bench/pipeline/run runs
 * `avp detect` on two clip lengths and divides the differences by the
 * difference in frames: allocations per frame in steady state, with
 * start-up (model load, codec open) cancelled out.
 *
 * With MALLOC_COUNT_CALLERS=N it also prints the N call sites that
 * allocated most often (module, nearest exported symbol, and the offset in
 * the module for addr2line), to find out who allocates per frame.
 *
 * It forwards to glibc's __libc_* entry points rather than dlsym(RTLD_NEXT)
 * because dlsym itself calls calloc, which would recurse into the shim.
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t count, size_t n);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

#define MAX_CALLERS 4096 /* open-addressed table of call sites */
#define MAX_MODULES 64

static atomic_ullong allocs, frees, bytes;
static int top_callers; /* MALLOC_COUNT_CALLERS, read at load */
static struct caller {
    _Atomic uintptr_t pc;
    atomic_ullong count;
} callers[MAX_CALLERS];

/* Lock-free: a slot's pc is claimed once with a compare-and-swap. */
static void note_caller(uintptr_t pc)
{
    for (size_t i = (pc >> 2) * 0x9E3779B97F4A7C15u % MAX_CALLERS, probes = 0;
         probes < MAX_CALLERS; i = (i + 1) % MAX_CALLERS, probes++) {
        uintptr_t cur = atomic_load_explicit(&callers[i].pc, memory_order_relaxed);
        if (cur == 0 && atomic_compare_exchange_strong(&callers[i].pc, &cur, pc))
            cur = pc;
        if (cur == pc) {
            atomic_fetch_add_explicit(&callers[i].count, 1, memory_order_relaxed);
            return;
        }
    }
}

static void *counted(void *p, size_t n, void *pc)
{
    if (p) {
        atomic_fetch_add_explicit(&allocs, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&bytes, n, memory_order_relaxed);
        note_caller((uintptr_t)pc);
    }
    return p;
}

#define CALLER __builtin_return_address(0)

void *malloc(size_t n) { return counted(__libc_malloc(n), n, CALLER); }
void *calloc(size_t count, size_t n) { return counted(__libc_calloc(count, n), count * n, CALLER); }
void *memalign(size_t align, size_t n) { return counted(__libc_memalign(align, n), n, CALLER); }
void *aligned_alloc(size_t align, size_t n) { return counted(__libc_memalign(align, n), n, CALLER); }

/* Every realloc counts: a buffer regrown each frame is heap traffic too. */
void *realloc(void *p, size_t n) { return counted(__libc_realloc(p, n), n, CALLER); }

int posix_memalign(void **out, size_t align, size_t n)
{
    void *p = counted(__libc_memalign(align, n), n, CALLER);
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

__attribute__((constructor)) static void init(void)
{
    const char *s = getenv("MALLOC_COUNT_CALLERS");
    top_callers = s ? atoi(s) : 0;
}

/* Sums the call sites per module (dladdr's file name) and prints them. */
static void print_modules(FILE *f)
{
    struct module {
        const char *name;
        unsigned long long count;
    } mods[MAX_MODULES];
    int nmods = 0;
    for (size_t i = 0; i < MAX_CALLERS; i++) {
        if (!callers[i].count)
            continue;
        Dl_info info = {0};
        const char *name = dladdr((void *)callers[i].pc, &info) && info.dli_fname ?
            info.dli_fname : "?";
        int m = 0;
        while (m < nmods && strcmp(mods[m].name, name) != 0)
            m++;
        if (m == nmods && nmods < MAX_MODULES)
            mods[nmods++] = (struct module){name, 0};
        if (m < nmods)
            mods[m].count += callers[i].count;
    }
    for (int m = 0; m < nmods; m++)
        fprintf(f, "malloc_count: module=%s allocs=%llu\n", mods[m].name, mods[m].count);
}

/* Prints the n busiest call sites, taking each one's count as it goes. */
static void print_callers(FILE *f, int n)
{
    for (int k = 0; k < n; k++) {
        struct caller *best = NULL;
        for (size_t i = 0; i < MAX_CALLERS; i++)
            if (callers[i].count && (!best || callers[i].count > best->count))
                best = &callers[i];
        if (!best)
            return;
        Dl_info info = {0};
        uintptr_t pc = best->pc;
        dladdr((void *)pc, &info);
        fprintf(f, "malloc_count: %10llu  %s(%s+0x%lx) [0x%lx]\n",
                (unsigned long long)best->count, info.dli_fname ? info.dli_fname : "?",
                info.dli_sname ? info.dli_sname : "",
                (unsigned long)(info.dli_saddr ? pc - (uintptr_t)info.dli_saddr : 0),
                (unsigned long)(pc - (uintptr_t)info.dli_fbase));
        best->count = 0;
    }
}

__attribute__((destructor)) static void report(void)
{
    unsigned long long a = allocs, fr = frees, b = bytes;
    const char *path = getenv("MALLOC_COUNT_OUT");
    FILE *f = path ? fopen(path, "a") : NULL;
    FILE *out = f ? f : stderr;
    fprintf(out, "malloc_count: allocs=%llu frees=%llu bytes=%llu\n", a, fr, b);
    print_modules(out);
    print_callers(out, top_callers);
    if (f)
        fclose(f);
    else
        fflush(stderr);
}
