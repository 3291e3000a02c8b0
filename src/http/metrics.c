/* metrics.c - Prometheus registry with lock-free updates; see metrics.h. */
#include "http/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef enum { KIND_COUNTER, KIND_GAUGE, KIND_HISTOGRAM } kind_t;

typedef struct family family_t;

struct http_metrics_series {
    family_t *fam;
    char *labels;
    /* Counter value, or a gauge's double as bits. */
    _Atomic uint64_t value;
    /* Histograms: the sum as double bits and one count per bucket (not
     * cumulative, so observe touches one counter; render accumulates). */
    _Atomic uint64_t sum_bits;
    _Atomic uint64_t buckets[HTTP_METRICS_MAX_BUCKETS + 1];
    struct http_metrics_series *next;
};

struct family {
    char *name, *help;
    kind_t kind;
    double bounds[HTTP_METRICS_MAX_BUCKETS];
    int nbounds;
    struct http_metrics_series *first, *last;
    family_t *next;
};

typedef struct collector {
    http_metrics_collect_fn fn;
    void *ctx;
} collector_t;

struct http_metrics {
    pthread_mutex_t mu;
    family_t *first, *last;
    collector_t collect[16];
    int ncollect;
    http_metrics_gauge_t *rss, *fds;
};

http_metrics_t *http_metrics_create(void)
{
    http_metrics_t *m = avp_calloc(1, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void http_metrics_destroy(http_metrics_t *m)
{
    if (!m)
        return;
    for (family_t *f = m->first, *fn; f; f = fn) {
        fn = f->next;
        for (struct http_metrics_series *s = f->first, *sn; s; s = sn) {
            sn = s->next;
            avp_free(s->labels);
            avp_free(s);
        }
        avp_free(f->name);
        avp_free(f->help);
        avp_free(f);
    }
    pthread_mutex_destroy(&m->mu);
    avp_free(m);
}

static family_t *family_get(http_metrics_t *m, const char *name,
                            const char *help, kind_t kind, const double *bounds,
                            int nbounds)
{
    for (family_t *f = m->first; f; f = f->next)
        if (!strcmp(f->name, name))
            return f->kind == kind ? f : NULL;
    family_t *f = avp_calloc(1, sizeof(*f));
    f->name = avp_strdup(name);
    f->help = avp_strdup(help);
    f->kind = kind;
    f->nbounds = nbounds;
    if (nbounds)
        memcpy(f->bounds, bounds, (size_t)nbounds * sizeof(double));
    if (m->last)
        m->last->next = f;
    else
        m->first = f;
    m->last = f;
    return f;
}

static struct http_metrics_series *
series_get(http_metrics_t *m, const char *name, const char *help,
           const char *labels, kind_t kind, const double *bounds, int nbounds)
{
    if (nbounds < 0 || nbounds > HTTP_METRICS_MAX_BUCKETS)
        return NULL;
    labels = labels ? labels : "";
    pthread_mutex_lock(&m->mu);
    family_t *f = family_get(m, name, help, kind, bounds, nbounds);
    struct http_metrics_series *s = NULL;
    for (s = f ? f->first : NULL; s; s = s->next)
        if (!strcmp(s->labels, labels))
            break;
    if (f && !s) {
        s = avp_calloc(1, sizeof(*s));
        s->fam = f;
        s->labels = avp_strdup(labels);
        if (f->last)
            f->last->next = s;
        else
            f->first = s;
        f->last = s;
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}

http_metrics_counter_t *http_metrics_counter(http_metrics_t *m,
                                             const char *name, const char *help,
                                             const char *labels)
{
    return series_get(m, name, help, labels, KIND_COUNTER, NULL, 0);
}

http_metrics_gauge_t *http_metrics_gauge(http_metrics_t *m, const char *name,
                                         const char *help, const char *labels)
{
    return series_get(m, name, help, labels, KIND_GAUGE, NULL, 0);
}

http_metrics_histogram_t *
http_metrics_histogram(http_metrics_t *m, const char *name, const char *help,
                       const char *labels, const double *bounds, int nbounds)
{
    return series_get(m, name, help, labels, KIND_HISTOGRAM, bounds, nbounds);
}

static uint64_t dbits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof(u));
    return u;
}

static double bitsd(uint64_t u)
{
    double v;
    memcpy(&v, &u, sizeof(v));
    return v;
}

static void atomic_add_double(_Atomic uint64_t *a, double delta)
{
    uint64_t old = atomic_load_explicit(a, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(
        a, &old, dbits(bitsd(old) + delta), memory_order_relaxed,
        memory_order_relaxed)) {}
}

void http_metrics_counter_add(http_metrics_counter_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(&c->value, n, memory_order_relaxed);
}

void http_metrics_gauge_set(http_metrics_gauge_t *g, double v)
{
    atomic_store_explicit(&g->value, dbits(v), memory_order_relaxed);
}

void http_metrics_gauge_add(http_metrics_gauge_t *g, double delta)
{
    atomic_add_double(&g->value, delta);
}

void http_metrics_histogram_observe(http_metrics_histogram_t *h, double v)
{
    const family_t *f = h->fam;
    int b = 0;
    while (b < f->nbounds && v > f->bounds[b])
        b++;
    atomic_fetch_add_explicit(&h->buckets[b], 1, memory_order_relaxed);
    atomic_add_double(&h->sum_bits, v);
}

uint64_t http_metrics_counter_value(const http_metrics_counter_t *c)
{
    return atomic_load_explicit(&c->value, memory_order_relaxed);
}

double http_metrics_gauge_value(const http_metrics_gauge_t *g)
{
    return bitsd(atomic_load_explicit(&g->value, memory_order_relaxed));
}

uint64_t http_metrics_histogram_count(const http_metrics_histogram_t *h)
{
    uint64_t n = 0;
    for (int b = 0; b <= h->fam->nbounds; b++)
        n += atomic_load_explicit(&h->buckets[b], memory_order_relaxed);
    return n;
}

void http_metrics_on_collect(http_metrics_t *m, http_metrics_collect_fn fn,
                             void *ctx)
{
    pthread_mutex_lock(&m->mu);
    if (m->ncollect < (int)AVP_ARRAY_LEN(m->collect))
        m->collect[m->ncollect++] = (collector_t){fn, ctx};
    pthread_mutex_unlock(&m->mu);
}

static void collect_process(void *ctx)
{
    http_metrics_t *m = ctx;
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) == 2)
            http_metrics_gauge_set(m->rss,
                                   (double)rss * (double)sysconf(_SC_PAGESIZE));
        fclose(f);
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int n = 0;
        while (readdir(d))
            n++;
        closedir(d);
        /* Minus ".", ".." and the descriptor of the listing itself. */
        http_metrics_gauge_set(m->fds, n - 3);
    }
}

