/* static.c - the web UI's built files: GET/HEAD of any path outside /api/
 * and /ws/ serves the file under the static root, and paths that name no
 * file get index.html, so the single-page app's client-side routes
 * (/projects/7) load the app. civetweb sends the file (Range, ETag, HEAD).
 *
 * Safety: the dispatcher has refused every path with a ".." segment; here
 * the resolved path must also stay inside the root (a symlink pointing out
 * is refused), and dot-files (.env, .git) are never served. */
#include "http/internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int http__path_has_dotdot(const char *path)
{
    for (const char *s = path; (s = strstr(s, "..")); s += 2) {
        int starts = s == path || s[-1] == '/' || s[-1] == '\\';
        int ends = s[2] == '\0' || s[2] == '/' || s[2] == '\\';
        if (starts && ends)
            return 1;
    }
    return 0;
}

static int has_dotfile(const char *path) { return strstr(path, "/.") != NULL; }

/* Resolves root + rel to a regular file inside the root, into out
 * (PATH_MAX bytes). Returns 0 or -1. */
static int resolve(const char *root_real, const char *rel, char *out)
{
    char joined[PATH_MAX];
    int n = snprintf(joined, sizeof(joined), "%s%s", root_real, rel);
    if (n < 0 || n >= (int)sizeof(joined) || !realpath(joined, out))
        return -1;
    size_t rl = strlen(root_real);
    if (strncmp(out, root_real, rl) || out[rl] != '/')
        return -1;
    struct stat st;
    return stat(out, &st) == 0 && S_ISREG(st.st_mode) ? 0 : -1;
}

int http__static_serve(http_req_t *req)
{
    const char *root = req->srv->static_real;
    const char *path = req->ri->local_uri;
    char file[PATH_MAX];
    if (!root)
        return http_reply_error(req, 404, "not_found",
                                "no web UI is installed");
    if (!has_dotfile(path) && strcmp(path, "/") &&
        resolve(root, path, file) == 0)
        return http_reply_file(req, file, NULL);
    if (resolve(root, "/index.html", file) == 0)
        return http_reply_file(req, file, "text/html; charset=utf-8");
    return http_reply_error(req, 404, "not_found", "no web UI is installed");
}

int http__static_open(http_server_t *srv, avp_error_t *err)
{
    if (!srv->opt.static_root)
        return AVP_OK;
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(srv->opt.static_root, real) || stat(real, &st) ||
        !S_ISDIR(st.st_mode))
        return avp_error_set(err, AVP_ENOTFOUND,
                             "static root '%s' is not a directory",
                             srv->opt.static_root);
    avp_free(srv->static_real);
    srv->static_real = avp_strdup(real);
    return AVP_OK;
}
