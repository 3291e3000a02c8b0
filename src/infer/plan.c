/*
 * plan.c - memory planning. Every activation lives in one arena allocated
 * at load, so a run allocates nothing.
 *
 * View ops (Reshape, Flatten, Squeeze, Unsqueeze, Identity, float Cast)
 * copy nothing: their output aliases their input's storage, and the root
 * of an alias chain stays live until the last reader of any alias. Roots
 * are then placed greedily, largest first, at the lowest offset that does
 * not overlap a placed tensor whose live range [producer, last reader]
 * intersects theirs. A node's output and inputs are live at the same node,
 * so no kernel reads and writes the same memory. Conv scratch (im2col)
 * follows the activations, sized for the largest conv.
 *
 * Frame loop: when every activation is batch-major, a batch runs as N
 * passes of one frame each (model.c). Running one op over all N frames
 * streams N times the data through the caches between ops and measured
 * 2-3x slower per frame on YOLOX-Nano than batch 1; per frame, each
 * layer's output is still in cache for the next. Then only the graph's
 * inputs and outputs (the roots they view) hold all N frames, each pass
 * moving their pointers one frame on, and intermediates are planned for
 * one frame.
 */
#include "infer/internal.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN 64

static int is_view(const ir_graph_t *g, const ir_node_t *nd)
{
    switch (nd->op) {
    case OP_RESHAPE: case OP_FLATTEN: case OP_SQUEEZE: case OP_UNSQUEEZE:
    case OP_IDENTITY:
        return 1;
    case OP_CAST:
        return g->t[nd->out[0]].dtype == g->t[nd->in[0]].dtype;
    default:
        return 0;
    }
}

static int root_of(const ir_graph_t *g, int t)
{
    while (g->t[t].alias >= 0)
        t = g->t[t].alias;
    return t;
}

/* Floats from the root's storage to tensor t's. */
static int64_t offset_of(const ir_graph_t *g, int t)
{
    int64_t off = 0;
    for (; g->t[t].alias >= 0; t = g->t[t].alias)
        off += g->t[t].alias_offset;
    return off;
}

static int is_io(const ir_graph_t *g, int t)
{
    for (int i = 0; i < g->ninputs; i++)
        if (g->inputs[i] == t)
            return 1;
    return g->t[t].is_output;
}

static void assign_views(ir_graph_t *g)
{
    for (int i = 0; i < g->nt; i++) {
        g->t[i].alias = -1;
        g->t[i].alias_offset = 0;
    }
    for (int k = 0; k < g->nn; k++)
        if (!g->n[k].dead && is_view(g, &g->n[k]))
            g->t[g->n[k].out[0]].alias = g->n[k].in[0];
}

/* Concat in place: when the inputs are consecutive blocks of the output
 * (nothing but the batch, run one frame at a time, before the axis), each
 * producer writes straight into its block and the Concat does nothing.
 * Only for inputs that are plain activations used by no other in-place
 * Concat; otherwise the Concat copies as usual. */
static void concat_in_place(ir_graph_t *g, int frame_loop)
{
    for (int k = 0; k < g->nn; k++) {
        ir_node_t *nd = &g->n[k];
        if (nd->dead || nd->op != OP_CONCAT)
            continue;
        const ir_tensor_t *y = &g->t[nd->out[0]];
        int64_t outer = 1, inner = 1;
        for (int d = 0; d < nd->p.axis; d++)
            outer *= d == 0 && frame_loop ? 1 : y->dims[d];
        for (int d = nd->p.axis + 1; d < y->ndim; d++)
            inner *= y->dims[d];
        int ok = outer == 1;
        for (int i = 0; ok && i < nd->nin; i++) {
            const ir_tensor_t *t = &g->t[nd->in[i]];
            ok = !t->data && t->alias < 0 && t->producer >= 0 &&
                 !g->n[t->producer].dead && !is_io(g, nd->in[i]);
            for (int j = 0; ok && j < i; j++)
                ok = nd->in[j] != nd->in[i];
        }
        if (!ok)
            continue;
        int64_t at = 0;
        for (int i = 0; i < nd->nin; i++) {
            ir_tensor_t *t = &g->t[nd->in[i]];
            t->alias = nd->out[0];
            t->alias_offset = at;
            at += t->dims[nd->p.axis] * inner;
        }
        nd->p.in_place = 1;
    }
}

