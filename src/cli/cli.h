/*
 * cli.h - the `avp` command's subcommands. Each takes the arguments after
 * its name (argv[0] is the subcommand) and returns the process exit code:
 * 0 on success, 1 on a runtime failure, 2 on a usage error. Errors are one
 * line on stderr starting with "avp <command>: ".
 */
#ifndef AVP_CLI_CLI_H
#define AVP_CLI_CLI_H

#include "detect/detect.h"

int cli_detect(int argc, char **argv);
int cli_eval(int argc, char **argv);
/* `avp eval track` (cmd_eval_track.c), reached through cli_eval. */
int cli_eval_track(int argc, char **argv);
int cli_gt(int argc, char **argv);
int cli_device(int argc, char **argv);
int cli_models(int argc, char **argv);
int cli_media(int argc, char **argv);
int cli_worker(int argc, char **argv);
int cli_up(int argc, char **argv);
int cli_migrate(int argc, char **argv);
/* The avp-server binary's whole job (serve_main.c). */
int cli_serve(int argc, char **argv);
int cli_user(int argc, char **argv);

/* Shared helpers for subcommands (args.c). */

/* Options: each subcommand runs getopt_long over its own arguments (its
 * argv[0] is its name), with optind = 0 first, for a fresh scan whoever
 * parsed before, and ':' leading the optstring, so that getopt stays quiet
 * and the functions below say what is wrong, in the same words for
 * every command. They return 2, the exit code of a usage error. */
struct option;

/* An unknown option, or one without its value (getopt_long returned opt,
 * '?' or ':'): one line "avp CMD: ...", then usage. */
int cli_bad_option(const char *cmd, int opt, char **argv, const char *usage);
/* An argument that is not an option, one more than the command takes:
 * one line, then usage. */
int cli_bad_argument(const char *cmd, const char *arg, const char *usage);
/* A malformed or out-of-range value of the option whose code getopt_long
 * returned (named from longopts): "avp CMD: invalid value 'VAL' for --X". */
int cli_bad_value(const char *cmd, const struct option *longopts, int opt,
                  const char *val);

/* Parses a whole decimal number in [min, max]; returns 0 or -1. */
int cli_parse_int(const char *s, long min, long max, long *out);
/* Parses a finite float in [min, max]; returns 0 or -1. */
int cli_parse_float(const char *s, double min, double max, double *out);
/* Default thread count: the number of online cores. */
int cli_default_threads(void);
/* Parses "person,bicycle" or "0,1" into keep[] (num_classes entries).
 * Returns 0, or -1 with the offending name in err. */
int cli_parse_classes(const char *list, const detect_names_t *names,
                      bool *keep, avp_error_t *err);

#endif
