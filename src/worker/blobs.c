/* blobs.c - a worker's copies of the videos and models it has no disk for
 * (worker.h).
 *
 * DESIGN. A file is named by its sha256. When the stored path does not
 * exist here (another machine), the file is fetched from a live API
 * server (api_servers, refreshed by each `avp serve` with AVP_PUBLIC_URL)
 * (or from the S3 store of AVP_STORAGE_URL first, when there is one)
 * into CACHE/.<sha>.part with libcurl (blob/blob.h): a Range request continues a part a
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

#include "blob/blob.h"
#include "store/catalog.h"

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
    const blob_s3_t *s3; /* NULL: no S3 store */
    char *name, *dir;
    uint64_t cap;
    char token[TOKEN_MAX];
    double token_at; /* avp_now() of its minting; 0: none yet */
};

int worker_blobs_create(store_pool_t *pool, const blob_s3_t *s3,
                        const char *name, const char *data_dir,
                        uint64_t cap_bytes, worker_blobs_t **out,
                        avp_error_t *err)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/cache", data_dir);
    if ((mkdir(data_dir, 0700) < 0 && errno != EEXIST) ||
        (mkdir(dir, 0700) < 0 && errno != EEXIST))
        return avp_error_set(err, AVP_EIO, "cache folder %s: %s", dir,
                             strerror(errno));
    if (sodium_init() < 0)
        return avp_error_set(err, AVP_EINTERNAL, "cannot start libsodium");
    if (blob_init(err))
        return err->code;
    worker_blobs_t *b = avp_calloc(1, sizeof *b);
    b->pool = pool;
    b->s3 = s3;
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
    snprintf(got, 65, "(unreadable)");
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

/* GETs base/api/blobs?sha256= into the part open on fd, from its current
 * end (blob_request's codes). */
static int transfer(worker_blobs_t *b, const char *base, const char *sha256,
                    int fd, avp_error_t *err)
{
    char url[STORE_URL_MAX + 128], auth[TOKEN_MAX + 32];
    snprintf(url, sizeof url, "%s/api/blobs?sha256=%s", base, sha256);
    snprintf(auth, sizeof auth, "X-AVP-Worker-Token: %s", b->token);
    const char *headers[] = {auth, NULL};
    blob_req_t q = {.url = url, .headers = headers, .in_fd = -1,
                    .out_fd = fd, .max_bytes = b->cap};
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0)
        fprintf(stderr, "worker %s: resuming %s at byte %lld from %s\n",
                b->name, sha256, (long long)st.st_size, base);
    int rc = blob_request(&q, NULL, err);
    if (rc == AVP_ENOTFOUND)
        avp_error_set(err, rc, "%s has no file %s (it is missing from that "
                      "server's disk)", base, sha256);
    return rc;
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
    if (n > 1) /* qsort of NULL, even for none, is undefined */
        qsort(e, n, sizeof *e, older_first);
    for (size_t i = 0; i < n && total > b->cap; i++)
        if (unlinkat(dirfd(d), e[i].name, 0) == 0)
            total -= e[i].size;
    avp_free(e);
    if (d)
        closedir(d);
}

/* Fetches sha256 into the part on fd from a live API server. */
static int from_servers(worker_blobs_t *b, const char *sha256, int fd,
                        avp_error_t *err)
{
    char urls[SERVERS_MAX][STORE_URL_MAX];
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
    return rc;
}

/* Fetches sha256 into the part (from the S3 store when there is one, else
 * or failing that from the servers) and, once it hashes right, to final. */
static int fetch(worker_blobs_t *b, const char *sha256, const char *part,
                 const char *final, int fd, avp_error_t *err)
{
    char got[65];
    int rc = b->s3 ? blob_s3_get(b->s3, sha256, fd, b->cap, err) : AVP_EIO;
    if (rc < 0 && b->s3)
        fprintf(stderr, "worker %s: S3: %s; asking the servers\n", b->name,
                err->msg);
    if (rc < 0)
        rc = from_servers(b, sha256, fd, err);
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
    /* The stored path first: on one machine, that is the file that went. */
    return rc < 0 ? avp_error_prefix(err, "%s", local) : AVP_OK;
}
