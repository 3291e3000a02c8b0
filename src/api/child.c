/* child.c - work on uploaded files done by a child `avp` process: loading
 * a model (`avp models inspect`), probing a video and making a thumbnail
 * (`avp media`).
 *
 * Why a child: that work needs the heavy libraries (libav* and their
 * codecs, OpenBLAS) and big transient buffers (a model's activation
 * arena, decoder frames). The server (`avp-server`) does not link them at
 * all, which keeps its resident memory small in each of its hundreds of
 * threads and its shared-library pages few; a child returns everything at
 * exit; and a file crafted to crash or hang a parser takes down only the
 * child, which a deadline kills. posix_spawn (vfork underneath) costs
 * about a millisecond, little beside an upload or a decode.
 *
 * A child decoding a 4K frame takes ~50-100 MB, so children are limited to
 * api_options_t.engine_max at once (AVP_ENGINE_MAX; default twice the
 * cores): a burst of thumbnail
 * requests queues for up to ENGINE_WAIT_S instead of spawning one child
 * each, then gets -1 (503, try again). */
#include "api/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Most output of a child kept; what the server reads is ~1 KiB of JSON. */
#define CHILD_OUTPUT_MAX (256 * 1024)

#define ENGINE_WAIT_S 30
#define CANCEL_LOOK_MS 250

static char engine_path[PATH_MAX];
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

/* Children running now, their most at once, and the limit. */
static pthread_mutex_t engine_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t engine_cv; /* CLOCK_MONOTONIC, made in find_engine */
static api_engine_stats_t engine_stats;
static avp_limits_t engine_limits; /* under engine_mu */

