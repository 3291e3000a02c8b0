/* test_server_main.c - the server under test for test_http.py: the real
 * server with demo routes and an in-memory auth store (user alice,
 * password s3cret-passw0rd) that exists only here. Prints "PORT <n>" once listening
 * and runs until its stdin closes, then stops and frees everything (so a
 * sanitizer build checks the shutdown path too).
 *
 * Usage: test_server_main STATIC_ROOT [THREADS] (THREADS for benchmarks;
 * default 16). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/reply.h"

/* ---- in-memory auth store (one user, a few sessions) ---- */

typedef struct mem_store {
    pthread_mutex_t mu;
    http_auth_user_t user;
    char password_hash[HTTP_AUTH_PASSWORD_HASH_MAX];
    uint8_t sessions[64][HTTP_AUTH_HASH_LEN];
    int nsessions;
} mem_store_t;

static int mem_user(void *ctx, const char *name, http_auth_user_t *user,
                    char *hash, size_t cap)
{
    mem_store_t *s = ctx;
    if (strcmp(name, s->user.name))
        return AVP_ENOTFOUND;
    *user = s->user;
    snprintf(hash, cap, "%s", s->password_hash);
    return AVP_OK;
}

static int mem_session_insert(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                              int64_t user_id, int64_t expires)
{
    mem_store_t *s = ctx;
    (void)user_id, (void)expires;
    pthread_mutex_lock(&s->mu);
    memcpy(s->sessions[s->nsessions++ % 64], hash, HTTP_AUTH_HASH_LEN);
    pthread_mutex_unlock(&s->mu);
    return AVP_OK;
}

/* Returns the index of hash or -1; called with s->mu held. */
static int mem_find(mem_store_t *s, const uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    int n = s->nsessions < 64 ? s->nsessions : 64;
    for (int i = 0; i < n; i++)
        if (!memcmp(s->sessions[i], hash, HTTP_AUTH_HASH_LEN))
            return i;
    return -1;
}

static int mem_session_find(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                            int64_t now, http_auth_user_t *user)
{
    mem_store_t *s = ctx;
    (void)now;
    pthread_mutex_lock(&s->mu);
    int i = mem_find(s, hash);
    pthread_mutex_unlock(&s->mu);
    if (i < 0)
        return AVP_ENOTFOUND;
    *user = s->user;
    return AVP_OK;
}

static int mem_session_delete(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN])
{
    mem_store_t *s = ctx;
    pthread_mutex_lock(&s->mu);
    int i = mem_find(s, hash);
    if (i >= 0)
        memset(s->sessions[i], 0, HTTP_AUTH_HASH_LEN);
    pthread_mutex_unlock(&s->mu);
    return i < 0 ? AVP_ENOTFOUND : AVP_OK;
}

static int mem_key_find(void *ctx, const uint8_t hash[HTTP_AUTH_HASH_LEN],
                        http_auth_user_t *user)
{
    (void)ctx, (void)hash, (void)user;
    return AVP_ENOTFOUND;
}

/* ---- demo routes ---- */

static atomic_int ready = 1;

/* Not ready as a store says it: its words name a socket, for the log. */
static int demo_ready(void *ctx, avp_error_t *err)
{
    (void)ctx;
    if (atomic_load(&ready))
        return AVP_OK;
    avp_error_set(err, AVP_EUNAVAILABLE, "database connection: connection to "
                  "server on socket \"/run/demo/.s.PGSQL.5432\" failed");
    err->log_only = 1;
    return AVP_EUNAVAILABLE;
}

static int demo_ws_access(void *ctx, const http_auth_user_t *user,
                          const char *topic, int64_t task)
{
    (void)ctx, (void)user, (void)topic;
    return task <= 1000 ? AVP_OK : AVP_ENOTFOUND;
}

static void echo(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_json(req, 200, json_pack("{s:O}", "echo", http_req_body(req)));
}

