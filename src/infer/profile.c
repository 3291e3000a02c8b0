/*
 * profile.c - per-op timing of a loaded model, for finding where a run's
 * time goes (bench/README.md shows it beside ONNX Runtime's profiler).
 * Off unless AVP_INFER_PROFILE=1 at load: then exec.c times every node
 * into per-node counters allocated here at load, and destroying the model
 * prints the totals per op kind (convs by kernel, stride and grouping) to
 * stderr, in wall time and in the process's CPU time (all threads): on a
 * shared, loaded machine the second is the one that measures the work.
 * When off, a run pays one NULL test per node.
 */
#include "infer/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ir_profile {
    double *seconds, *cpu;      /* per node, wall and CPU, summed over runs */
    double t0, c0;              /* the current node's start */
    int frames;                 /* frames run */
};

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

ir_profile_t *ir_profile_create(const ir_graph_t *g)
{
    const char *v = getenv("AVP_INFER_PROFILE");
    if (!v || strcmp(v, "1") != 0)
        return NULL;
    ir_profile_t *p = avp_calloc(1, sizeof(*p));
    p->seconds = avp_calloc(2 * (size_t)g->nn, sizeof(double));
    p->cpu = p->seconds + g->nn;
    return p;
}

void ir_profile_destroy(ir_profile_t *p)
{
    if (!p)
        return;
    avp_free(p->seconds);
    avp_free(p);
}

void ir_profile_start(ir_profile_t *p)
{
    p->t0 = avp_now();
    p->c0 = cpu_now();
}

void ir_profile_stop(ir_profile_t *p, int node)
{
    p->seconds[node] += avp_now() - p->t0;
    p->cpu[node] += cpu_now() - p->c0;
}

void ir_profile_frames(ir_profile_t *p, int n)
{
    p->frames += n;
}

/* The kind a node's time is reported under: the op, and for convs the
 * kernel shape, stride and whether it is depthwise or has a residual. */
static void kind_of(const ir_graph_t *g, const ir_node_t *nd, char *buf, size_t len)
{
    if (nd->op != OP_CONV) {
        snprintf(buf, len, "%s", ir_op_name(nd->op));
        return;
    }
    const ir_tensor_t *w = &g->t[nd->in[1]];
    int dw = nd->p.group > 1 && nd->p.group == (int)w->dims[0];
    int res = nd->nin > IR_CONV_RESIDUAL && nd->in[IR_CONV_RESIDUAL] >= 0;
    snprintf(buf, len, "Conv %s%lldx%lld/s%lld%s", dw ? "dw " : "",
             (long long)w->dims[2], (long long)w->dims[3],
             (long long)nd->p.strides[0], res ? " +add" : "");
}

typedef struct kind_total {
    char name[48];
    double seconds, cpu;
    int nodes;
} kind_total_t;

static int by_seconds_desc(const void *a, const void *b)
{
    double x = ((const kind_total_t *)a)->cpu, y = ((const kind_total_t *)b)->cpu;
    return (x < y) - (x > y);
}

void ir_profile_print(const ir_profile_t *p, const ir_graph_t *g, FILE *out)
{
    kind_total_t *k = avp_calloc((size_t)g->nn + 1, sizeof(*k));
    int nk = 0;
    double total = 0, total_cpu = 0;
    for (int i = 0; i < g->nn; i++) {
        if (g->n[i].dead)
            continue;
        char name[48];
        kind_of(g, &g->n[i], name, sizeof(name));
        int j = 0;
        while (j < nk && strcmp(k[j].name, name) != 0)
            j++;
        if (j == nk)
            snprintf(k[nk++].name, sizeof(k[j].name), "%s", name);
        k[j].seconds += p->seconds[i];
        k[j].cpu += p->cpu[i];
        k[j].nodes++;
        total += p->seconds[i];
        total_cpu += p->cpu[i];
    }
    qsort(k, (size_t)nk, sizeof(*k), by_seconds_desc);
    double per = p->frames ? 1e3 / p->frames : 0;
    fprintf(out, "AVP_INFER_PROFILE: %d frames, ms/frame wall %.2f, CPU %.2f\n",
            p->frames, total * per, total_cpu * per);
    for (int j = 0; j < nk; j++)
        fprintf(out, "  %-24s %4d nodes  wall %8.3f  CPU %8.3f %5.1f%%\n", k[j].name,
                k[j].nodes, k[j].seconds * per, k[j].cpu * per,
                total_cpu > 0 ? 100 * k[j].cpu / total_cpu : 0);
    avp_free(k);
}