/* Live ranges of alias roots: a root lives from the first write to any
 * tensor in its storage to the last read. Returns the number of roots. */
static int live_ranges(ir_graph_t *g, int *roots)
{
    int nroots = 0;
    for (int i = 0; i < g->nt; i++) {
        g->t[i].first = g->nn;
        g->t[i].last = -2;
    }
    for (int i = 0; i < g->ninputs; i++)
        g->t[g->inputs[i]].first = -1;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        for (int i = 0; !nd->dead && i < nd->nin + nd->nout; i++) {
            int t = i < nd->nin ? nd->in[i] : nd->out[i - nd->nin];
            if (t < 0 || g->t[t].data)
                continue;
            ir_tensor_t *r = &g->t[root_of(g, t)];
            r->first = k < r->first ? k : r->first;
            r->last = k > r->last ? k : r->last;
        }
    }
    /* Inputs stay intact through a run (callers may run twice on one
     * fill); outputs stay until the next run. */
    for (int i = 0; i < g->ninputs; i++)
        g->t[g->inputs[i]].last = g->nn;
    for (int i = 0; i < g->noutputs; i++)
        g->t[root_of(g, g->outputs[i])].last = g->nn;
    for (int i = 0; i < g->nt; i++)
        if (g->t[i].alias < 0 && g->t[i].last >= -1 && !g->t[i].data)
            roots[nroots++] = i;
    return nroots;
}

static size_t bytes_of(const ir_tensor_t *t)
{
    return t->bytes;
}

/* Every runtime tensor keeps frames as contiguous prefixes. */
static int all_batch_major(const ir_graph_t *g)
{
    for (int i = 0; i < g->nt; i++) {
        const ir_tensor_t *t = &g->t[i];
        int live = is_io(g, i) ||
                   (t->producer >= 0 && !g->n[t->producer].dead);
        if (live && !t->data && !t->batch_major)
            return 0;
    }
    return 1;
}

/* Sizes of the roots: one frame of an intermediate in the frame loop,
 * all frames otherwise and for the graph's inputs and outputs. */
static void root_sizes(ir_graph_t *g, const int *roots, int nroots,
                       int frame_loop)
{
    for (int i = 0; i < nroots; i++) {
        ir_tensor_t *t = &g->t[roots[i]];
        t->frame_stride = 0;
        t->bytes = (size_t)ir_numel(t);
    }
    for (int i = 0; frame_loop && i < g->noutputs + g->ninputs; i++) {
        int io = i < g->noutputs ? g->outputs[i] : g->inputs[i - g->noutputs];
        ir_tensor_t *r = &g->t[root_of(g, io)];
        r->frame_stride = ir_numel(r) / g->batch;
        r->first = -1; /* earlier frames' values must survive each pass */
        r->last = g->nn;
    }
    for (int i = 0; i < nroots; i++) {
        ir_tensor_t *t = &g->t[roots[i]];
        if (frame_loop && !t->frame_stride)
            t->bytes /= (size_t)g->batch;
        t->bytes = (t->bytes * sizeof(float) + ALIGN - 1) / ALIGN * ALIGN;
    }
}

static const ir_graph_t *sort_graph;

static int by_size_desc(const void *a, const void *b)
{
    size_t sa = bytes_of(&sort_graph->t[*(const int *)a]);
    size_t sb = bytes_of(&sort_graph->t[*(const int *)b]);
    return sa < sb ? 1 : sa > sb ? -1 : *(const int *)a - *(const int *)b;
}

static int by_offset(const void *a, const void *b)
{
    size_t oa = sort_graph->t[*(const int *)a].offset;
    size_t ob = sort_graph->t[*(const int *)b].offset;
    return oa < ob ? -1 : oa > ob;
}

