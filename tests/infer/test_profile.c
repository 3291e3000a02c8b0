/*
 * test_profile.c - AVP_INFER_PROFILE: with it set at load, destroying the
 * model prints the frames run and a line per op kind (convs by kernel,
 * stride and fused Add); without it, nothing.
 */
#include "small_graphs.h"

#include <stdlib.h>
#include <unistd.h>

/* What destroying a model that ran `runs` batches of `batch` prints to
 * stderr (caller frees), with AVP_INFER_PROFILE set to `env` at load. */
static char *profile_output(const char *env, int batch, int runs)
{
    char path[] = "/tmp/avp_test_profile_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    setenv("AVP_INFER_PROFILE", env, 1);
    infer_model_t *m = sg_load("concat_blocks", batch, 2);
    unsetenv("AVP_INFER_PROFILE");
    avp_error_t err;
    for (int i = 0; m && i < runs; i++)
        infer_model_run(m, batch, &err);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    infer_model_destroy(m);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fd);
    size_t len = 0;
    char *text = sg_read(path, &len);
    unlink(path);
    if (text)
        text[len] = 0;
    return text;
}

static void test_profile_prints_op_kinds(void)
{
    char *out = profile_output("1", 3, 2);
    CHECK(out);
    /* concat_blocks: a 1x1 conv that took the residual Add, a 3x3 conv,
     * a MaxPool; the Concat is written in place but still a node. */
    CHECK(out && strstr(out, "AVP_INFER_PROFILE: 6 frames"));
    CHECK(out && strstr(out, "Conv 1x1/s1 +add "));
    CHECK(out && strstr(out, "Conv 3x3/s1 "));
    CHECK(out && strstr(out, "MaxPool "));
    CHECK(out && !strstr(out, "\n  Add "));
    free(out);
}

static void test_profile_off_prints_nothing(void)
{
    char *out = profile_output("0", 1, 1);
    CHECK(out && out[0] == 0);
    free(out);
}

int main(void)
{
    sg_make();
    RUN(test_profile_prints_op_kinds);
    RUN(test_profile_off_prints_nothing);
    return CHECK_DONE();
}
