/* test_thumbs.c - the bound of the thumbnail folder (thumbs.c): a trim
 * keeps the `max` most recently used files, a touch makes a file recent,
 * files being made (dot names) are neither counted nor removed, and a
 * folder within the bound or missing is left as it is. */
#include "check.h"
#include "api/internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

/* Makes dir/name used at time t (seconds). */
static void make(const char *name, time_t t)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs("jpeg", f);
    fclose(f);
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    utimensat(AT_FDCWD, path, ts, 0);
}

static int exists(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void test_thumbs_trim_keeps_the_most_recent(void)
{
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "7-%d.jpg", i);
        make(name, 1000 + i);
    }
    make(".7-3.jpg.12.ab.jpg", 1); /* being made: the oldest of all */
    CHECK(api__thumbs_trim(dir, 4) == 6);
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "7-%d.jpg", i);
        CHECK(exists(name) == (i >= 6));
    }
    CHECK(exists(".7-3.jpg.12.ab.jpg"));
    CHECK(api__thumbs_trim(dir, 4) == 0); /* within the bound */
}

static void test_thumbs_touch_makes_a_file_recent(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/7-6.jpg", dir); /* the oldest left */
    api__thumbs_touch(path);
    make("8.jpg", 2000);
    CHECK(api__thumbs_trim(dir, 4) == 1);
    CHECK(exists("7-6.jpg") && !exists("7-7.jpg"));
    CHECK(exists("8.jpg") && exists("7-8.jpg") && exists("7-9.jpg"));
}

static void test_thumbs_trim_of_a_missing_folder(void)
{
    CHECK(api__thumbs_trim("/nonexistent/avp-thumbs", 1) == 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/avp-test-thumbs-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_thumbs_trim_keeps_the_most_recent);
    RUN(test_thumbs_touch_makes_a_file_recent);
    RUN(test_thumbs_trim_of_a_missing_folder);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return CHECK_DONE();
}
