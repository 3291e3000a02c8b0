/* graph.c - the runtime's IR: tensors by name, nodes, and their memory. */
#include "infer/internal.h"

#include <stdio.h>
#include <string.h>

void ir_graph_init(ir_graph_t *g)
{
    memset(g, 0, sizeof(*g));
    g->batch = 1;
}

static void attr_free(ir_attr_t *a)
{
    avp_free(a->name);
    avp_free(a->s);
    avp_free(a->ints);
    avp_free(a->floats);
}

void ir_graph_free(ir_graph_t *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->nt; i++) {
        avp_free(g->t[i].name);
        avp_free_aligned(g->t[i].data);
    }
    for (int i = 0; i < g->nn; i++) {
        ir_node_t *nd = &g->n[i];
        avp_free(nd->name);
        avp_free(nd->op_type);
        avp_free(nd->in);
        avp_free(nd->out);
        for (int a = 0; a < nd->nattr; a++)
            attr_free(&nd->attr[a]);
        avp_free(nd->attr);
        avp_free(nd->p.sizes);
    }
    avp_free(g->t);
    avp_free(g->n);
    avp_free(g->inputs);
    avp_free(g->outputs);
    avp_free(g->hash);
    ir_meta_free(g);
    ir_graph_init(g);
}

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Slots hold tensor index + 1 (0 = empty); the table stays under half full. */
static void hash_insert(ir_graph_t *g, int index)
{
    size_t mask = g->hash_cap - 1;
    size_t h = hash_str(g->t[index].name) & mask;
    while (g->hash[h])
        h = (h + 1) & mask;
    g->hash[h] = index + 1;
}

static void hash_grow(ir_graph_t *g)
{
    avp_free(g->hash);
    g->hash_cap = g->hash_cap ? g->hash_cap * 2 : 256;
    g->hash = avp_calloc(g->hash_cap, sizeof(int));
    for (int i = 0; i < g->nt; i++)
        if (g->t[i].name[0])
            hash_insert(g, i);
}

int ir_tensor_find(const ir_graph_t *g, const char *name)
{
    if (!g->hash_cap || !name[0])
        return -1;
    size_t mask = g->hash_cap - 1;
    for (size_t h = hash_str(name) & mask; g->hash[h]; h = (h + 1) & mask)
        if (!strcmp(g->t[g->hash[h] - 1].name, name))
            return g->hash[h] - 1;
    return -1;
}

int ir_tensor_add(ir_graph_t *g, const char *name)
{
    if (g->nt == g->cap_t) {
        g->cap_t = g->cap_t ? g->cap_t * 2 : 64;
        g->t = avp_realloc(g->t, (size_t)g->cap_t * sizeof(*g->t));
    }
    ir_tensor_t *t = &g->t[g->nt];
    memset(t, 0, sizeof(*t));
    t->name = avp_strdup(name ? name : "");
    t->dtype = IR_FLOAT;
    t->ndim = -1;
    t->producer = -1;
    t->alias = -1;
    int index = g->nt++;
    if ((size_t)g->nt * 2 > g->hash_cap)
        hash_grow(g);
    else if (t->name[0])
        hash_insert(g, index);
    return index;
}

void ir_tensor_set_name(ir_graph_t *g, int t, char *name)
{
    avp_free(g->t[t].name);
    g->t[t].name = name;
    if (name[0])
        hash_insert(g, t);
}

int ir_tensor_get(ir_graph_t *g, const char *name)
{
    int i = ir_tensor_find(g, name);
    return i >= 0 ? i : ir_tensor_add(g, name);
}

ir_node_t *ir_node_add(ir_graph_t *g)
{
    if (g->nn == g->cap_n) {
        g->cap_n = g->cap_n ? g->cap_n * 2 : 64;
        g->n = avp_realloc(g->n, (size_t)g->cap_n * sizeof(*g->n));
    }
    ir_node_t *nd = &g->n[g->nn++];
    memset(nd, 0, sizeof(*nd));
    nd->op = OP_COUNT;
    return nd;
}

int64_t ir_numel(const ir_tensor_t *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->dims[i];
    return n;
}

size_t ir_dtype_size(ir_dtype_t dt)
{
    if (dt == IR_UINT8 || dt == IR_INT8)
        return 1;
    return dt == IR_INT64 || dt == IR_DOUBLE ? 8 : 4;
}

int ir_tensor_alloc(ir_tensor_t *t, ir_dtype_t dt, int ndim,
                    const int64_t *dims)
{
    avp_free_aligned(t->data);
    t->data = NULL;
    t->dtype = dt;
    t->ndim = ndim;
    memmove(t->dims, dims, (size_t)ndim * sizeof(int64_t));
    int64_t n = ir_numel(t);
    t->data = avp_try_malloc_aligned((size_t)n * ir_dtype_size(dt) + 1);
    return t->data ? 0 : AVP_ENOMEM;
}

/* A folded or fused node stops counting as a reader of its inputs. */
void ir_node_kill(ir_graph_t *g, ir_node_t *nd)
{
    nd->dead = 1;
    for (int i = 0; i < nd->nin; i++)
        if (nd->in[i] >= 0)
            g->t[nd->in[i]].uses--;
}

int ir_count_uses(ir_graph_t *g)
{
    for (int i = 0; i < g->nt; i++)
        g->t[i].uses = 0;
    for (int k = 0; k < g->nn; k++) {
        const ir_node_t *nd = &g->n[k];
        if (nd->dead)
            continue;
        for (int i = 0; i < nd->nin; i++)
            if (nd->in[i] >= 0)
                g->t[nd->in[i]].uses++;
    }
    return 0;
}

const char *ir_dims_str(const ir_tensor_t *t, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    at += (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < t->ndim && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", i ? "," : "",
                               (long long)t->dims[i]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}
