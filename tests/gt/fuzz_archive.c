/* fuzz_archive.c - libFuzzer target: gt_archive_extract_mem on arbitrary
 * bytes (zip, tar, gzip'd tar), into a fresh folder each time. Whatever the
 * archive says, nothing may land beside that folder, nothing in it may be
 * a link, an error always says why, and gt_remove_tree leaves the work
 * folder empty again; else the target aborts. */
#include "gt/gt.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64], out[128];

static void cleanup(void)
{
    rmdir(root);
}

static void setup_once(void)
{
    if (root[0])
        return;
    snprintf(root, sizeof root, "/tmp/fuzz_archive-XXXXXX");
    if (!mkdtemp(root))
        abort();
    snprintf(out, sizeof out, "%s/out", root);
    atexit(cleanup);
}

/* Only `keep` (NULL: nothing) may be in the work folder. */
static void check_root(const char *keep)
{
    DIR *d = opendir(root);
    if (!d)
        abort();
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            (!keep || strcmp(e->d_name, keep))) {
            fprintf(stderr, "fuzz_archive: %s left beside the folder\n",
                    e->d_name);
            abort();
        }
    closedir(d);
}

static int no_links(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st, (void)ftw;
    if (flag == FTW_SL || flag == FTW_SLN) {
        fprintf(stderr, "fuzz_archive: %s is a link\n", path);
        abort();
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    if (mkdir(out, 0700) < 0)
        abort();
    avp_error_t err = {0};
    int rc = gt_archive_extract_mem(data, size, out, &err);
    if (rc < 0 && !err.msg[0])
        abort();
    check_root("out");
    nftw(out, no_links, 16, FTW_PHYS);
    gt_remove_tree(out);
    check_root(NULL);
    return 0;
}
