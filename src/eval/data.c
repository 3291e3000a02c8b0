/* data.c - the evaluation's input: images, categories and boxes, and the
 * index that turns them into (category, image) cells of flat arrays. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

eval_data_t *eval_data_create(void)
{
    return avp_calloc(1, sizeof(eval_data_t));
}

static void boxes_free(eval__boxes_t *b)
{
    avp_free(b->v);
    avp_free(b->img);
    avp_free(b->cat);
    avp_free(b->order);
}

void eval_data_destroy(eval_data_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ncats; i++)
        avp_free(d->cats[i].name);
    avp_free(d->cats);
    avp_free(d->images);
    boxes_free(&d->gt);
    boxes_free(&d->det);
    avp_free(d->cells);
    avp_free(d->cat_cells);
    avp_free(d);
}

/* Grows *v (of elem-sized items) so that one more fits. */
static void *grow(void *v, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return v;
    *cap = *cap ? *cap * 2 : 256;
    return avp_realloc(v, *cap * elem);
}

void eval_data_add_image(eval_data_t *d, int64_t id)
{
    d->images = grow(d->images, &d->cap_images, d->nimages, sizeof(int64_t));
    d->images[d->nimages++] = id;
}

void eval_data_add_category(eval_data_t *d, int64_t id, const char *name)
{
    d->cats = grow(d->cats, &d->cap_cats, d->ncats, sizeof(*d->cats));
    d->cats[d->ncats].id = id;
    d->cats[d->ncats].name = avp_strdup(name ? name : "");
    d->ncats++;
}

static int add_box(eval__boxes_t *b, const eval_box_t *box, const char *what,
                   int is_gt, avp_error_t *err)
{
    if (!isfinite(box->x) || !isfinite(box->y) || !isfinite(box->w) ||
        !isfinite(box->h))
        return avp_error_set(err, AVP_EFORMAT, "%s[%zu].bbox: not finite",
                             what, b->n);
    if (box->w < 0 || box->h < 0)
        return avp_error_set(err, AVP_EFORMAT,
                             "%s[%zu].bbox: negative width or height", what,
                             b->n);
    if (is_gt && (!isfinite(box->area) || box->area < 0))
        return avp_error_set(err, AVP_EFORMAT,
                             "%s[%zu].area: expected a number >= 0", what,
                             b->n);
    if (!is_gt && !isfinite(box->score))
        return avp_error_set(err, AVP_EFORMAT, "%s[%zu].score: not finite",
                             what, b->n);
    if (b->n >= UINT32_MAX / 2)
        return avp_error_set(err, AVP_EUNSUPPORTED, "%s: too many boxes",
                             what);
    b->v = grow(b->v, &b->cap, b->n, sizeof(eval_box_t));
    b->v[b->n] = *box;
    if (!is_gt)
        b->v[b->n].area = box->w * box->h; /* as pycocotools' loadRes */
    b->n++;
    return AVP_OK;
}

int eval_data_add_gt(eval_data_t *d, const eval_box_t *b, avp_error_t *err)
{
    return add_box(&d->gt, b, "annotations", 1, err);
}

