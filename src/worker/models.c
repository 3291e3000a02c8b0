/* models.c - the worker's cache of loaded models.
 *
 * A YOLO model costs tens of milliseconds to hundreds of milliseconds to
 * load and plan, and its arena is sized for the worker's batch, so a
 * worker keeps the models it used last, up to a memory budget. Entries are
 * keyed by the model's id and the sha256 of its file: a model row whose
 * file was replaced gets a new hash, and the old instance is dropped
 * rather than served. At most one instance of a model exists per process;
 * an entry that is lent out is pinned (never evicted) and a second
 * borrower of the same model waits until it comes back, because an
 * infer_model_t runs one batch at a time. The list is kept in use order
 * (head = most recent); eviction walks from the tail over idle entries.
 */
#include "worker.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

typedef struct entry {
    struct entry *prev, *next;
    int64_t id;
    char sha256[65];
    void *model;
    size_t bytes;
    int lent;
} entry_t;

struct worker_models {
    pthread_mutex_t mu;
    pthread_cond_t returned;
    worker_model_loader_t loader;
    infer_options_t io;
    size_t budget, bytes;
    entry_t *head, *tail;
    int count;
    uint64_t hits, loads, evictions;
};

static int infer_load(void *ctx, const char *path, void **model,
                      size_t *bytes, avp_error_t *err)
{
    const infer_options_t *io = ctx;
    infer_model_t *m = NULL;
    struct stat st;
    int rc = infer_model_load(path, io, &m, err);
    if (rc)
        return rc;
    if (infer_model_info(m)->batch_note[0])
        fprintf(stderr, "worker: %s: %s\n", path, infer_model_info(m)->batch_note);
    *bytes = infer_model_info(m)->arena_bytes +
             (stat(path, &st) == 0 ? (size_t)st.st_size : 0);
    *model = m;
    return AVP_OK;
}

static void infer_destroy(void *ctx, void *model)
{
    (void)ctx;
    infer_model_destroy(model);
}

worker_models_t *worker_models_create(size_t budget_bytes,
                                      const worker_model_loader_t *loader,
                                      int batch, int threads)
{
    worker_models_t *m = avp_calloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    pthread_cond_init(&m->returned, NULL);
    m->budget = budget_bytes;
    m->io.batch = batch > 0 ? batch : 1;
    m->io.threads = threads > 0 ? threads : 1;
    if (loader)
        m->loader = *loader;
    else
        m->loader = (worker_model_loader_t){&m->io, infer_load, infer_destroy};
    return m;
}

static void unlink_entry(worker_models_t *m, entry_t *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        m->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        m->tail = e->prev;
    e->prev = e->next = NULL;
}

static void push_front(worker_models_t *m, entry_t *e)
{
    e->next = m->head;
    e->prev = NULL;
    if (m->head)
        m->head->prev = e;
    m->head = e;
    if (!m->tail)
        m->tail = e;
}

static void drop_entry(worker_models_t *m, entry_t *e)
{
    unlink_entry(m, e);
    m->bytes -= e->bytes;
    m->count--;
    m->loader.destroy(m->loader.ctx, e->model);
    avp_free(e);
}

void worker_models_destroy(worker_models_t *m)
{
    if (!m)
        return;
    while (m->head)
        drop_entry(m, m->head);
    pthread_cond_destroy(&m->returned);
    pthread_mutex_destroy(&m->mu);
    avp_free(m);
}

/* Frees idle entries from the least recently used end until `need` more
 * bytes fit the budget, or only lent entries are left. */
static void make_room(worker_models_t *m, size_t need)
{
    entry_t *e = m->tail;
    while (e && m->bytes + need > m->budget) {
        entry_t *prev = e->prev;
        if (!e->lent) {
            drop_entry(m, e);
            m->evictions++;
        }
        e = prev;
    }
}

static entry_t *find(worker_models_t *m, int64_t id)
{
    for (entry_t *e = m->head; e; e = e->next)
        if (e->id == id)
            return e;
    return NULL;
}

/* Returns the cached entry of id, waiting while it is lent; drops it when
 * its file hash is stale. NULL when it must be loaded. */
static entry_t *lookup(worker_models_t *m, int64_t id, const char *sha256)
{
    entry_t *e;
    while ((e = find(m, id)) && e->lent)
        pthread_cond_wait(&m->returned, &m->mu);
    if (e && strcmp(e->sha256, sha256) != 0) {
        drop_entry(m, e);
        return NULL;
    }
    return e;
}

/* Loads outside the lock would let two threads load the same model; the
 * worker has one borrower per process, so loading under the lock is the
 * simple way to keep "one instance per model". */
static int load_entry(worker_models_t *m, int64_t id, const char *sha256,
                      const char *path, entry_t **out, avp_error_t *err)
{
    void *model = NULL;
    size_t bytes = 0;
    int rc = m->loader.load(m->loader.ctx, path, &model, &bytes, err);
    if (rc)
        return rc;
    make_room(m, bytes);
    entry_t *e = avp_calloc(1, sizeof *e);
    e->id = id;
    snprintf(e->sha256, sizeof e->sha256, "%s", sha256);
    e->model = model;
    e->bytes = bytes;
    push_front(m, e);
    m->bytes += bytes;
    m->count++;
    m->loads++;
    *out = e;
    return AVP_OK;
}

int worker_models_get(worker_models_t *m, int64_t id, const char *sha256,
                      const char *path, void **out, avp_error_t *err)
{
    int rc = AVP_OK;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    entry_t *e = lookup(m, id, sha256);
    if (e) {
        m->hits++;
        unlink_entry(m, e);
        push_front(m, e);
    } else {
        rc = load_entry(m, id, sha256, path, &e, err);
    }
    if (rc == AVP_OK) {
        e->lent = 1;
        *out = e->model;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

void worker_models_put(worker_models_t *m, void *model)
{
    if (!model)
        return;
    pthread_mutex_lock(&m->mu);
    for (entry_t *e = m->head; e; e = e->next)
        if (e->model == model)
            e->lent = 0;
    pthread_cond_broadcast(&m->returned);
    pthread_mutex_unlock(&m->mu);
}

void worker_models_stats(worker_models_t *m, worker_models_stats_t *out)
{
    pthread_mutex_lock(&m->mu);
    out->loaded = m->count;
    out->bytes = m->bytes;
    out->hits = m->hits;
    out->loads = m->loads;
    out->evictions = m->evictions;
    pthread_mutex_unlock(&m->mu);
}
