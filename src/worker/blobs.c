/* blobs.c - a worker's copies of the videos and models it has no disk for
 * (worker.h).
 *
 * DESIGN. A file is named by its sha256. When the stored path does not
 * exist here (another machine), the file is fetched from a live API
 * server (api_servers, refreshed by each `avp serve` with AVP_PUBLIC_URL)
 * into CACHE/.<sha>.part with libcurl: a Range request continues a part a
 * cut transfer or a killed worker left. The whole part is hashed before it
 * is renamed to CACHE/<sha>, so a run never opens a partial or corrupt
 * file; a lock on the part keeps two workers of one machine from writing
 * it at once. Used files get a fresh mtime and the oldest go first when
 * the cache would pass its size.
 *
 * The servers want a worker credential: a random token whose SHA-256 this
 * worker stores in worker_credentials with a one-hour life, renewed at
 * half of it. Thread model: one worker_blobs_t per task loop, not shared. */
#include "worker/internal.h"

#include "store/catalog.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRED_TTL_S 3600
#define SERVER_MAX_AGE_S 15 /* three of `avp serve`'s beats */
#define SERVERS_MAX 8
#define TRIES_PER_SERVER 3
#define TOKEN_MAX 64

struct worker_blobs {
    store_pool_t *pool;
    char *name, *dir;
    uint64_t cap;
    char token[TOKEN_MAX];
    double token_at; /* avp_now() of its minting; 0: none yet */
};

int worker_blobs_create(store_pool_t *pool, const char *name,
                        const char *data_dir, uint64_t cap_bytes,
                        worker_blobs_t **out, avp_error_t *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/cache", data_dir);
    if ((mkdir(data_dir, 0700) < 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) < 0 && errno != EEXIST))
        return avp_error_set(err, AVP_EIO, "cache folder %s: %s", dir,
                             strerror(errno));
    if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT))
        return avp_error_set(err, AVP_EINTERNAL, "cannot start libsodium "
                             "or libcurl");
    worker_blobs_t *b = avp_calloc(1, sizeof *b);
    b->pool = pool;
    b->name = avp_strdup(name);
    b->dir = avp_strdup(dir);
    b->cap = cap_bytes;
    *out = b;
    return AVP_OK;
}

void worker_blobs_destroy(worker_blobs_t *b)
{
    if (!b)
        return;
    sodium_memzero(b->token, sizeof b->token);
    avp_free(b->name);
    avp_free(b->dir);
    avp_free(b);
}

/* A fresh credential when there is none or it is past half its life. */
static int credential(worker_blobs_t *b, avp_error_t *err)
{
    if (b->token_at > 0 && avp_now() - b->token_at < CRED_TTL_S / 2)
        return AVP_OK;
    uint8_t raw[32], hash[STORE_TOKEN_HASH_LEN];
    randombytes_buf(raw, sizeof raw);
    memcpy(b->token, "avpw_", 5);
    sodium_bin2base64(b->token + 5, sizeof b->token - 5, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    crypto_hash_sha256(hash, (const uint8_t *)b->token, strlen(b->token));
    store_conn_t *c;
    int rc = store_pool_acquire(b->pool, -1, &c, err);
    if (rc == AVP_OK) {
        rc = store_worker_credential_add(c, hash, b->name, CRED_TTL_S, err);
        store_pool_release(c);
    }
    b->token_at = rc == AVP_OK ? avp_now() : 0;
    return rc;
}

/* Whether the file at path hashes to sha256 (hex). */
static int hash_matches(const char *path, const char *sha256, char *got)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    crypto_hash_sha256_state st;
    uint8_t digest[crypto_hash_sha256_BYTES];
    size_t cap = 1 << 20;
    uint8_t *buf = avp_malloc(cap);
    ssize_t n;
    crypto_hash_sha256_init(&st);
    while ((n = read(fd, buf, cap)) > 0)
        crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
    crypto_hash_sha256_final(&st, digest);
    avp_free(buf);
    close(fd);
    sodium_bin2hex(got, 65, digest, sizeof digest);
    return n == 0 && !strcmp(got, sha256);
}