/* Keyset pagination over the ids 1..95, newest (highest) first. */
static void items(http_req_t *req, void *ctx)
{
    (void)ctx;
    int64_t after = 96;
    if (http_reply_cursor_or_reply(req, &after, 1) < 0)
        return;
    int64_t limit = http_req_query_int(req, "limit", 20);
    json_t *list = json_array();
    int64_t id = after - 1;
    for (; id >= 1 && (int64_t)json_array_size(list) < limit; id--)
        json_array_append_new(list, json_pack("{s:I}", "id", (json_int_t)id));
    json_t *next = json_null();
    if (id >= 1) {
        char c[HTTP_REPLY_CURSOR_MAX];
        int64_t last = id + 1;
        http_reply_cursor_encode(&last, 1, c);
        next = json_string(c);
    }
    http_reply_json(
        req, 200, json_pack("{s:o, s:o}", "items", list, "next_cursor", next));
}

static void project(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_json(req, 200,
                    json_pack("{s:I, s:s}", "id",
                              (json_int_t)http_req_param(req, "id"), "user",
                              http_req_user(req)->name));
}

static void project_delete(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_empty(req, 204);
}

static void stream(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_stream_t s;
    int64_t n = http_req_query_int(req, "n", 10);
    http_reply_stream_begin(&s, req, 200, "application/x-ndjson");
    for (int64_t i = 0; i < n; i++) {
        json_t *line = json_pack("{s:I, s:s}", "i", (json_int_t)i, "pad",
                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        int rc = http_reply_stream_json_line(&s, line);
        json_decref(line);
        if (rc < 0)
            break; /* the client went away: stop producing */
    }
    http_reply_stream_end(&s);
}

/* Streams a raw body in constant memory; replies its size and FNV-1a. */
static void upload(http_req_t *req, void *ctx)
{
    (void)ctx;
    enum { CHUNK = 65536 };
    unsigned char *buf = avp_malloc(CHUNK); /* not on a 100 KiB stack */
    uint64_t h = 1469598103934665603ULL, n = 0;
    long r;
    while ((r = http_reply_read_chunk_or_reply(req, buf, CHUNK)) > 0) {
        for (long i = 0; i < r; i++)
            h = (h ^ buf[i]) * 1099511628211ULL;
        n += (uint64_t)r;
    }
    avp_free(buf);
    if (r < 0)
        return;
    char hex[17];
    snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)h);
    http_reply_json(
        req, 200,
        json_pack("{s:I, s:s}", "bytes", (json_int_t)n, "fnv1a", hex));
}

static void push(http_req_t *req, void *ctx)
{
    http_server_t *srv = ctx;
    json_t *b = http_req_body(req);
    int64_t task = http_req_param(req, "id");
    const char *text = json_string_value(json_object_get(b, "text"));
    int n = json_is_true(json_object_get(b, "end"))
                ? http_ws_end(srv, "ws_progress", task, text)
                : http_ws_push(srv, "ws_progress", task, text);
    http_reply_json(req, 200, json_pack("{s:i}", "sent", n));
}

static void set_ready(http_req_t *req, void *ctx)
{
    (void)ctx;
    atomic_store(&ready,
                 json_is_true(json_object_get(http_req_body(req), "ready")));
    http_reply_empty(req, 204);
}

static void unavailable(http_req_t *req, void *ctx)
{
    (void)ctx;
    http_reply_unavailable(req, 7, "the pool is exhausted");
}

static void no_reply(http_req_t *req, void *ctx)
{
    (void)req, (void)ctx; /* a buggy handler: the dispatcher answers 500 */
}

static const http_schema_field_t echo_body[] = {
    {"name", HTTP_SCHEMA_STRING, 1, 1, 32, "a name", NULL},
    {"conf", HTTP_SCHEMA_NUMBER, 0, 0, 1, "confidence threshold", NULL},
    {"every", HTTP_SCHEMA_INTEGER, 0, 1, 100, "frame step", NULL},
    {0}};
static const http_schema_field_t items_query[] = {
    {"cursor", HTTP_SCHEMA_STRING, 0, 1, HTTP_REPLY_CURSOR_MAX,
     "from next_cursor", NULL},
    {"limit", HTTP_SCHEMA_INTEGER, 0, 1, 1000, "page size (default 20)", NULL},
    {0}};
static const http_schema_field_t stream_query[] = {
    {"n", HTTP_SCHEMA_INTEGER, 0, 0, 10000000, "lines", NULL}, {0}};
