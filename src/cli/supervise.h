/*
 * supervise.h - the child processes of `avp up`: started from the same
 * binary, their output copied to DATA/logs/<name>.log and, line by line
 * with a "[name] " prefix, to stdout; restarted with a backoff when they
 * die (with a log line saying which, how and how often); stopped with
 * SIGTERM, then SIGKILL after a timeout. Each live child has a pid file
 * DATA/run/<name>.pid. Children may run as another user (sup_run_as)
 * and under resource limits (util/limits.h), both set between fork and
 * exec. Used from one thread.
 */
#ifndef AVP_CLI_SUPERVISE_H
#define AVP_CLI_SUPERVISE_H

#include "util/limits.h"

#include <sys/types.h>

typedef struct sup sup_t;

/* exe is the program to run (this binary); logdir and rundir exist. */
sup_t *sup_create(const char *exe, const char *logdir, const char *rundir);
/* Stops what still runs (sup_stop) and frees. NULL is a no-op. */
void sup_destroy(sup_t *s);

/* Children started from now on run as uid/gid with no supplementary
 * groups (the supervisor must be root). */
void sup_run_as(sup_t *s, uid_t uid, gid_t gid);

/* Starts child `name` with argv (argv[0] is shown in ps; the program is
 * exe) under limits (NULL: none), on every restart too. The strings and
 * the limits are copied. Returns 0 or -1 (fork failed). */
int sup_spawn(sup_t *s, const char *name, const char *const *argv,
              const avp_limits_t *limits);

/* The same for another program (an absolute path): Prometheus under
 * `avp up --monitoring`. */
int sup_spawn_program(sup_t *s, const char *name, const char *program,
                      const char *const *argv, const avp_limits_t *limits);

/* Copies output, reaps children that exited and restarts those whose
 * backoff has passed; waits up to timeout_ms for output. */
void sup_poll(sup_t *s, int timeout_ms);

/* SIGTERM to every child, up to timeout_s for them to exit, then SIGKILL.
 * No restarts afterwards. */
void sup_stop(sup_t *s, double timeout_s);

#endif
