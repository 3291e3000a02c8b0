/* coco_json.c - COCO ground-truth and results files into an eval_data_t:
 * files are read in fixed-size chunks and fed to the streaming reader
 * (coco_reader.c), so loading 1M boxes takes the memory of the boxes, not
 * of the text or of a document model; a pair of files is read on two
 * threads. Every element is checked before use and an error names it the
 * way a person would find it in the file, with its place:
 * "gt.json:40:3: annotations[12].bbox: expected 4 numbers". */
#include "coco_reader.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Large enough that a read() costs nothing beside the parse, small enough
 * to stay in the cache between read() and yajl. */
#define CHUNK_SIZE (256 * 1024)

/* One file into d; stops early (AVP_ECANCELLED, err untouched) when *stop
 * is set, because the other file of a pair has failed. */
static int stream_file(eval_data_t *d, eval__coco_kind_t kind,
                       const char *path, atomic_int *stop, avp_error_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", path, strerror(errno));
    char *buf = avp_try_malloc_aligned(CHUNK_SIZE);
    if (!buf) {
        close(fd);
        return avp_error_set(err, AVP_ENOMEM, "%s: no memory", path);
    }
    eval__coco_reader_t *r = eval__coco_reader_create(d, kind, path);
    int rc;
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK_SIZE);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = avp_error_set(err, AVP_EIO, "%s: %s", path, strerror(errno));
        else if (n == 0)
            rc = eval__coco_reader_finish(r, err);
        else if (!(rc = eval__coco_reader_feed(r, buf, (size_t)n, err)) &&
                 stop && atomic_load_explicit(stop, memory_order_relaxed))
            rc = AVP_ECANCELLED;
        if (rc || n <= 0)
            break;
    }
    eval__coco_reader_destroy(r);
    avp_free_aligned(buf);
    close(fd);
    return rc;
}

int eval_load_coco_gt(eval_data_t *d, const char *path, avp_error_t *err)
{
    return stream_file(d, EVAL__COCO_GT, path, NULL, err);
}

int eval_load_coco_results(eval_data_t *d, const char *path,
                           avp_error_t *err)
{
    return stream_file(d, EVAL__COCO_RESULTS, path, NULL, err);
}

/* The results file of a pair, on its own thread. */
typedef struct results_job {
    eval_data_t *d;
    const char *path;
    atomic_int *stop;
    avp_error_t err;
    int rc;
} results_job_t;

static void *results_job_run(void *arg)
{
    results_job_t *j = arg;
    j->rc = stream_file(j->d, EVAL__COCO_RESULTS, j->path, j->stop, &j->err);
    if (j->rc && j->rc != AVP_ECANCELLED)
        atomic_store(j->stop, 1);
    return NULL;
}

/* The two readers share d without a lock: the ground truth's reader
 * touches only d's images, categories and ground-truth boxes, the
 * results' reader only its detections. When both files are bad, the
 * ground truth's error is the one reported. */
int eval_load_coco_pair(eval_data_t *d, const char *gt_path,
                        const char *results_path, avp_error_t *err)
{
    atomic_int stop = 0;
    results_job_t res = {.d = d, .path = results_path, .stop = &stop};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, results_job_run, &res) == 0;
    int rc = stream_file(d, EVAL__COCO_GT, gt_path, &stop, err);
    if (rc && rc != AVP_ECANCELLED)
        atomic_store(&stop, 1);
    if (threaded)
        pthread_join(th, NULL);
    else if (!rc)
        results_job_run(&res);
    if (rc && rc != AVP_ECANCELLED)
        return rc;
    if (res.rc && err)
        *err = res.err;
    return res.rc;
}

static int parse_text(eval_data_t *d, eval__coco_kind_t kind,
                      const char *text, size_t len, avp_error_t *err)
{
    eval__coco_reader_t *r = eval__coco_reader_create(d, kind, NULL);
    int rc = eval__coco_reader_feed(r, text, len, err);
    if (!rc)
        rc = eval__coco_reader_finish(r, err);
    eval__coco_reader_destroy(r);
    return rc;
}

int eval_parse_coco_gt(eval_data_t *d, const char *text, size_t len,
                       avp_error_t *err)
{
    return parse_text(d, EVAL__COCO_GT, text, len, err);
}

int eval_parse_coco_results(eval_data_t *d, const char *text, size_t len,
                            avp_error_t *err)
{
    return parse_text(d, EVAL__COCO_RESULTS, text, len, err);
}
