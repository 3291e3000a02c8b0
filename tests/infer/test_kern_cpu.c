/* Tests for kern_cpu.c: detection agrees with the CPU flags in
 * /proc/cpuinfo, AVP_NO_AVX2=1 and AVP_NO_AVX512=1 cap the level at
 * kern_init(), and kern__force_isa() caps and lifts it. */
#include "check.h"
#include "infer/kern_internal.h"

#include <stdlib.h>
#include <string.h>

/* The level /proc/cpuinfo's flags allow, -1 if unreadable. */
static int cpuinfo_isa(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[8192];
    int isa = -1;
    while (isa < 0 && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        isa = KERN_ISA_SCALAR;
        if (strstr(line, " avx2") && strstr(line, " fma"))
            isa = strstr(line, " avx512f") ? KERN_ISA_AVX512 : KERN_ISA_AVX2;
    }
    fclose(f);
    return isa;
}

static void test_kern_cpu_detection_matches_cpuinfo(void)
{
    int want = cpuinfo_isa();
    if (want < 0)
        return;
    CHECK(kern__isa() == want);
    CHECK(kern_have_avx2() == (want >= KERN_ISA_AVX2));
}

static void test_kern_cpu_env_caps(void)
{
    int best = kern__isa();
    setenv("AVP_NO_AVX512", "1", 1);
    CHECK(kern_init(NULL) == AVP_OK);
    unsetenv("AVP_NO_AVX512");
    CHECK(kern__isa() == (best < KERN_ISA_AVX2 ? best : KERN_ISA_AVX2));
    setenv("AVP_NO_AVX2", "1", 1);
    CHECK(kern_init(NULL) == AVP_OK);
    unsetenv("AVP_NO_AVX2");
    CHECK(kern__isa() == KERN_ISA_SCALAR);
    CHECK(!kern__use_avx2());
    kern__force_isa(KERN_ISA_AVX512);
    CHECK(kern__isa() == best);
    CHECK(kern__use_avx2() == kern_have_avx2());
}

int main(void)
{
    RUN(test_kern_cpu_detection_matches_cpuinfo);
    RUN(test_kern_cpu_env_caps);
    return CHECK_DONE();
}
