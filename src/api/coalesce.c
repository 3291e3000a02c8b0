/* coalesce.c - the pacing of live pushes (api/internal.h): ids
 * marked stale come due at most once per gap each. A linear table: it
 * holds only the ids changed within the last gap, a handful. */
#include "api/internal.h"

#include <string.h>

void api__coalesce_init(api_coalesce_t *c, double gap)
{
    memset(c, 0, sizeof *c);
    c->gap = gap;
}

void api__coalesce_fini(api_coalesce_t *c)
{
    avp_free(c->v);
    memset(c, 0, sizeof *c);
}

void api__coalesce_mark(api_coalesce_t *c, int64_t id)
{
    size_t i = 0;
    while (i < c->n && c->v[i].id != id)
        i++;
    if (i == c->n) {
        if (c->n == c->cap) {
            c->cap = c->cap ? 2 * c->cap : 16;
            c->v = avp_realloc(c->v, c->cap * sizeof(*c->v));
        }
        /* Never pushed: due at once. */
        c->v[c->n++] = (api_coalesce_entry_t){id, 0, -1e300};
    }
    c->v[i].stale = 1;
}

size_t api__coalesce_due(api_coalesce_t *c, double now, int64_t *due,
                         size_t cap, double *next)
{
    size_t n = 0, keep = 0;
    *next = now + c->gap;
    for (size_t i = 0; i < c->n; i++) {
        api_coalesce_entry_t *e = &c->v[i];
        double at = e->last + c->gap;
        if (e->stale && at <= now && n < cap) {
            due[n++] = e->id;
            e->stale = 0;
            e->last = now;
        } else if (e->stale && at < *next)
            *next = at > now ? at : now;
        /* A quiet entry past its gap has nothing left to pace. */
        if (e->stale || now - e->last < c->gap)
            c->v[keep++] = *e;
    }
    c->n = keep;
    return n;
}
