/*
 * model.c - the infer.h entry points: the load pipeline (see internal.h),
 * the arena and thread pool, and running a batch.
 */
#include "infer/internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { MAX_BATCH = 1024, MAX_THREADS = 256 };

struct infer_model {
    ir_graph_t g;
    ir_plan_t plan;
    ir_info_state_t info;
    float *arena;
    tpool_t *tp;
    ir_profile_t *prof;         /* NULL unless AVP_INFER_PROFILE=1 */
    int batch;
    int activate;               /* infer_model_activate_scores() */
};

void infer_model_destroy(infer_model_t *m)
{
    if (!m)
        return;
    if (m->prof)
        ir_profile_print(m->prof, &m->g, stderr);
    ir_profile_destroy(m->prof);
    ir_graph_free(&m->g);
    ir_info_free(&m->info);
    avp_free_aligned(m->arena);
    tpool_destroy(m->tp);
    avp_free(m);
}

static int check_options(const infer_options_t *opt, int *batch, int *threads,
                         avp_error_t *err)
{
    *batch = opt && opt->batch ? opt->batch : 1;
    *threads = opt && opt->threads ? opt->threads : 1;
    if (*batch < 1 || *batch > MAX_BATCH || *threads < 1 ||
        *threads > MAX_THREADS)
        return avp_error_set(err, AVP_EINVAL, "batch must be 1..%d and "
                             "threads 1..%d", MAX_BATCH, MAX_THREADS);
    return 0;
}

/* Everything from parsed graph to bound arena. */
static int prepare(infer_model_t *m, int threads, avp_error_t *err)
{
    int rc;
    ir_info_histogram(&m->g, &m->info);
    if ((rc = ir_meta_read(&m->g, &m->info, err)) < 0 ||
        (rc = ir_ops_parse(&m->g, err)) < 0)
        return rc;
    ir_tail_scan(&m->g, &m->info); /* before fusion hides the Sigmoids */
    if ((rc = ir_quant_fuse(&m->g, err)) < 0 ||
        (rc = ir_shapes_infer(&m->g, err)) < 0 ||
        (rc = ir_fuse(&m->g, err)) < 0 ||
        (rc = ir_plan_build(&m->g, threads, &m->plan, err)) < 0)
        return rc;
    m->arena = avp_try_malloc_aligned(m->plan.arena_bytes);
    if (!m->arena)
        return avp_error_set(err, AVP_ENOMEM, "out of memory for a %zu-byte "
                             "activation arena", m->plan.arena_bytes);
    ir_plan_bind(&m->g, m->arena);
    m->prof = ir_profile_create(&m->g);
    ir_info_finish(&m->g, &m->info);
    ir_tail_decide(&m->info);
    m->info.info.arena_bytes = m->plan.arena_bytes;
    return ir_meta_check(&m->info.info, err);
}

static int load_at(const void *data, size_t len, int batch, int threads,
                   infer_model_t **out, avp_error_t *err)
{
    infer_model_t *m = avp_calloc(1, sizeof(*m));
    ir_graph_init(&m->g);
    m->g.batch = m->batch = batch;
    int rc;
    if ((rc = onnx_load(&m->g, data, len, err)) < 0 ||
        (rc = prepare(m, threads, err)) < 0) {
        infer_model_destroy(m);
        return rc;
    }
    *out = m;
    return 0;
}

/* A graph that hard-codes batch 1 where AVP cannot rewrite it (a Reshape
 * target without the batch, say) fails at batch N but runs at 1: it is
 * loaded at 1, and batch_note says why, for the caller to tell the user. */
static int load_or_fall_back(const void *data, size_t len, int batch,
                             int threads, infer_model_t **out,
                             avp_error_t *err)
{
    avp_error_t first = {0};
    int rc = load_at(data, len, batch, threads, out, &first);
    if (rc < 0 && batch > 1 && load_at(data, len, 1, threads, out, err) == 0) {
        infer_info_t *info = &(*out)->info.info;
        snprintf(info->batch_note, sizeof(info->batch_note), "batch %d is "
                 "not possible for this model (%s); running batch 1", batch,
                 first.msg);
        return 0;
    }
    if (rc < 0 && err)
        *err = first;
    return rc;
}

int infer_model_load_buffer(const void *data, size_t len,
                            const infer_options_t *opt, infer_model_t **out,
                            avp_error_t *err)
{
    int batch, threads;
    *out = NULL;
    int rc = check_options(opt, &batch, &threads, err);
    if (rc == 0)
        rc = kern_init(err); /* OpenBLAS, before the plan needs it */
    if (rc == 0)
        rc = load_or_fall_back(data, len, batch, threads, out, err);
    if (rc < 0)
        return rc;
    (*out)->tp = tpool_create(threads);
    return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *len,
                     avp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", path, strerror(errno));
    int rc = 0;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    *data = size >= 0 ? avp_try_malloc_aligned((size_t)size + 1) : NULL;
    if (size < 0 || !*data)
        rc = avp_error_set(err, size < 0 ? AVP_EIO : AVP_ENOMEM,
                           "%s: cannot read", path);
    else if (fseek(f, 0, SEEK_SET) != 0 ||
             fread(*data, 1, (size_t)size, f) != (size_t)size)
        rc = avp_error_set(err, AVP_EIO, "%s: read failed", path);
    fclose(f);
    *len = (size_t)(size > 0 ? size : 0);
    return rc;
}

int infer_model_load(const char *path, const infer_options_t *opt,
                     infer_model_t **out, avp_error_t *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    *out = NULL;
    int rc = read_file(path, &data, &len, err);
    if (rc >= 0) {
        rc = infer_model_load_buffer(data, len, opt, out, err);
        if (rc < 0)
            avp_error_prefix(err, "%s", path);
    }
    avp_free_aligned(data);
    return rc;
}

const ir_graph_t *ir_model_graph(const infer_model_t *m)
{
    return &m->g;
}

void infer_model_activate_scores(infer_model_t *m)
{
    m->activate = m->info.info.raw_scores;
}

const infer_info_t *infer_model_info(const infer_model_t *m)
{
    return &m->info.info;
}

float *infer_model_input(infer_model_t *m, int index)
{
    if (index < 0 || index >= m->g.ninputs)
        return NULL;
    return m->g.t[m->g.inputs[index]].ptr;
}

int infer_model_run(infer_model_t *m, int n, avp_error_t *err)
{
    if (n < 1 || n > m->batch)
        return avp_error_set(err, AVP_EINVAL, "run of %d frames on a model "
                             "loaded for batch %d", n, m->batch);
    float *scratch = (float *)((char *)m->arena + m->plan.scratch_offset);
    if (!m->plan.frame_loop) {
        ir_exec_run(&m->g, m->plan.partial_ok ? n : m->batch, scratch, m->tp,
                    m->prof);
    } else {
        for (int f = 0; f < n; f++) {
            ir_plan_frame(&m->g, f);
            ir_exec_run(&m->g, 1, scratch, m->tp, m->prof);
        }
        ir_plan_frame(&m->g, 0); /* input and output pointers on frame 0 */
    }
    if (m->activate)
        ir_tail_apply(&m->g, &m->info.info, n, m->tp);
    return 0;
}

const float *infer_model_output(const infer_model_t *m, int index,
                                infer_tensor_info_t *info)
{
    if (index < 0 || index >= m->g.noutputs)
        return NULL;
    if (info)
        *info = m->info.outputs[index];
    return m->g.t[m->g.outputs[index]].ptr;
}