int eval_data_add_det(eval_data_t *d, const eval_box_t *b, avp_error_t *err)
{
    return add_box(&d->det, b, "results", 0, err);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_cat(const void *a, const void *b)
{
    return cmp_i64(&((const eval__category_t *)a)->id,
                   &((const eval__category_t *)b)->id);
}

/* Sorts ids in place and reports the first duplicate. */
static int sort_unique(int64_t *ids, size_t n, const char *what,
                       avp_error_t *err)
{
    if (n > 1)
        qsort(ids, n, sizeof(int64_t), cmp_i64);
    for (size_t i = 1; i < n; i++)
        if (ids[i] == ids[i - 1])
            return avp_error_set(err, AVP_EFORMAT, "%s: duplicate id %lld",
                                 what, (long long)ids[i]);
    return AVP_OK;
}

/* Image ids to indices by open addressing: a binary search per box (2M
 * boxes, 20k images) was most of the indexing time. */
typedef struct id_table {
    int64_t *key;
    int32_t *val; /* -1: empty slot */
    size_t mask;
} id_table_t;

static size_t id_hash(int64_t id)
{
    uint64_t x = (uint64_t)id * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(x ^ x >> 29);
}

/* ids are distinct (sort_unique has checked). */
static void id_table_init(id_table_t *t, const int64_t *ids, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    t->mask = cap - 1;
    t->key = avp_malloc(cap * sizeof(int64_t));
    t->val = avp_malloc(cap * sizeof(int32_t));
    memset(t->val, 0xff, cap * sizeof(int32_t));
    for (size_t i = 0; i < n; i++) {
        size_t h = id_hash(ids[i]) & t->mask;
        while (t->val[h] >= 0)
            h = (h + 1) & t->mask;
        t->key[h] = ids[i];
        t->val[h] = (int32_t)i;
    }
}

static int32_t id_table_find(const id_table_t *t, int64_t id)
{
    for (size_t h = id_hash(id) & t->mask; t->val[h] >= 0;
         h = (h + 1) & t->mask)
        if (t->key[h] == id)
            return t->val[h];
    return -1;
}

static void id_table_free(id_table_t *t)
{
    avp_free(t->key);
    avp_free(t->val);
}

static int32_t find_cat(const eval__category_t *cats, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cats[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && cats[lo].id == id ? (int32_t)lo : -1;
}

/* Gives every box its image and category index. */
static int map_boxes(const eval_data_t *d, const id_table_t *images,
                     eval__boxes_t *b, const char *what, avp_error_t *err)
{
    b->img = avp_realloc(b->img, (b->n + 1) * sizeof(int32_t));
    b->cat = avp_realloc(b->cat, (b->n + 1) * sizeof(int32_t));
    for (size_t i = 0; i < b->n; i++) {
        b->img[i] = id_table_find(images, b->v[i].image_id);
        if (b->img[i] < 0)
            return avp_error_set(err, AVP_EFORMAT,
                                 "%s[%zu].image_id: unknown image %lld", what,
                                 i, (long long)b->v[i].image_id);
        b->cat[i] = find_cat(d->cats, d->ncats, b->v[i].category_id);
        if (b->cat[i] < 0)
            return avp_error_set(err, AVP_EFORMAT,
                                 "%s[%zu].category_id: unknown category %lld",
                                 what, i, (long long)b->v[i].category_id);
    }
    return AVP_OK;
}

static int check_gt_ids(const eval__boxes_t *gt, avp_error_t *err)
{
    int64_t *ids = avp_malloc((gt->n + 1) * sizeof(int64_t));
    for (size_t i = 0; i < gt->n; i++)
        ids[i] = gt->v[i].id;
    int rc = sort_unique(ids, gt->n, "annotations", err);
    avp_free(ids);
    return rc;
}

/* One stable counting-sort pass of src by key[] into dst. */
static void counting_pass(const uint32_t *src, uint32_t *dst, size_t n,
                          const int32_t *key, size_t nkeys, uint32_t *count)
{
    memset(count, 0, (nkeys + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++)
        count[key[src[i]] + 1]++;
    for (size_t k = 0; k < nkeys; k++)
        count[k + 1] += count[k];
    for (size_t i = 0; i < n; i++)
        dst[count[key[src[i]]]++] = src[i];
}

/* Orders boxes by (category, image, input order): LSD radix on two keys. */
static void sort_boxes(const eval_data_t *d, eval__boxes_t *b)
{
    size_t nk = d->nimages > d->ncats ? d->nimages : d->ncats;
    uint32_t *count = avp_malloc((nk + 1) * sizeof(uint32_t));
    uint32_t *tmp = avp_malloc((b->n + 1) * sizeof(uint32_t));
    b->order = avp_realloc(b->order, (b->n + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < b->n; i++)
        b->order[i] = (uint32_t)i;
    counting_pass(b->order, tmp, b->n, b->img, d->nimages, count);
    counting_pass(tmp, b->order, b->n, b->cat, d->ncats, count);
    avp_free(tmp);
    avp_free(count);
}

static int64_t cell_key(const eval__boxes_t *b, size_t pos)
{
    if (pos >= b->n)
        return INT64_MAX;
    uint32_t i = b->order[pos];
    return (int64_t)b->cat[i] << 32 | (int64_t)b->img[i];
}

/* Length of the run of equal (category, image) keys starting at pos. */
static uint32_t run_length(const eval__boxes_t *b, size_t pos, int64_t key)
{
    size_t end = pos;
    while (end < b->n && cell_key(b, end) == key)
        end++;
    return (uint32_t)(end - pos);
}

/* Merges the two sorted box lists into cells. */
static void build_cells(eval_data_t *d)
{
    size_t g = 0, t = 0, n = 0;
    d->cells = avp_realloc(d->cells,
                           (d->gt.n + d->det.n + 1) * sizeof(eval__cell_t));
    d->cat_cells = avp_realloc(d->cat_cells,
                               (d->ncats + 1) * sizeof(uint32_t));
    memset(d->cat_cells, 0, (d->ncats + 1) * sizeof(uint32_t));
    while (g < d->gt.n || t < d->det.n) {
        int64_t kg = cell_key(&d->gt, g), kd = cell_key(&d->det, t);
        int64_t key = kg < kd ? kg : kd;
        eval__cell_t *c = &d->cells[n++];
        memset(c, 0, sizeof(*c));
        c->cat = (int32_t)(key >> 32);
        c->img = (int32_t)(key & 0xffffffff);
        c->gt0 = (uint32_t)g;
        c->ngt = kg == key ? run_length(&d->gt, g, key) : 0;
        c->det0 = (uint32_t)t;
        c->ndet = kd == key ? run_length(&d->det, t, key) : 0;
        g += c->ngt;
        t += c->ndet;
        d->cat_cells[c->cat + 1]++;
    }
    for (size_t k = 0; k < d->ncats; k++)
        d->cat_cells[k + 1] += d->cat_cells[k];
    d->ncells = n;
}

int eval__index(eval_data_t *d, avp_error_t *err)
{
    int rc = sort_unique(d->images, d->nimages, "images", err);
    if (rc)
        return rc;
    if (d->nimages >= INT32_MAX || d->ncats >= INT32_MAX)
        return avp_error_set(err, AVP_EUNSUPPORTED, "too many images");
    if (d->ncats > 1)
        qsort(d->cats, d->ncats, sizeof(*d->cats), cmp_cat);
    for (size_t i = 1; i < d->ncats; i++)
        if (d->cats[i].id == d->cats[i - 1].id)
            return avp_error_set(err, AVP_EFORMAT,
                                 "categories: duplicate id %lld",
                                 (long long)d->cats[i].id);
    id_table_t images;
    id_table_init(&images, d->images, d->nimages);
    if (!(rc = map_boxes(d, &images, &d->gt, "annotations", err)))
        rc = map_boxes(d, &images, &d->det, "results", err);
    id_table_free(&images);
    if (rc || (rc = check_gt_ids(&d->gt, err)))
        return rc;
    sort_boxes(d, &d->gt);
    sort_boxes(d, &d->det);
    build_cells(d);
    return AVP_OK;
}
