/* cmd_user.c - `avp user add NAME [--admin]`: creates an account with the
 * same code `avp up` uses for its first admin (cli_user_create). The
 * password comes from AVP_PASSWORD (scripts) or is asked for on the
 * terminal without echo. */
#include "cli.h"
#include "config.h"

#include "http/http.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The longest password in UTF-8, its newline and NUL. */
#define PASSWORD_BUF (4 * HTTP_AUTH_PASSWORD_MAX + 2)

static const char user_usage[] =
    "usage: avp user add NAME [--admin]\n"
    "\n"
    "Creates a user. The password is read from AVP_PASSWORD, else asked for\n"
    "(twice) on the terminal, else read as one line from standard input; it\n"
    "has " AVP_STR(HTTP_AUTH_PASSWORD_MIN) " to " AVP_STR(HTTP_AUTH_PASSWORD_MAX) " characters.\n";

/* Reads one line into buf without echo when stdin is a terminal. */
static int read_password(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs(prompt, stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *line = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!line)
        return -1;
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

static int get_password(char *pw, size_t cap)
{
    const char *env = getenv("AVP_PASSWORD");
    char again[PASSWORD_BUF];
    if (env) {
        snprintf(pw, cap, "%s", env);
        return 0;
    }
    if (read_password("Password: ", pw, cap) < 0)
        return -1;
    if (isatty(STDIN_FILENO) &&
        (read_password("Again: ", again, sizeof again) < 0 || strcmp(pw, again))) {
        fprintf(stderr, "avp user: the passwords differ\n");
        return -1;
    }
    return 0;
}

/* `add NAME [--admin]` into *name and *admin; returns 0, -1 after --help,
 * or 2 after a usage error. */
static int parse_user(int argc, char **argv, const char **name, int *admin)
{
    static const struct option longopts[] = {
        {"admin", no_argument, 0, 'a'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'a': *admin = 1; break;
        case 'h': fputs(user_usage, stdout); return -1;
        default: return cli_bad_option("user", opt, argv, user_usage);
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "add")) {
        fputs(user_usage, stderr);
        return 2;
    }
    *name = argv[optind + 1];
    return 0;
}

int cli_user(int argc, char **argv)
{
    const char *name = NULL;
    int admin = 0, rc = parse_user(argc, argv, &name, &admin);
    if (rc)
        return rc < 0 ? 0 : rc;
    char pw[PASSWORD_BUF];
    if (get_password(pw, sizeof pw) < 0 || !pw[0]) {
        fprintf(stderr, "avp user: no password given\n");
        return 2;
    }
    cli_config_t cfg;
    store_pool_t *pool;
    store_conn_t *c;
    avp_error_t err = {0};
    rc = cli_open_pool("user", &cfg, 1, &pool);
    if (rc == 0 && (store_pool_acquire(pool, -1, &c, &err) ||
                    (rc = cli_user_create(c, name, pw, admin, &err),
                     store_pool_release(c), rc))) {
        fprintf(stderr, "avp user: %s\n", err.msg);
        rc = err.code == AVP_EINVAL ? 2 : 1;
    } else if (rc == 0)
        printf("avp user: created %s%s\n", name, admin ? " (admin)" : "");
    memset(pw, 0, sizeof pw);
    store_pool_destroy(pool);
    cli_config_fini(&cfg);
    return rc;
}