void http_metrics_add_process_gauges(http_metrics_t *m)
{
    m->rss = http_metrics_gauge(m, "process_resident_memory_bytes",
                                "Resident memory size in bytes.", NULL);
    m->fds = http_metrics_gauge(m, "process_open_fds",
                                "Number of open file descriptors.", NULL);
    http_metrics_on_collect(m, collect_process, m);
}

/* ---- rendering ---- */

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf_t;

static void sb_printf(sbuf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = 2 * b->cap + (size_t)(n > 0 ? n : 0);
        b->p = avp_realloc(b->p, b->cap);
    }
}

static const char *type_name(kind_t k)
{
    return k == KIND_COUNTER ? "counter"
           : k == KIND_GAUGE ? "gauge"
                             : "histogram";
}

/* name{labels[,extra]} with the braces left out when both are empty. */
static void sb_series(sbuf_t *b, const char *name, const char *suffix,
                      const char *labels, const char *extra)
{
    const char *sep = *labels && *extra ? "," : "";
    if (*labels || *extra)
        sb_printf(b, "%s%s{%s%s%s} ", name, suffix, labels, sep, extra);
    else
        sb_printf(b, "%s%s ", name, suffix);
}

static void render_histogram(sbuf_t *b, const family_t *f,
                             const struct http_metrics_series *s)
{
    uint64_t cum = 0;
    char le[48];
    for (int i = 0; i <= f->nbounds; i++) {
        cum += atomic_load_explicit(&s->buckets[i], memory_order_relaxed);
        if (i < f->nbounds)
            snprintf(le, sizeof(le), "le=\"%g\"", f->bounds[i]);
        else
            snprintf(le, sizeof(le), "le=\"+Inf\"");
        sb_series(b, f->name, "_bucket", s->labels, le);
        sb_printf(b, "%llu\n", (unsigned long long)cum);
    }
    sb_series(b, f->name, "_sum", s->labels, "");
    sb_printf(b, "%.9g\n", bitsd(atomic_load(&s->sum_bits)));
    sb_series(b, f->name, "_count", s->labels, "");
    sb_printf(b, "%llu\n", (unsigned long long)cum);
}

static void render_family(sbuf_t *b, const family_t *f)
{
    sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
              type_name(f->kind));
    for (const struct http_metrics_series *s = f->first; s; s = s->next) {
        if (f->kind == KIND_HISTOGRAM) {
            render_histogram(b, f, s);
            continue;
        }
        sb_series(b, f->name, "", s->labels, "");
        if (f->kind == KIND_COUNTER)
            sb_printf(b, "%llu\n",
                      (unsigned long long)http_metrics_counter_value(s));
        else
            sb_printf(b, "%.17g\n", http_metrics_gauge_value(s));
    }
}

void http_metrics_render(http_metrics_t *m, char **out, size_t *len)
{
    collector_t collect[AVP_ARRAY_LEN(m->collect)];
    pthread_mutex_lock(&m->mu);
    int n = m->ncollect;
    memcpy(collect, m->collect, sizeof(collect));
    pthread_mutex_unlock(&m->mu);
    /* Collectors run unlocked: they may register series themselves. */
    for (int i = 0; i < n; i++)
        collect[i].fn(collect[i].ctx);

    sbuf_t b = {avp_malloc(8192), 0, 8192};
    b.p[0] = '\0';
    pthread_mutex_lock(&m->mu);
    for (const family_t *f = m->first; f; f = f->next)
        render_family(&b, f);
    pthread_mutex_unlock(&m->mu);
    *out = b.p;
    *len = b.len;
}
