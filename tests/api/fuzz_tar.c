/* fuzz_tar.c - libFuzzer target: api__tar_extract_flat on arbitrary bytes, into
 * a fresh folder each time. Whatever the archive says, every file must
 * land directly in that folder: after api__tar_remove_flat the work folder
 * holds only the input again, or the target aborts. */
#include "api/tar.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64], input[128], out[128];

static void cleanup(void)
{
    unlink(input);
    rmdir(root);
}

static void setup_once(void)
{
    if (root[0])
        return;
    snprintf(root, sizeof root, "/tmp/fuzz_tar-XXXXXX");
    if (!mkdtemp(root))
        abort();
    snprintf(input, sizeof input, "%s/in.tar", root);
    snprintf(out, sizeof out, "%s/out", root);
    atexit(cleanup);
}

/* Nothing but in.tar may be left in the work folder. */
static void check_clean(void)
{
    DIR *d = opendir(root);
    if (!d)
        abort();
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            strcmp(e->d_name, "in.tar")) {
            fprintf(stderr, "fuzz_tar: %s left behind\n", e->d_name);
            abort();
        }
    closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    FILE *f = fopen(input, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    if (mkdir(out, 0700) < 0)
        abort();
    avp_error_t err = {0};
    int rc = api__tar_extract_flat(input, out, &err);
    if (rc < 0 && !err.msg[0])
        abort(); /* an error always says why */
    api__tar_remove_flat(out);
    check_clean();
    return 0;
}
