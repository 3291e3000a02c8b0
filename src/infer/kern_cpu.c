/* kern_cpu.c - start-up of the kernels: OpenBLAS pinned to one thread and
 * the choice between the AVX2+FMA paths and the scalar fallbacks. */
#include "infer/kern_internal.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* -1 until detected; then 0 or 1. Atomic because kernels read it from
 * pool threads while a test may flip it between runs. */
static atomic_int cpu_avx2 = -1;
static atomic_int forced_scalar;

int kern_have_avx2(void)
{
    int have = atomic_load(&cpu_avx2);
    if (have < 0) {
        __builtin_cpu_init();
        have = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        atomic_store(&cpu_avx2, have);
    }
    return have;
}

int kern__use_avx2(void)
{
    return !atomic_load(&forced_scalar) && kern_have_avx2();
}

void kern__force_scalar(int on)
{
    atomic_store(&forced_scalar, on ? 1 : 0);
}

void kern_init(void)
{
    /* Our tasks call sgemm concurrently; OpenBLAS's own threads would
     * oversubscribe the cores we already keep busy. */
    openblas_set_num_threads(1);
    const char *no = getenv("AVP_NO_AVX2");
    if (no && strcmp(no, "1") == 0)
        kern__force_scalar(1);
    kern_have_avx2();
}

int kern__stream_tasks(size_t n, tpool_t *tp)
{
    size_t tasks = n / 16384;
    int threads = tpool_threads(tp);
    if (tasks < 1)
        return 1;
    return tasks < (size_t)threads ? (int)tasks : threads;
}
