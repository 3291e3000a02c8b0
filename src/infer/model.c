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
    int batch;
};

void infer_model_destroy(infer_model_t *m)
{
    if (!m)
        return;
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
    if ((rc = ir_ops_parse(&m->g, err)) < 0 ||
        (rc = ir_quant_fuse(&m->g, err)) < 0 ||
        (rc = ir_shapes_infer(&m->g, err)) < 0 ||
        (rc = ir_fuse(&m->g, err)) < 0 ||
        (rc = ir_plan_build(&m->g, threads, &m->plan, err)) < 0)
        return rc;
    m->arena = avp_try_malloc_aligned(m->plan.arena_bytes);
    if (!m->arena)
        return avp_error_set(err, AVP_ENOMEM, "out of memory for a %zu-byte "
                             "activation arena", m->plan.arena_bytes);
    ir_plan_bind(&m->g, m->arena);
    ir_info_finish(&m->g, &m->info);
    m->info.info.arena_bytes = m->plan.arena_bytes;
    return 0;
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
    if (rc < 0)
        return rc;
    infer_model_t *m = avp_calloc(1, sizeof(*m));
    ir_graph_init(&m->g);
    m->g.batch = m->batch = batch;
    if ((rc = onnx_load(&m->g, data, len, err)) < 0 ||
        (rc = prepare(m, threads, err)) < 0) {
        infer_model_destroy(m);
        return rc;
    }
    m->tp = tpool_create(threads);
    *out = m;
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
        ir_exec_run(&m->g, m->plan.partial_ok ? n : m->batch, scratch, m->tp);
        return 0;
    }
    for (int f = 0; f < n; f++) {
        ir_plan_frame(&m->g, f);
        ir_exec_run(&m->g, 1, scratch, m->tp);
    }
    ir_plan_frame(&m->g, 0); /* input and output pointers back on frame 0 */
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