static const http_schema_field_t push_body[] = {
    {"text", HTTP_SCHEMA_STRING, 0, 0, 0, NULL, NULL},
    {"end", HTTP_SCHEMA_BOOLEAN, 0, 0, 0, NULL, NULL},
    {0}};
static const http_schema_field_t ready_body[] = {
    {"ready", HTTP_SCHEMA_BOOLEAN, 1, 0, 0, NULL, NULL}, {0}};

static int add_routes(http_server_t *srv, avp_error_t *err)
{
    const http_route_t routes[] = {
        {"POST", "/api/echo", "echo", "Echo a checked body", echo, NULL,
         HTTP_PUBLIC, echo_body, NULL, 0},
        {"GET", "/api/items", "items", "Keyset-paginated demo list", items,
         NULL, HTTP_PUBLIC, NULL, items_query, 0},
        {"GET", "/api/projects/{id}", "project_get", "A project", project, NULL,
         0, NULL, NULL, 0},
        {"DELETE", "/api/projects/{id}", "project_delete", "Delete a project",
         project_delete, NULL, 0, NULL, NULL, 0},
        {"GET", "/api/stream.ndjson", "stream", "NDJSON stream", stream, NULL,
         HTTP_PUBLIC, NULL, stream_query, 0},
        {"POST", "/api/upload", "upload", "Stream a raw body (1 MiB max)",
         upload, NULL, HTTP_PUBLIC | HTTP_RAW_BODY, NULL, NULL, 1 << 20},
        {"POST", "/api/tasks/{id}/push", "push", "Push to WebSocket watchers",
         push, srv, HTTP_PUBLIC, push_body, NULL, 0},
        {"POST", "/api/ready", "set_ready", "Toggle /readyz", set_ready, NULL,
         HTTP_PUBLIC, ready_body, NULL, 0},
        {"GET", "/api/unavailable", "unavailable", "Always 503", unavailable,
         NULL, HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/api/no-reply", "no_reply", "A handler that forgets to reply",
         no_reply, NULL, HTTP_PUBLIC, NULL, NULL, 0},
        {"GET", "/ws/progress/{task_id}", "ws_progress",
         "WebSocket: what /api/tasks/{id}/push sends", NULL, NULL,
         HTTP_WEBSOCKET, NULL, NULL, 0},
    };
    return http_server_add_routes(srv, routes, AVP_ARRAY_LEN(routes), err);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s STATIC_ROOT [THREADS]\n", argv[0]);
        return 2;
    }
    static mem_store_t ms = {.mu = PTHREAD_MUTEX_INITIALIZER,
                             .user = {.id = 1, .name = "alice", .admin = 1}};
    avp_error_t err;
    if (http_auth_password_hash("s3cret-passw0rd", ms.password_hash,
                                sizeof(ms.password_hash), &err) < 0)
        return fprintf(stderr, "%s\n", err.msg), 1;
    http_auth_store_t table = {&ms,
                               mem_user,
                               mem_session_insert,
                               mem_session_find,
                               mem_session_delete,
                               mem_key_find};
    http_server_options_t opt = {.port = 0,
                                 .threads = argc == 3 ? atoi(argv[2]) : 16,
                                 .static_root = argv[1],
                                 .max_body = 64 * 1024,
                                 .ws_ping_s = 1,
                                 .auth_store = &table,
                                 .ready = demo_ready,
                                 .ws_access = demo_ws_access,
                                 .metrics_listen = "127.0.0.1:0",
                                 .metrics_token = "metrics-secret"};
    http_server_t *srv = http_server_create(&opt, &err);
    int rc = srv ? add_routes(srv, &err) : AVP_EINVAL;
    if (rc == AVP_OK)
        rc = http_server_start(srv, &err);
    if (rc < 0) {
        fprintf(stderr, "test_server_main: %s\n", err.msg);
        http_server_destroy(srv);
        return 1;
    }
    printf("PORT %d %d\n", http_server_port(srv),
           http_server_metrics_port(srv));
    fflush(stdout);
    char buf[64];
    while (read(0, buf, sizeof(buf)) > 0) {}
    http_server_destroy(srv);
    return 0;
}
