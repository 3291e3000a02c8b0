#include "check.h"
#include "util/limits.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_limits_spec_round_trips(void)
{
    avp_limits_t l = {.mem_mb = 2048, .cpu_s = 120, .nofile = 64,
                      .fsize_mb = 64, .no_net = 1}, back;
    char spec[AVP_LIMITS_SPEC_MAX];
    avp_limits_format(&l, spec);
    CHECK(avp_limits_parse(spec, &back, NULL) == AVP_OK);
    CHECK(!memcmp(&l, &back, sizeof l));
    CHECK(avp_limits_parse("cpu=7", &back, NULL) == AVP_OK);
    CHECK(back.cpu_s == 7 && back.mem_mb == 0 && !back.no_net);
    CHECK(avp_limits_parse("", &back, NULL) == AVP_OK && back.nofile == 0);
}

static void test_limits_bad_spec_names_the_field(void)
{
    const char *bad[] = {"mem", "mem=", "mem=-1", "mem=1x", "cpu=99999999999",
                         "net=maybe", "swap=1", "cpu=1,,"};
    for (size_t i = 0; i < AVP_ARRAY_LEN(bad); i++) {
        avp_limits_t l;
        avp_error_t err = {0};
        CHECK(avp_limits_parse(bad[i], &l, &err) == AVP_EINVAL);
        CHECK(strstr(err.msg, "limits:") != NULL);
    }
}

/* In a child, as the spawner's children apply them: the kernel reports the
 * limits, and a TCP socket is refused while a Unix one is not. Exit code 0
 * when all held, else the number of the failed check. */
static int confined_child(void)
{
    avp_limits_t l = {.mem_mb = 4096, .cpu_s = 30, .nofile = 32,
                      .fsize_mb = 1, .no_net = 1};
    struct rlimit r;
    if (avp_limits_apply(&l, NULL))
        return 1;
    if (getrlimit(RLIMIT_CPU, &r) || r.rlim_cur != 30 || r.rlim_max != 30)
        return 2;
    if (getrlimit(RLIMIT_NOFILE, &r) || r.rlim_cur != 32)
        return 3;
    if (getrlimit(RLIMIT_FSIZE, &r) || r.rlim_cur != 1 << 20)
        return 4;
    if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || errno != EACCES)
        return 5;
    if (socket(AF_INET6, SOCK_DGRAM, 0) >= 0 || errno != EACCES)
        return 6;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0)
        return 7;
    close(fd);
    return 0;
}

static void test_limits_apply_in_a_child(void)
{
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0)
        _exit(confined_child());
    int st;
    CHECK(waitpid(pid, &st, 0) == pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st))
        fprintf(stderr, "confined child: status %d\n", st);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
    RUN(test_limits_spec_round_trips);
    RUN(test_limits_bad_spec_names_the_field);
    RUN(test_limits_apply_in_a_child);
    return CHECK_DONE();
}