static int default_limit(void)
{
    return 2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* The `avp` binary beside this one: both are built and installed into
 * one directory. */
static void find_engine(void)
{
    avp_cond_init_monotonic(&engine_cv);
    engine_stats.max = default_limit();
    if (avp_program_path("avp", engine_path, sizeof engine_path) < 0)
        engine_path[0] = '\0';
}

/* Reads fd until the child closes it, the deadline passes or *cancel (if
 * given) is set, looking at it every CANCEL_LOOK_MS; keeps the first
 * CHILD_OUTPUT_MAX bytes. Returns 0, or -1 past the deadline or cancelled. */
static int read_until(int fd, char *buf, size_t *n, double deadline,
                      const atomic_int *cancel)
{
    char sink[4096];
    for (;;) {
        int wait_ms = (int)((deadline - avp_now()) * 1000);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (wait_ms <= 0 || (cancel && atomic_load(cancel)))
            return -1;
        if (cancel && wait_ms > CANCEL_LOOK_MS)
            wait_ms = CANCEL_LOOK_MS;
        int ready = poll(&p, 1, wait_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0)
            continue; /* the deadline or *cancel, looked at above */
        if (ready < 0)
            return -1;
        ssize_t got = *n < CHILD_OUTPUT_MAX
                          ? read(fd, buf + *n, CHILD_OUTPUT_MAX - *n)
                          : read(fd, sink, sizeof sink);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return 0;
        if (*n < CHILD_OUTPUT_MAX)
            *n += (size_t)got;
    }
}

static int spawn(char *const argv[], int out_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    sigset_t none;
    sigemptyset(&none);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, out_fd, STDERR_FILENO);
    posix_spawnattr_init(&at);
    /* The server blocks SIGTERM and SIGINT in every thread for sigwait;
     * the child must stay killable. */
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
    int rc = posix_spawn(pid, engine_path, &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return rc;
}

/* Takes a place for a child, waiting up to ENGINE_WAIT_S; 0 or -1. */
static int engine_enter(void)
{
    struct timespec deadline = avp_deadline_ms(ENGINE_WAIT_S * 1000);
    int rc = 0;
    pthread_mutex_lock(&engine_mu);
    if (engine_stats.running >= engine_stats.max)
        engine_stats.waits++;
    while (engine_stats.running >= engine_stats.max && rc == 0)
        rc = pthread_cond_timedwait(&engine_cv, &engine_mu, &deadline);
    if (engine_stats.running < engine_stats.max) {
        rc = 0;
        if (++engine_stats.running > engine_stats.peak)
            engine_stats.peak = engine_stats.running;
    }
    pthread_mutex_unlock(&engine_mu);
    return rc ? -1 : 0;
}

static void engine_leave(void)
{
    pthread_mutex_lock(&engine_mu);
    engine_stats.running--;
    pthread_cond_signal(&engine_cv);
    pthread_mutex_unlock(&engine_mu);
}

void api__engine_stats(api_engine_stats_t *out)
{
    pthread_once(&engine_once, find_engine);
    pthread_mutex_lock(&engine_mu);
    *out = engine_stats;
    pthread_mutex_unlock(&engine_mu);
}

const char *api__after_path(const char *msg, const char *path)
{
    const char *at = strstr(msg, path);
    if (!at || at[strlen(path)] != ':')
        return msg;
    at += strlen(path) + 1;
    return at + (*at == ' ');
}

void api__engine_limit(int max)
{
    pthread_once(&engine_once, find_engine);
    pthread_mutex_lock(&engine_mu);
    engine_stats.max = max > 0 ? max : default_limit();
    pthread_cond_broadcast(&engine_cv);
    pthread_mutex_unlock(&engine_mu);
}

void api__engine_limits(const avp_limits_t *limits)
{
    pthread_mutex_lock(&engine_mu);
    engine_limits = *limits;
    pthread_mutex_unlock(&engine_mu);
}

void api__engine_limits_get(avp_limits_t *out)
{
    pthread_mutex_lock(&engine_mu);
    *out = engine_limits;
    pthread_mutex_unlock(&engine_mu);
}

/* Spawns argv, collects its output, kills it past timeout_s or once
 * *cancel is set. */
static int run_engine(char *const argv[], double timeout_s,
                      const atomic_int *cancel, char **out)
{
    int fds[2], status = -1;
    pid_t pid;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    int rc = spawn(argv, fds[1], &pid);
    close(fds[1]);
    if (rc == 0) {
        size_t n = 0;
        char *buf = avp_malloc(CHILD_OUTPUT_MAX + 1);
        if (read_until(fds[0], buf, &n, avp_now() + timeout_s, cancel) < 0) {
            kill(pid, SIGKILL);
            if (!cancel || !atomic_load(cancel))
                fprintf(stderr, "avp serve: `avp %s %s` killed after %.0f "
                        "s\n", argv[3], argv[4] ? argv[4] : "", timeout_s);
        }
        buf[n] = '\0';
        *out = buf;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    }
    close(fds[0]);
    if (rc != 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : API_ENGINE_KILLED;
}

/* api__run_engine_limited() that a flag can stop. */
static int run_limited(const char *const args[], const avp_limits_t *limits,
                       double timeout_s, const atomic_int *cancel, char **out)
{
    char spec[AVP_LIMITS_SPEC_MAX];
    char *argv[16] = {"avp", "--limits", spec};
    size_t argc = 3;
    avp_limits_format(limits, spec);
    for (; args[argc - 3] && argc < AVP_ARRAY_LEN(argv) - 1; argc++)
        argv[argc] = (char *)args[argc - 3];
    argv[argc] = NULL;
    *out = NULL;
    pthread_once(&engine_once, find_engine);
    if (!engine_path[0] || engine_enter() < 0)
        return -1;
    int status = run_engine(argv, timeout_s, cancel, out);
    engine_leave();
    return status;
}

int api__run_engine_limited(const char *const args[],
                            const avp_limits_t *limits, double timeout_s,
                            char **out)
{
    return run_limited(args, limits, timeout_s, NULL, out);
}

int api__run_engine_cancellable(const char *const args[], double timeout_s,
                                const atomic_int *cancel, char **out)
{
    avp_limits_t limits;
    api__engine_limits_get(&limits);
    return run_limited(args, &limits, timeout_s, cancel, out);
}

int api__run_engine(const char *const args[], double timeout_s, char **out)
{
    avp_limits_t limits;
    api__engine_limits_get(&limits);
    return api__run_engine_limited(args, &limits, timeout_s, out);
}
