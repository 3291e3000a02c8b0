/*
 * bench_queue.c - round-trip cost of the Redis layer on one connection:
 * enqueue, claim+ack, publish, cache hit, cache miss+set, invalidate.
 * Prints ops/s and p50/p99 latency per operation; bench/queue/run puts
 * redis-benchmark's raw GET/SET/XADD on the same server beside it.
 *
 * Usage: bench_queue URL [N]
 */
#include "queue/queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *lat, int n, double total)
{
    qsort(lat, (size_t)n, sizeof(*lat), cmp_double);
    printf("%-22s %9.0f ops/s   p50 %6.1f us   p99 %6.1f us\n", what,
           n / total, lat[n / 2] * 1e6, lat[(int)(n * 0.99)] * 1e6);
}

typedef int (*op_fn)(void *ctx, int i);

/* Runs op n times, timing each call; exits on the first failure. */
static void measure(const char *what, op_fn op, void *ctx, double *lat, int n)
{
    double start = avp_now();
    for (int i = 0; i < n; i++) {
        double t0 = avp_now();
        if (op(ctx, i) < 0) {
            fprintf(stderr, "%s: call %d failed\n", what, i);
            exit(1);
        }
        lat[i] = avp_now() - t0;
    }
    report(what, lat, n, avp_now() - start);
}

typedef struct bench {
    queue_conn_t *conn;
    queue_cache_t *cache;
    queue_msg_t msg;
    char key[64];
} bench_t;

static int op_enqueue(void *p, int i)
{
    bench_t *b = p;
    return queue_enqueue(b->conn, i, "detect", NULL, NULL);
}

static int op_claim_ack(void *p, int i)
{
    bench_t *b = p;
    (void)i;
    if (queue_claim(b->conn, "bench", 0, &b->msg, NULL) != 1)
        return -1;
    return queue_ack(b->conn, b->msg.id, NULL);
}

static int op_publish(void *p, int i)
{
    bench_t *b = p;
    return queue_publish_progress(b->conn, i % 100,
                                  "{\"frames\":1234,\"fps\":95.2}", NULL);
}

static const char *const TAGS[] = {"project:1", "stats"};
static const char VALUE[] =
    "{\"items\":[{\"id\":1,\"name\":\"a video\",\"size\":123456}],"
    "\"next_cursor\":null}";

static int op_cache_hit(void *p, int i)
{
    bench_t *b = p;
    queue_cache_ticket_t t;
    char *v;
    (void)i;
    int rc = queue_cache_get(b->cache, "hot", TAGS, 2, &v, NULL, &t, NULL);
    avp_free(v);
    return rc == 1 ? 0 : -1;
}

static int op_cache_miss_set(void *p, int i)
{
    bench_t *b = p;
    queue_cache_ticket_t t;
    char *v;
    snprintf(b->key, sizeof(b->key), "cold:%d", i);
    if (queue_cache_get(b->cache, b->key, TAGS, 2, &v, NULL, &t, NULL) != 0)
        return -1;
    return queue_cache_set(b->cache, b->key, VALUE, sizeof(VALUE) - 1, 60000,
                           TAGS, 2, &t, NULL);
}

static int op_invalidate(void *p, int i)
{
    bench_t *b = p;
    (void)i;
    return queue_cache_invalidate(b->cache, "project:2", NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_queue URL [N]\n");
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 20000;
    queue_opts_t o = {.ns = "bench"};
    bench_t b = {0};
    avp_error_t err;
    if (queue_conn_open(argv[1], &o, &b.conn, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    b.cache = queue_cache_create(b.conn);
    double *lat = avp_malloc((size_t)n * sizeof(*lat));
    measure("enqueue", op_enqueue, &b, lat, n);
    measure("claim+ack", op_claim_ack, &b, lat, n);
    measure("publish progress", op_publish, &b, lat, n);
    queue_cache_ticket_t t;
    char *v;
    queue_cache_get(b.cache, "hot", TAGS, 2, &v, NULL, &t, NULL);
    queue_cache_set(b.cache, "hot", VALUE, sizeof(VALUE) - 1, 600000, TAGS, 2,
                    &t, NULL);
    measure("cache get (hit)", op_cache_hit, &b, lat, n);
    measure("cache get+set (miss)", op_cache_miss_set, &b, lat, n);
    measure("cache invalidate", op_invalidate, &b, lat, n);
    avp_free(lat);
    queue_cache_destroy(b.cache);
    queue_conn_close(b.conn);
    return 0;
}
