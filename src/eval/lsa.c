/* lsa.c - the linear sum assignment (min-cost bipartite matching) that
 * the tracking metrics need: TrackEval matches with
 * scipy.optimize.linear_sum_assignment, and no Debian C library offers an
 * assignment solver (GLPK and lp_solve are general LP codes, far too big
 * and slow for thousands of small per-frame problems), so it is written
 * here.
 *
 * The method is the shortest augmenting path algorithm with dual
 * variables (Jonker and Volgenant 1987, in the rectangular form of Crouse,
 * "On implementing 2D rectangular assignment algorithms", IEEE TAES 2016),
 * the one scipy implements: one Dijkstra-like search per row, O(n^2 m).
 * It breaks ties as scipy does (among equally short paths it prefers a
 * free column, and scans columns from the last), so that on problems with
 * several optimal assignments AVP and the numpy oracle usually agree too;
 * the metrics must not depend on that, and the tests avoid such ties. */
#include "internal.h"

#include <math.h>

void eval__lsa_fini(eval__lsa_t *s)
{
    avp_free(s->buf);
    *s = (eval__lsa_t){0};
}

/* Scratch for a problem of n <= m rows and columns (after a transpose),
 * laid out as: doubles [transposed cost n*m][u n][v m][spc m], ints
 * [path m][row4col m][remaining m][col4row n], bytes [sr n][sc m]. Kept
 * between calls so that solving one problem per frame allocates nothing
 * once the largest has been seen. */
static void reserve(eval__lsa_t *s, size_t n, size_t m)
{
    size_t need = (n * m + n + 2 * m) * sizeof(double) +
                  (n + 3 * m) * sizeof(int) + n + m;
    if (need <= s->cap)
        return;
    avp_free(s->buf);
    s->buf = avp_malloc(need);
    s->cap = need;
}

typedef struct lsa_state {
    const double *cost;
    int nr, nc;
    double *u, *v, *spc; /* row and column duals, shortest path costs */
    int *path, *col4row, *row4col, *remaining;
    uint8_t *sr, *sc;    /* rows and columns reached by the search */
} lsa_state_t;

/* One search from free row `row`: returns the free column the shortest
 * augmenting path ends in (or -1: only infinite costs) and its length in
 * *min_val. */
static int augment_path(lsa_state_t *s, int row, double *min_val)
{
    int num_remaining = s->nc, sink = -1, i = row;
    for (int it = 0; it < s->nc; it++)
        s->remaining[it] = s->nc - it - 1;
    for (int r = 0; r < s->nr; r++)
        s->sr[r] = 0;
    for (int j = 0; j < s->nc; j++)
        s->sc[j] = 0, s->spc[j] = INFINITY;
    double min = 0;
    while (sink < 0) {
        int index = -1;
        double lowest = INFINITY;
        s->sr[i] = 1;
        for (int it = 0; it < num_remaining; it++) {
            int j = s->remaining[it];
            double r = min + s->cost[(size_t)i * s->nc + j] - s->u[i] - s->v[j];
            if (r < s->spc[j])
                s->path[j] = i, s->spc[j] = r;
            if (s->spc[j] < lowest ||
                (s->spc[j] == lowest && s->row4col[j] < 0))
                lowest = s->spc[j], index = it;
        }
        min = lowest;
        if (min == INFINITY)
            return -1;
        int j = s->remaining[index];
        if (s->row4col[j] < 0)
            sink = j;
        else
            i = s->row4col[j];
        s->sc[j] = 1;
        s->remaining[index] = s->remaining[--num_remaining];
    }
    *min_val = min;
    return sink;
}

/* Updates the duals after a search and flips the path's assignments. */
static void augment(lsa_state_t *s, int row, int sink, double min_val)
{
    s->u[row] += min_val;
    for (int i = 0; i < s->nr; i++)
        if (s->sr[i] && i != row)
            s->u[i] += min_val - s->spc[s->col4row[i]];
    for (int j = 0; j < s->nc; j++)
        if (s->sc[j])
            s->v[j] -= min_val - s->spc[j];
    for (int j = sink;;) {
        int i = s->path[j];
        s->row4col[j] = i;
        int prev = s->col4row[i];
        s->col4row[i] = j;
        j = prev;
        if (i == row)
            break;
    }
}

/* Rows <= columns: every row gets a column, col4row[i]. */
static int solve_wide(eval__lsa_t *ws, const double *cost, int nr, int nc,
                      int *col4row)
{
    double *d = (double *)ws->buf + (size_t)nr * nc;
    int *ints = (int *)(d + nr + 2 * nc);
    lsa_state_t s = {.cost = cost, .nr = nr, .nc = nc, .u = d,
                     .v = d + nr, .spc = d + nr + nc, .path = ints,
                     .col4row = col4row, .row4col = ints + nc,
                     .remaining = ints + 2 * nc};
    s.sr = (uint8_t *)(ints + 3 * nc + nr);
    s.sc = s.sr + nr;
    for (int i = 0; i < nr; i++)
        s.u[i] = 0, col4row[i] = -1;
    for (int j = 0; j < nc; j++)
        s.v[j] = 0, s.row4col[j] = -1;
    for (int row = 0; row < nr; row++) {
        double min_val = 0;
        int sink = augment_path(&s, row, &min_val);
        if (sink < 0)
            return AVP_EINVAL;
        augment(&s, row, sink, min_val);
    }
    return AVP_OK;
}

int eval__lsa_solve(eval__lsa_t *ws, const double *cost, int rows, int cols,
                    int *match)
{
    for (int i = 0; i < rows; i++)
        match[i] = -1;
    if (rows == 0 || cols == 0)
        return AVP_OK;
    if (rows <= cols) {
        reserve(ws, (size_t)rows, (size_t)cols);
        return solve_wide(ws, cost, rows, cols, match);
    }
    /* More rows than columns: solve the transpose (as scipy does); its
     * row per column gives each matched row its column. */
    reserve(ws, (size_t)cols, (size_t)rows);
    double *t = ws->buf;
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            t[(size_t)j * rows + i] = cost[(size_t)i * cols + j];
    int *row_of = (int *)(t + (size_t)cols * rows + cols + 2 * rows) +
                  3 * rows;
    int rc = solve_wide(ws, t, cols, rows, row_of);
    for (int j = 0; rc == AVP_OK && j < cols; j++)
        match[row_of[j]] = j;
    return rc;
}