/* ---- one transfer ------------------------------------------------------ */

typedef struct sink {
    CURL *curl;
    int fd;
    int64_t offset; /* bytes the part had when the request left */
    uint64_t cap;
    int started;
} sink_t;

/* Appends to the part; a 200 (the server ignored Range) starts it over. */
static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    sink_t *s = user;
    size_t len = size * n;
    if (!s->started) {
        long status = 0;
        curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 && s->offset > 0 && ftruncate(s->fd, 0) < 0)
            return 0;
        if (status == 200)
            s->offset = 0;
        s->started = 1;
    }
    struct stat st;
    if (fstat(s->fd, &st) < 0 || (uint64_t)st.st_size + len > s->cap)
        return 0; /* larger than the whole cache: refused */
    return write(s->fd, data, len) == (ssize_t)len ? len : 0;
}

/* GETs base/api/blobs?sha256= into the part open on fd, from its current
 * end. Returns AVP_OK, AVP_ENOTFOUND (the server has no such file) or
 * AVP_EIO (cut, refused, unreachable: worth another try). */
static int transfer(worker_blobs_t *b, const char *base, const char *sha256,
                    int fd, avp_error_t *err)
{
    char url[STORE_URL_MAX + 128], auth[TOKEN_MAX + 32], why[CURL_ERROR_SIZE];
    snprintf(url, sizeof url, "%s/api/blobs?sha256=%s", base, sha256);
    snprintf(auth, sizeof auth, "X-AVP-Worker-Token: %s", b->token);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return avp_error_set(err, AVP_EIO, "%s: %s", sha256, strerror(errno));
    sink_t s = {.curl = curl_easy_init(), .fd = fd, .offset = st.st_size,
                .cap = b->cap};
    struct curl_slist *h = curl_slist_append(NULL, auth);
    why[0] = 0;
    curl_easy_setopt(s.curl, CURLOPT_URL, url);
    curl_easy_setopt(s.curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s.curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(s.curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(s.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s.curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(s.curl, CURLOPT_LOW_SPEED_LIMIT, 1L); /* stalled: */
    curl_easy_setopt(s.curl, CURLOPT_LOW_SPEED_TIME, 60L); /* cut it */
    curl_easy_setopt(s.curl, CURLOPT_ERRORBUFFER, why);
    curl_easy_setopt(s.curl, CURLOPT_RESUME_FROM_LARGE,
                     (curl_off_t)s.offset);
    curl_easy_setopt(s.curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s.curl, CURLOPT_WRITEDATA, &s);
    if (s.offset > 0)
        fprintf(stderr, "worker %s: resuming %s at byte %lld from %s\n",
                b->name, sha256, (long long)s.offset, base);
    CURLcode cc = curl_easy_perform(s.curl);
    long status = 0;
    curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(s.curl);
    if (cc == CURLE_OK || (status == 416 && s.offset > 0))
        return AVP_OK; /* 416: the part was whole already */
    if (status == 404)
        return avp_error_set(err, AVP_ENOTFOUND, "%s has no file %s (it is "
                             "missing from that server's disk)", base, sha256);
    return avp_error_set(err, AVP_EIO, "fetching %s from %s: %s", sha256,
                         base, why[0] ? why : curl_easy_strerror(cc));
}

/* ---- the cache --------------------------------------------------------- */

typedef struct entry {
    char name[72];
    time_t mtime;
    uint64_t size;
} entry_t;

static int older_first(const void *a, const void *b)
{
    time_t x = ((const entry_t *)a)->mtime, y = ((const entry_t *)b)->mtime;
    return (x > y) - (x < y);
}

/* Removes the least recently used finished files until `incoming` more
 * bytes fit under the cap (parts, dot names, are left to their writers). */
static void make_room(worker_blobs_t *b, uint64_t incoming)
{
    DIR *d = opendir(b->dir);
    entry_t *e = NULL;
    size_t n = 0, cap = 0;
    uint64_t total = incoming;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        struct stat st;
        if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof e->name ||
            fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap)
            e = avp_realloc(e, (cap = cap ? 2 * cap : 16) * sizeof *e);
        memcpy(e[n].name, de->d_name, strlen(de->d_name) + 1);
        e[n].mtime = st.st_mtime;
        e[n++].size = (uint64_t)st.st_size;
        total += (uint64_t)st.st_size;
    }
    qsort(e, n, sizeof *e, older_first);
    for (size_t i = 0; i < n && total > b->cap; i++)
        if (unlinkat(dirfd(d), e[i].name, 0) == 0)
            total -= e[i].size;
    avp_free(e);
    if (d)
        closedir(d);
}

/* Fetches sha256 into the part and, once it hashes right, to final. */
static int fetch(worker_blobs_t *b, const char *sha256, const char *part,
                 const char *final, int fd, avp_error_t *err)
{
    char urls[SERVERS_MAX][STORE_URL_MAX], got[65];
    int n = 0, rc = credential(b, err);
    store_conn_t *c;
    if (rc == AVP_OK && (rc = store_pool_acquire(b->pool, -1, &c, err)) == 0) {
        rc = store_servers_live(c, SERVER_MAX_AGE_S, urls, SERVERS_MAX, &n,
                                err);
        store_pool_release(c);
    }
    if (rc == AVP_OK && n == 0)
        rc = avp_error_set(err, AVP_EUNAVAILABLE, "file %s is not on this "
                           "machine and no API server registered an "
                           "AVP_PUBLIC_URL in the last %d s", sha256,
                           SERVER_MAX_AGE_S);
    for (int i = 0; rc == AVP_OK && i < n * TRIES_PER_SERVER; i++) {
        rc = transfer(b, urls[i % n], sha256, fd, err);
        if (rc == AVP_OK)
            break;
        if ((rc == AVP_EIO || rc == AVP_ENOTFOUND) &&
            i + 1 < n * TRIES_PER_SERVER) {
            fprintf(stderr, "worker %s: %s; trying again\n", b->name,
                    err->msg);
            sleep(rc == AVP_EIO); /* a cut server may be back in a moment */
            rc = AVP_OK;
        }
    }
    if (rc < 0)
        return rc;
    if (!hash_matches(part, sha256, got)) {
        unlink(part);
        return avp_error_set(err, AVP_EFORMAT, "file %s is corrupt: what "
                             "the server sent hashes to %s", sha256, got);
    }
    struct stat st;
    make_room(b, fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0);
    if (rename(part, final) < 0)
        return avp_error_set(err, AVP_EIO, "%s: %s", final, strerror(errno));
    return AVP_OK;
}

int worker_blobs_get(worker_blobs_t *b, const char *sha256, const char *local,
                     char *out, avp_error_t *err)
{
    char part[PATH_MAX];
    if (access(local, R_OK) == 0) {
        snprintf(out, PATH_MAX, "%s", local);
        return AVP_OK; /* this machine holds the server's own file */
    }
    if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return avp_error_set(err, AVP_ENOTFOUND, "%s is not on this machine "
                             "and has no sha256 to fetch it by", local);
    snprintf(out, PATH_MAX, "%s/%s", b->dir, sha256);
    if (utimensat(AT_FDCWD, out, NULL, 0) == 0)
        return AVP_OK; /* cached; used now, for the LRU order */
    snprintf(part, sizeof part, "%s/.%s.part", b->dir, sha256);
    int fd = open(part, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return avp_error_set(err, AVP_EIO, "%s: %s", part, strerror(errno));
    flock(fd, LOCK_EX); /* another worker may be writing it */
    int rc = AVP_OK;
    if (access(out, R_OK) < 0)
        rc = fetch(b, sha256, part, out, fd, err);
    else
        unlink(part); /* the worker that held the lock made out; this is
                       * a new empty part nobody else will write */
    close(fd);
    return rc;
}
