/* supervise.c - start, watch, restart and stop the children of `avp up`
 * (see supervise.h). One poll() loop over the children's output pipes
 * does everything, so no signal handler has to be careful: exits are
 * found with waitpid(WNOHANG) after each poll. */
#include "supervise.h"

#include "util/avp.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CHILDREN 260
#define MAX_ARGS 16
#define BACKOFF_MAX_S 30
/* A child that ran this long before dying starts its backoff over. */
#define HEALTHY_S 60.0

typedef struct child {
    char name[64];
    char *program;      /* NULL: the supervisor's exe */
    char *argv[MAX_ARGS + 1];
    avp_limits_t limits;
    pid_t pid;          /* 0: not running */
    int out;            /* read end of its stdout+stderr, -1 if none */
    int log;            /* DATA/logs/<name>.log */
    bool line_start;    /* the next byte to stdout starts a line */
    int restarts, streak;
    double started, restart_at; /* restart_at 0: none due */
} child_t;

struct sup {
    char *exe, *logdir, *rundir;
    child_t kids[MAX_CHILDREN];
    int n;
    bool stopping;
    bool drop;          /* run children as uid/gid */
    uid_t uid;
    gid_t gid;
};

static char *path_of(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *p = avp_malloc(n);
    snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

sup_t *sup_create(const char *exe, const char *logdir, const char *rundir)
{
    sup_t *s = avp_calloc(1, sizeof *s);
    s->exe = avp_strdup(exe);
    s->logdir = avp_strdup(logdir);
    s->rundir = avp_strdup(rundir);
    return s;
}

void sup_run_as(sup_t *s, uid_t uid, gid_t gid)
{
    s->drop = true;
    s->uid = uid;
    s->gid = gid;
}

static void write_pidfile(sup_t *s, child_t *c)
{
    char *p = path_of(s->rundir, c->name, ".pid");
    FILE *f = fopen(p, "w");
    if (f) {
        fprintf(f, "%d\n", (int)c->pid);
        fclose(f);
    }
    avp_free(p);
}

static void remove_pidfile(sup_t *s, child_t *c)
{
    char *p = path_of(s->rundir, c->name, ".pid");
    unlink(p);
    avp_free(p);
}

/* In the child: its user, then its limits; a child that cannot have
 * them must not run. Before PR_SET_PDEATHSIG, which setuid clears. */
static void confine(sup_t *s, child_t *c)
{
    avp_error_t err = {0};
    if (s->drop && (setgroups(0, NULL) || setgid(s->gid) || setuid(s->uid))) {
        fprintf(stderr, "cannot become uid %d: %s\n", (int)s->uid,
                strerror(errno));
        _exit(126);
    }
    if (avp_limits_apply(&c->limits, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        _exit(126);
    }
}

/* In the child: output into the pipe, default signals, then exec. */
static void exec_child(sup_t *s, child_t *c, int fds[2], pid_t parent)
{
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    confine(s, c);
    /* If `avp up` is killed outright, its children must not live on as
     * orphans holding the port for the next `avp up`. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1); /* it died before prctl took effect */
    const char *program = c->program ? c->program : s->exe;
    execv(program, c->argv);
    fprintf(stderr, "exec %s: %s\n", program, strerror(errno));
    _exit(127);
}

static int start(sup_t *s, child_t *c)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    pid_t parent = getpid(), pid = fork();
    if (pid < 0) {
        close(fds[0]), close(fds[1]);
        return -1;
    }
    if (pid == 0)
        exec_child(s, c, fds, parent);
    close(fds[1]);
    if (c->out >= 0)
        close(c->out);
    c->out = fds[0];
    c->pid = pid;
    c->started = avp_now();
    c->restart_at = 0;
    c->line_start = true;
    write_pidfile(s, c);
    return 0;
}

int sup_spawn(sup_t *s, const char *name, const char *const *argv,
              const avp_limits_t *limits)
{
    return sup_spawn_program(s, name, NULL, argv, limits);
}

int sup_spawn_program(sup_t *s, const char *name, const char *program,
                      const char *const *argv, const avp_limits_t *limits)
{
    if (s->n == MAX_CHILDREN)
        return -1;
    child_t *c = &s->kids[s->n++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->program = program ? avp_strdup(program) : NULL;
    for (int i = 0; argv[i] && i < MAX_ARGS; i++)
        c->argv[i] = avp_strdup(argv[i]);
    if (limits)
        c->limits = *limits;
    c->out = -1;
    char *log = path_of(s->logdir, name, ".log");
    c->log = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    avp_free(log);
    return start(s, c);
}

/* Copies a chunk of a child's output to its log and, prefixed, to stdout. */
static void copy_out(child_t *c, const char *buf, size_t n)
{
    if (c->log >= 0) {
        ssize_t w = write(c->log, buf, n);
        (void)w; /* a full disk must not stop the supervisor */
    }
    for (size_t i = 0; i < n; i++) {
        if (c->line_start)
            printf("[%s] ", c->name);
        putchar(buf[i]);
        c->line_start = buf[i] == '\n';
    }
    fflush(stdout);
}

static void pump(sup_t *s, int timeout_ms)
{
    struct pollfd pfd[MAX_CHILDREN];
    int idx[MAX_CHILDREN], n = 0;
    for (int i = 0; i < s->n; i++)
        if (s->kids[i].out >= 0) {
            pfd[n] = (struct pollfd){.fd = s->kids[i].out, .events = POLLIN};
            idx[n++] = i;
        }
    if (poll(pfd, (nfds_t)n, timeout_ms) <= 0)
        return;
    for (int k = 0; k < n; k++) {
        if (!(pfd[k].revents & (POLLIN | POLLHUP)))
            continue;
        child_t *c = &s->kids[idx[k]];
        char buf[4096];
        ssize_t got = read(c->out, buf, sizeof buf);
        if (got > 0)
            copy_out(c, buf, (size_t)got);
        else if (got == 0 || errno != EINTR)
            close(c->out), c->out = -1;
    }
}

static void describe(int st, char *out, size_t cap)
{
    if (WIFSIGNALED(st))
        snprintf(out, cap, "killed by signal %d (%s)", WTERMSIG(st),
                 strsignal(WTERMSIG(st)));
    else
        snprintf(out, cap, "exited with code %d", WEXITSTATUS(st));
}

static void on_exit_of(sup_t *s, child_t *c, int st)
{
    char how[96];
    describe(st, how, sizeof how);
    double lived = avp_now() - c->started;
    pid_t pid = c->pid;
    c->pid = 0;
    remove_pidfile(s, c);
    if (s->stopping) {
        printf("avp up: %s (pid %d) %s\n", c->name, (int)pid, how);
        return;
    }
    c->streak = lived > HEALTHY_S ? 0 : c->streak + 1;
    int wait_s = c->streak >= 5 ? BACKOFF_MAX_S : 1 << c->streak;
    if (wait_s > BACKOFF_MAX_S)
        wait_s = BACKOFF_MAX_S;
    c->restarts++;
    c->restart_at = avp_now() + wait_s;
    printf("avp up: %s (pid %d) %s after %.0f s; restart #%d in %d s\n",
           c->name, (int)pid, how, lived, c->restarts, wait_s);
    fflush(stdout);
}

static void reap(sup_t *s)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
        for (int i = 0; i < s->n; i++)
            if (s->kids[i].pid == pid)
                on_exit_of(s, &s->kids[i], st);
}

void sup_poll(sup_t *s, int timeout_ms)
{
    pump(s, timeout_ms);
    reap(s);
    double now = avp_now();
    for (int i = 0; i < s->n && !s->stopping; i++) {
        child_t *c = &s->kids[i];
        if (!c->pid && c->restart_at > 0 && now >= c->restart_at &&
            start(s, c) == 0)
            printf("avp up: %s restarted (pid %d)\n", c->name, (int)c->pid);
    }
}

static int running(const sup_t *s)
{
    int n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->kids[i].pid != 0;
    return n;
}

static void signal_all(sup_t *s, int sig)
{
    for (int i = 0; i < s->n; i++)
        if (s->kids[i].pid)
            kill(s->kids[i].pid, sig);
}

void sup_stop(sup_t *s, double timeout_s)
{
    s->stopping = true;
    signal_all(s, SIGTERM);
    double until = avp_now() + timeout_s;
    while (running(s) && avp_now() < until)
        sup_poll(s, 100);
    if (running(s)) {
        printf("avp up: %d children still running after %.0f s; SIGKILL\n",
               running(s), timeout_s);
        signal_all(s, SIGKILL);
        while (running(s))
            sup_poll(s, 100);
    }
    /* Drain what they wrote last (bounded: a grandchild could hold a pipe). */
    for (int tries = 0; tries < 50 && s->n; tries++)
        pump(s, 20);
}

void sup_destroy(sup_t *s)
{
    if (!s)
        return;
    sup_stop(s, 10);
    for (int i = 0; i < s->n; i++) {
        for (int k = 0; s->kids[i].argv[k]; k++)
            avp_free(s->kids[i].argv[k]);
        avp_free(s->kids[i].program);
        if (s->kids[i].log >= 0)
            close(s->kids[i].log);
    }
    avp_free(s->exe), avp_free(s->logdir), avp_free(s->rundir);
    avp_free(s);
}