/* Lowest offset for roots[i] clear of every placed root live with it. */
static size_t place(ir_graph_t *g, const int *roots, int i, int *tmp)
{
    const ir_tensor_t *t = &g->t[roots[i]];
    int n = 0;
    for (int j = 0; j < i; j++) {
        const ir_tensor_t *u = &g->t[roots[j]];
        if (u->first <= t->last && t->first <= u->last)
            tmp[n++] = roots[j];
    }
    qsort(tmp, (size_t)n, sizeof(int), by_offset);
    size_t at = 0, need = bytes_of(t);
    for (int j = 0; j < n; j++) {
        const ir_tensor_t *u = &g->t[tmp[j]];
        if (u->offset >= at + need)
            break;
        if (u->offset + bytes_of(u) > at)
            at = u->offset + bytes_of(u);
    }
    return at;
}

static int check_outputs(const ir_graph_t *g, avp_error_t *err)
{
    for (int i = 0; i < g->noutputs; i++) {
        const ir_tensor_t *t = &g->t[g->outputs[i]];
        if (t->data || t->dtype != IR_FLOAT || t->ndim < 0)
            return avp_error_set(err, AVP_EUNSUPPORTED, "output '%s' does "
                                 "not depend on the input", t->name);
    }
    return 0;
}

int ir_plan_build(ir_graph_t *g, int threads, ir_plan_t *plan,
                  avp_error_t *err)
{
    int rc = check_outputs(g, err);
    if (rc < 0)
        return rc;
    int *roots = avp_malloc((size_t)g->nt * 2 * sizeof(int));
    plan->partial_ok = all_batch_major(g);
    plan->frame_loop = plan->partial_ok && g->batch > 1;
    assign_views(g);
    concat_in_place(g, plan->frame_loop);
    int nroots = live_ranges(g, roots);
    root_sizes(g, roots, nroots, plan->frame_loop);
    sort_graph = g;
    qsort(roots, (size_t)nroots, sizeof(int), by_size_desc);
    size_t end = 0;
    for (int i = 0; i < nroots; i++) {
        ir_tensor_t *t = &g->t[roots[i]];
        t->offset = place(g, roots, i, roots + g->nt);
        end = t->offset + bytes_of(t) > end ? t->offset + bytes_of(t) : end;
    }
    avp_free(roots);
    plan->scratch_floats = 0;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->dead || (nd->op != OP_CONV && nd->op != OP_QCONV &&
                         nd->op != OP_QMATMUL))
            continue;
        size_t s = nd->op != OP_CONV
                   ? ir_quant_scratch(g, nd, plan->frame_loop, threads)
                   : ir_exec_conv_scratch(g, nd, plan->frame_loop, threads);
        plan->scratch_floats = s > plan->scratch_floats ? s
                                                        : plan->scratch_floats;
    }
    plan->scratch_offset = end;
    plan->arena_bytes = end + plan->scratch_floats * sizeof(float);
    return 0;
}

void ir_plan_bind(ir_graph_t *g, float *arena)
{
    for (int i = 0; i < g->nt; i++) {
        ir_tensor_t *t = &g->t[i];
        t->ptr = t->data ? t->data : NULL;
    }
    for (int i = 0; i < g->nt; i++) {
        ir_tensor_t *t = &g->t[i];
        if (!t->data && t->last >= -1 && t->alias < 0)
            t->ptr = (float *)((char *)arena + t->offset);
    }
    for (int i = 0; i < g->nt; i++) {
        ir_tensor_t *t = &g->t[i];
        if (t->alias < 0)
            continue;
        const ir_tensor_t *r = &g->t[root_of(g, i)];
        t->ptr = r->ptr ? r->ptr + offset_of(g, i) : NULL;
        t->frame_stride = r->frame_stride;
    }
    for (int i = 0; i < g->nt; i++)
        g->t[i].base = g->t[i].ptr;
}

void ir_plan_frame(ir_graph_t *g, int frame)
{
    for (int i = 0; i < g->nt; i++)
        if (g->t[i].frame_stride)
            g->t[i].ptr = g->t[i].base + frame * g->t[i].frame_stride;
}
