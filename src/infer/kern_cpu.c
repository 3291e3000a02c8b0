/* kern_cpu.c - start-up of the kernels: OpenBLAS opened (kern_blas.c) and
 * the choice of instruction set: AVX-512 (activations only), AVX2+FMA, or
 * the scalar fallbacks. */
#include "infer/kern_internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The CPU's level, -1 until detected, and the cap set by the environment
 * or a test. Atomic because kernels read them from pool threads while a
 * test may change the cap between runs. */
static atomic_int cpu_isa = -1;
static atomic_int isa_cap = KERN_ISA_AVX512;

static int cpu_level(void)
{
    int isa = atomic_load(&cpu_isa);
    if (isa < 0) {
        __builtin_cpu_init();
        isa = KERN_ISA_SCALAR;
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
            isa = __builtin_cpu_supports("avx512f") ? KERN_ISA_AVX512 : KERN_ISA_AVX2;
        atomic_store(&cpu_isa, isa);
    }
    return isa;
}

int kern_have_avx2(void)
{
    return cpu_level() >= KERN_ISA_AVX2;
}

int kern__isa(void)
{
    int cap = atomic_load(&isa_cap), isa = cpu_level();
    return isa < cap ? isa : cap;
}

int kern__use_avx2(void)
{
    return kern__isa() >= KERN_ISA_AVX2;
}

void kern__force_isa(int max_isa)
{
    atomic_store(&isa_cap, max_isa);
}

static int env_is_1(const char *name)
{
    const char *v = getenv(name);
    return v && strcmp(v, "1") == 0;
}

int kern_init(avp_error_t *err)
{
    int rc = kern__blas_open(err);
    if (rc < 0)
        return rc;
    if (env_is_1("AVP_NO_AVX2"))
        kern__force_isa(KERN_ISA_SCALAR);
    else if (env_is_1("AVP_NO_AVX512"))
        kern__force_isa(KERN_ISA_AVX2);
    cpu_level();
    return AVP_OK;
}

int kern__stream_tasks(size_t n, tpool_t *tp)
{
    size_t tasks = n / 16384;
    int threads = tpool_threads(tp);
    if (tasks < 1)
        return 1;
    return tasks < (size_t)threads ? (int)tasks : threads;
}
