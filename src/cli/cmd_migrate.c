/* cmd_migrate.c - `avp migrate`: apply the schema migrations compiled into
 * the binary to AVP_DATABASE_URL. Safe to run while servers run and from
 * several processes at once (store_migrate() takes an advisory lock). */
#include "cli.h"
#include "config.h"

#include <stdio.h>
#include <string.h>

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

int cli_migrate(int argc, char **argv)
{
    if (argc > 1) {
        bool help = !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h");
        fputs("usage: avp migrate\n\nApplies the missing schema migrations "
              "to AVP_DATABASE_URL.\n", help ? stdout : stderr);
        return help ? 0 : 2;
    }
    cli_config_t cfg;
    store_pool_t *pool;
    int rc = cli_open_pool("migrate", &cfg, 1, &pool), applied = 0;
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
