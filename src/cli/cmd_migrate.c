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
    "usage: avp migrate [--status | --dry-run]\n\nApplies the missing schema "
    "migrations to AVP_DATABASE_URL.\n"
    "  --status   list every migration of this binary as applied (when) or\n"
    "             pending, and count those applied by a newer release\n"
    "  --dry-run  print the pending migrations' SQL; nothing is written\n";

enum { MIGRATE_APPLY, MIGRATE_STATUS, MIGRATE_DRY_RUN };

/* Sets *mode; returns 0, -1 after --help, or 2. */
static int parse_migrate(int argc, char **argv, int *mode)
{
    static const struct option longopts[] = {
        {"help", no_argument, 0, 'h'}, {"status", no_argument, 0, 's'},
        {"dry-run", no_argument, 0, 'n'}, {0, 0, 0, 0}};
    int opt;
    optind = 0;
    *mode = MIGRATE_APPLY;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        if (opt == 's' || opt == 'n') {
            int m = opt == 's' ? MIGRATE_STATUS : MIGRATE_DRY_RUN;
            if (*mode != MIGRATE_APPLY && *mode != m) {
                fprintf(stderr, "avp migrate: --status and --dry-run exclude "
                        "each other\n%s", usage);
                return 2;
            }
            *mode = m;
            continue;
        }
        if (opt != 'h')
            return cli_bad_option("migrate", opt, argv, usage);
        fputs(usage, stdout);
        return -1;
    }
    return optind == argc ? 0 : cli_bad_argument("migrate", argv[optind],
                                                 usage);
}

/* --status and --dry-run: what is applied, and what migrate would run. */
static int report(store_pool_t *pool, int mode, avp_error_t *err)
{
    size_t n;
    const store_migration_t *list = store_migrations(&n);
    char (*at)[STORE_APPLIED_AT_MAX] = avp_calloc(n, sizeof *at);
    store_conn_t *c;
    int unknown = 0, pending = 0;
    int rc = store_pool_acquire(pool, -1, &c, err);
    if (rc == AVP_OK) {
        rc = store_migrate_status(c, list, n, at, &unknown, err);
        store_pool_release(c);
    }
    for (size_t i = 0; rc == AVP_OK && i < n; i++) {
        pending += !at[i][0];
        if (mode == MIGRATE_STATUS)
            printf("%-36s %s %s\n", list[i].name,
                   at[i][0] ? "applied" : "pending", at[i]);
        else if (!at[i][0])
            printf("-- avp migrate would apply %s\n%s\n", list[i].name,
                   list[i].sql);
    }
    if (rc == AVP_OK)
        printf("avp migrate: %zu applied, %d pending%s; %d applied by a newer "
               "release\n", n - (size_t)pending, pending,
               mode == MIGRATE_DRY_RUN ? " (dry run: nothing written)" : "",
               unknown);
    avp_free(at);
    return rc;
}

int cli_migrate(int argc, char **argv)
{
    int mode;
    int rc = parse_migrate(argc, argv, &mode);
    if (rc)
        return rc < 0 ? 0 : rc;
    cli_config_t cfg;
    store_pool_t *pool;
    int applied = 0;
    rc = cli_open_pool("migrate", &cfg, 1, &pool);
    avp_error_t err = {0};
    if (rc == 0 && mode != MIGRATE_APPLY) {
        if (report(pool, mode, &err)) {
            fprintf(stderr, "avp migrate: %s\n", err.msg);
            rc = 1;
        }
    } else if (rc == 0 && cli_apply_migrations(pool, &applied, &err)) {
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
