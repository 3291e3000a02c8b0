/* users.c - accounts made from the command line: the first admin of
 * `avp up` and `avp user add`. The password is hashed with the server's
 * own http_auth_password_hash() (argon2id), so a login through the API verifies
 * it with the same code. */
#include "config.h"

#include "http/http.h"

#include <string.h>

int cli_user_create(store_conn_t *c, const char *name, const char *password,
                    bool admin, avp_error_t *err)
{
    char hash[HTTP_AUTH_PASSWORD_HASH_MAX];
    if (!name[0] || strlen(name) > 64)
        return avp_error_set(err, AVP_EINVAL, "user name must have 1-64 "
                             "characters");
    int rc = http_auth_password_hash(password, hash, sizeof hash, err);
    if (rc)
        return rc;
    return store_user_create(c, name, hash, admin, err);
}
