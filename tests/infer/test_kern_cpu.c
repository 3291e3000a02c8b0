/* Tests for kern_cpu.c: AVP_NO_AVX2=1 turns the vector paths off at
 * kern_init(), kern__force_scalar() toggles them, and detection agrees
 * with the CPU flags in /proc/cpuinfo. */
#include "check.h"
#include "infer/kern_internal.h"

#include <stdlib.h>
#include <string.h>

/* 1 if /proc/cpuinfo lists both avx2 and fma, 0 if not, -1 if unreadable. */
static int cpuinfo_has_avx2(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return -1;
    char line[8192];
    int found = -1;
    while (found < 0 && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "flags", 5) == 0)
            found = strstr(line, " avx2") && strstr(line, " fma");
    }
    fclose(f);
    return found;
}

static void test_kern_cpu_detection_matches_cpuinfo(void)
{
    int want = cpuinfo_has_avx2();
    if (want >= 0)
        CHECK(kern_have_avx2() == want);
}

static void test_kern_cpu_env_and_force(void)
{
    setenv("AVP_NO_AVX2", "1", 1);
    kern_init();
    CHECK(!kern__use_avx2());
    kern__force_scalar(0);
    CHECK(kern__use_avx2() == kern_have_avx2());
    kern__force_scalar(1);
    CHECK(!kern__use_avx2());
    kern__force_scalar(0);
    unsetenv("AVP_NO_AVX2");
}

int main(void)
{
    RUN(test_kern_cpu_detection_matches_cpuinfo);
    RUN(test_kern_cpu_env_and_force);
    return CHECK_DONE();
}
