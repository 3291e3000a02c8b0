/* args.c - argument parsing helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_float(const char *s, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_bad_option(const char *cmd, int opt, char **argv, const char *usage)
{
    /* getopt_long has stepped past the culprit, except within a cluster
     * of short options, where optopt names it. */
    const char *arg = argv[optind - 1];
    char short_opt[3] = {'-', (char)optopt, 0};
    if (optopt > 0 && optopt < 128 && strncmp(arg, "--", 2))
        arg = short_opt;
    if (opt == ':')
        fprintf(stderr, "avp %s: option '%s' needs a value\n%s", cmd, arg,
                usage);
    else
        fprintf(stderr, "avp %s: bad option '%s'\n%s", cmd, arg, usage);
    return 2;
}

int cli_bad_argument(const char *cmd, const char *arg, const char *usage)
{
    fprintf(stderr, "avp %s: unexpected argument '%s'\n%s", cmd, arg, usage);
    return 2;
}

int cli_bad_value(const char *cmd, const struct option *longopts, int opt,
                  const char *val)
{
    for (; longopts->name; longopts++)
        if (longopts->val == opt && !longopts->flag) {
            fprintf(stderr, "avp %s: invalid value '%s' for --%s\n", cmd,
                    val, longopts->name);
            return 2;
        }
    fprintf(stderr, "avp %s: invalid value '%s' for -%c\n", cmd, val, opt);
    return 2;
}

int cli_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* A class is named by its label ("person") or its index ("0"). */
static int class_index(const char *tok, const detect_names_t *names)
{
    long idx;
    if (cli_parse_int(tok, 0, detect_names_count(names) - 1, &idx) == 0)
        return (int)idx;
    return detect_names_find(names, tok);
}

int cli_parse_classes(const char *list, const detect_names_t *names,
                      bool *keep, avp_error_t *err)
{
    int n = detect_names_count(names);
    memset(keep, 0, (size_t)n * sizeof(bool));
    char *copy = avp_strdup(list), *save = NULL;
    int rc = 0, any = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        int c = class_index(tok, names);
        if (c < 0) {
            rc = avp_error_set(err, AVP_EINVAL, "unknown class '%s'", tok);
            break;
        }
        keep[c] = true;
        any = 1;
    }
    if (rc == 0 && !any)
        rc = avp_error_set(err, AVP_EINVAL, "empty class list");
    avp_free(copy);
    return rc ? -1 : 0;
}
