/* cmd_migrate.c - `avp migrate`: apply the schema migrations compiled into
 * the binary to AVP_DATABASE_URL. Safe to run while servers run and from
 * several processes at once (store_migrate() takes an advisory lock). */
#include "cli.h"
#include "config.h"

#include <getopt.h>
#include <stdio.h>

int cli_apply_migrations(store_pool_t *pool, int *applied, avp_error_t *err)
{
    store_conn_t *c;
    size_t n;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc)
        return rc;
    const store_migration_t *list = store_migrations(&n);
    rc = store_migrate(c, list, n, applied, err);
    store_pool_release(c);
    return rc;
}

static const char usage[] =
    "usage: avp migrate\n\nApplies the missing schema migrations to "
    "AVP_DATABASE_URL.\n";

/* It has no options but --help; returns 0, -1 after it, or 2. */
static int parse_migrate(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int opt;
    optind = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (opt != 'h')
            return cli_bad_option("migrate", opt, argv, usage);
        fputs(usage, stdout);
        return -1;
    }
    return optind == argc ? 0 : cli_bad_argument("migrate", argv[optind],
                                                 usage);
}

int cli_migrate(int argc, char **argv)
{
    int rc = parse_migrate(argc, argv);
    if (rc)
        return rc < 0 ? 0 : rc;
    cli_config_t cfg;
    store_pool_t *pool;
    int applied = 0;
    rc = cli_open_pool("migrate", &cfg, 1, &pool);
    avp_error_t err = {0};
    if (rc == 0 && cli_apply_migrations(pool, &applied, &err)) {
        fprintf(stderr, "avp migrate: %s\n", err.msg);
        rc = 1;
    } else if (rc == 0) {
        printf("avp migrate: %d migration%s applied\n", applied,
               applied == 1 ? "" : "s");
    }
    store_pool_destroy(pool);
    cli_config_fini(&cfg);
    return rc;
}
