/* coco_reader.c - COCO ground truth and results read as a stream of yajl
 * events (coco_reader.h), straight into an eval_data_t.
 *
 * DESIGN
 * A document object model of a 100 MB results file costs seconds and
 * gigabytes; COCO files have a fixed shape, so a small state machine over
 * yajl's callbacks reads them instead. `state` says where the next token
 * is: the root, a section of the ground truth (images, categories,
 * annotations) or the results list, an element object, one of its fields,
 * a bbox. Any value the reader does not need (segmentation, info, file
 * names) is skipped whole by counting its nesting.
 *
 * An element's fields are collected into slots and checked only when the
 * element closes, in the fixed order of its field table: a repeated key
 * overwrites (the last wins, as in jansson and Python's json), and the
 * error reported for an element does not depend on its key order. The
 * messages are the ones the element names: "annotations[12].bbox:
 * expected 4 numbers", "results[3].score: missing".
 */
#include "coco_reader.h"
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_parse.h>

typedef enum field_type { T_INT, T_NUM, T_STR, T_BBOX } field_type_t;

typedef struct field {
    const char *key;
    size_t len; /* of key: compared with memcmp, millions of times */
    field_type_t type;
    int required;
} field_t;

#define FIELD(key, type, required) {key, sizeof(key) - 1, type, required}

typedef struct eval__coco_reader reader_t;

/* A list of elements: its name in messages, its fields, and what turns a
 * checked element into eval_data_t entries. */
typedef struct section {
    const char *name;
    const field_t *fields;
    int nfields;
    int (*add)(reader_t *r);
} section_t;

typedef enum state {
    ST_ROOT,     /* the document's value */
    ST_ROOT_MAP, /* ground truth: a key or the end */
    ST_SECTION,  /* ground truth: a section's value, which must be a list */
    ST_LIST,     /* an element or the end of the list */
    ST_ELEMENT,  /* a key of the element or its end */
    ST_FIELD,    /* the value of a known field */
    ST_BBOX,     /* inside a bbox list */
    ST_SKIP,     /* inside a value nobody needs; then `resume` */
    ST_DONE
} state_t;

enum { MAX_FIELDS = 6, SLOT_ABSENT = 0, SLOT_SET, SLOT_BAD };

typedef struct slot {
    int state;
    int64_t i;
    double n;
} slot_t;

/* One yajl event; the scalar kinds double as the type of a value. */
typedef enum event {
    EV_NULL, EV_BOOL, EV_INT, EV_DOUBLE, EV_STRING,
    EV_START_MAP, EV_END_MAP, EV_START_ARRAY, EV_END_ARRAY, EV_KEY
} event_t;

typedef struct token {
    event_t ev;
    int64_t i;
    double n;
    const unsigned char *s;
    size_t len;
} token_t;

struct eval__coco_reader {
    eval_data_t *d;
    eval__coco_kind_t kind;
    yajl_handle h;
    char *name;
    state_t state, resume;
    size_t depth;             /* containers open in a skipped value */
    const section_t *sec;
    size_t index;             /* of the element in its section */
    int field;                /* the field whose value comes next */
    unsigned seen;            /* ground-truth sections met, a bit each */
    slot_t slot[MAX_FIELDS];
    double bbox[4];
    int nbbox, bbox_ok;
    char *str;                /* the last string field (a category name) */
    size_t str_cap;
    /* Position of the current chunk's first byte. */
    uint64_t line, col;
    int rc;
    avp_error_t err;
};

static const field_t image_fields[] = {FIELD("id", T_INT, 1)};
static const field_t category_fields[] = {FIELD("id", T_INT, 1),
                                          FIELD("name", T_STR, 0)};
enum { A_ID, A_IMAGE, A_CATEGORY, A_BBOX, A_AREA, A_CROWD };
static const field_t annotation_fields[] = {
    FIELD("id", T_INT, 1),     FIELD("image_id", T_INT, 1),
    FIELD("category_id", T_INT, 1), FIELD("bbox", T_BBOX, 1),
    FIELD("area", T_NUM, 0),   FIELD("iscrowd", T_INT, 0)};
enum { R_IMAGE, R_CATEGORY, R_BBOX, R_SCORE };
static const field_t result_fields[] = {
    FIELD("image_id", T_INT, 1), FIELD("category_id", T_INT, 1),
    FIELD("bbox", T_BBOX, 1), FIELD("score", T_NUM, 1)};
#undef FIELD

static int add_image(reader_t *r)
{
    eval_data_add_image(r->d, r->slot[0].i);
    return AVP_OK;
}

static int add_category(reader_t *r)
{
    eval_data_add_category(r->d, r->slot[0].i,
                           r->slot[1].state == SLOT_SET ? r->str : "");
    return AVP_OK;
}

static void slot_bbox(const reader_t *r, eval_box_t *b)
{
    b->x = r->bbox[0], b->y = r->bbox[1], b->w = r->bbox[2];
    b->h = r->bbox[3];
}

/* Optional fields default as in coco_json's contract: area w * h (where
 * pycocotools would fail), iscrowd 0. */
static int add_annotation(reader_t *r)
{
    const slot_t *s = r->slot;
    eval_box_t b = {.id = s[A_ID].i, .image_id = s[A_IMAGE].i,
                    .category_id = s[A_CATEGORY].i};
    slot_bbox(r, &b);
    b.area = s[A_AREA].state == SLOT_SET ? s[A_AREA].n : b.w * b.h;
    b.iscrowd = s[A_CROWD].state == SLOT_SET && s[A_CROWD].i != 0;
    return eval_data_add_gt(r->d, &b, &r->err);
}

static int add_result(reader_t *r)
{
    const slot_t *s = r->slot;
    eval_box_t b = {.image_id = s[R_IMAGE].i,
                    .category_id = s[R_CATEGORY].i, .score = s[R_SCORE].n};
    slot_bbox(r, &b);
    return eval_data_add_det(r->d, &b, &r->err);
}

#define SECTION(name, fields, add) \
    {name, fields, (int)AVP_ARRAY_LEN(fields), add}
static const section_t gt_sections[] = {
    SECTION("images", image_fields, add_image),
    SECTION("categories", category_fields, add_category),
    SECTION("annotations", annotation_fields, add_annotation)};
static const section_t results_section =
    SECTION("results", result_fields, add_result);
#undef SECTION

static int fail(reader_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records the first error; yajl stops when a callback returns 0. */
static int fail(reader_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
    va_end(ap);
    r->err.code = r->rc = AVP_EFORMAT;
    return r->rc;
}

static int key_is(const token_t *t, const char *key, size_t len)
{
    return len == t->len && !memcmp(t->s, key, len);
}

static int is_value_start(event_t ev)
{
    return ev != EV_END_MAP && ev != EV_END_ARRAY && ev != EV_KEY;
}

/* Skipping: t is a token of a value nobody needs; when that value is
 * complete, reading resumes in r->resume. */
static int skip(reader_t *r, const token_t *t)
{
    if (t->ev == EV_START_MAP || t->ev == EV_START_ARRAY)
        r->depth++;
    else if (t->ev == EV_END_MAP || t->ev == EV_END_ARRAY)
        r->depth--;
    if (r->depth == 0 && t->ev != EV_KEY)
        r->state = r->resume;
    return AVP_OK;
}

/* Skips the value that t starts (or the next one, when t is NULL). */
static int skip_value(reader_t *r, const token_t *t, state_t then)
{
    r->depth = 0;
    r->resume = then;
    r->state = ST_SKIP;
    return t ? skip(r, t) : AVP_OK;
}

static int at_root(reader_t *r, const token_t *t)
{
    if (r->kind == EVAL__COCO_RESULTS) {
        if (t->ev != EV_START_ARRAY)
            return fail(r, "expected a list of COCO results");
        r->sec = &results_section;
        r->state = ST_LIST;
        return AVP_OK;
    }
    if (t->ev != EV_START_MAP)
        return fail(r, "expected a COCO object with images, categories "
                       "and annotations");
    r->state = ST_ROOT_MAP;
    return AVP_OK;
}

/* A section met twice is refused: with a document model the last would
 * win, but a stream has already added the first. */
static int root_map(reader_t *r, const token_t *t)
{
    if (t->ev == EV_END_MAP) {
        r->state = ST_DONE;
        for (int s = 0; s < (int)AVP_ARRAY_LEN(gt_sections); s++)
            if (!(r->seen & 1u << s))
                return fail(r, "%s: missing", gt_sections[s].name);
        return AVP_OK;
    }
    for (int s = 0; s < (int)AVP_ARRAY_LEN(gt_sections); s++)
        if (key_is(t, gt_sections[s].name, strlen(gt_sections[s].name))) {
            if (r->seen & 1u << s)
                return fail(r, "%s: duplicate key", gt_sections[s].name);
            r->seen |= 1u << s;
            r->sec = &gt_sections[s];
            r->state = ST_SECTION;
            return AVP_OK;
        }
    return skip_value(r, NULL, ST_ROOT_MAP);
}

static int section(reader_t *r, const token_t *t)
{
    if (t->ev != EV_START_ARRAY)
        return fail(r, "%s: expected an array", r->sec->name);
    r->index = 0;
    r->state = ST_LIST;
    return AVP_OK;
}

static int list(reader_t *r, const token_t *t)
{
    if (t->ev == EV_END_ARRAY) {
        r->state = r->kind == EVAL__COCO_GT ? ST_ROOT_MAP : ST_DONE;
        return AVP_OK;
    }
    if (t->ev != EV_START_MAP)
        return fail(r, "%s[%zu]: expected an object", r->sec->name,
                    r->index);
    memset(r->slot, 0, sizeof(r->slot));
    r->state = ST_ELEMENT;
    return AVP_OK;
}

static const char *expected(field_type_t type)
{
    switch (type) {
    case T_INT: return "expected an integer";
    case T_NUM: return "expected a number";
    case T_STR: return "expected a string";
    default: return "expected 4 numbers";
    }
}

/* The element just closed: its fields in table order, then its entry. */
static int element_end(reader_t *r)
{
    const section_t *sec = r->sec;
    for (int f = 0; f < sec->nfields; f++) {
        const field_t *fd = &sec->fields[f];
        if (r->slot[f].state == SLOT_ABSENT && fd->required)
            return fail(r, "%s[%zu].%s: missing", sec->name, r->index,
                        fd->key);
        if (r->slot[f].state == SLOT_BAD)
            return fail(r, "%s[%zu].%s: %s", sec->name, r->index, fd->key,
                        expected(fd->type));
    }
    if ((r->rc = sec->add(r)))
        return r->rc;
    r->index++;
    r->state = ST_LIST;
    return AVP_OK;
}

static int element(reader_t *r, const token_t *t)
{
    if (t->ev == EV_END_MAP)
        return element_end(r);
    for (int f = 0; f < r->sec->nfields; f++)
        if (key_is(t, r->sec->fields[f].key, r->sec->fields[f].len)) {
            r->field = f;
            r->state = ST_FIELD;
            return AVP_OK;
        }
    return skip_value(r, NULL, ST_ELEMENT);
}

static void set_string(reader_t *r, const token_t *t)
{
    if (t->len + 1 > r->str_cap) {
        r->str_cap = t->len + 1;
        r->str = avp_realloc(r->str, r->str_cap);
    }
    memcpy(r->str, t->s, t->len);
    r->str[t->len] = '\0';
}

/* A scalar value of a field: kept if its type fits, else marked bad. */
static void field_scalar(reader_t *r, const token_t *t, slot_t *s)
{
    field_type_t type = r->sec->fields[r->field].type;
    int fits = (type == T_INT && t->ev == EV_INT) ||
               (type == T_NUM && (t->ev == EV_INT || t->ev == EV_DOUBLE)) ||
               (type == T_STR && t->ev == EV_STRING);
    s->state = fits ? SLOT_SET : SLOT_BAD;
    s->i = t->i;
    s->n = t->ev == EV_INT ? (double)t->i : t->n;
    if (fits && type == T_STR)
        set_string(r, t);
}

static int field(reader_t *r, const token_t *t)
{
    slot_t *s = &r->slot[r->field];
    if (t->ev == EV_START_ARRAY && r->sec->fields[r->field].type == T_BBOX) {
        r->nbbox = 0;
        r->bbox_ok = 1;
        r->state = ST_BBOX;
        return AVP_OK;
    }
    if (t->ev == EV_START_MAP || t->ev == EV_START_ARRAY) {
        s->state = SLOT_BAD;
        return skip_value(r, t, ST_ELEMENT);
    }
    field_scalar(r, t, s);
    r->state = ST_ELEMENT;
    return AVP_OK;
}

/* Inside "bbox": [x, y, w, h] and nothing else. */
static int bbox(reader_t *r, const token_t *t)
{
    if (t->ev == EV_END_ARRAY) {
        r->slot[r->field].state =
            r->bbox_ok && r->nbbox == 4 ? SLOT_SET : SLOT_BAD;
        r->state = ST_ELEMENT;
        return AVP_OK;
    }
    if (t->ev == EV_INT || t->ev == EV_DOUBLE) {
        if (r->nbbox < 4)
            r->bbox[r->nbbox] = t->ev == EV_INT ? (double)t->i : t->n;
        if (r->nbbox < 5) /* 5 stands for "more than 4" */
            r->nbbox++;
        return AVP_OK;
    }
    r->bbox_ok = 0;
    return is_value_start(t->ev) ? skip_value(r, t, ST_BBOX) : AVP_OK;
}

/* Every yajl callback ends here; returns yajl's "go on" flag. */
static int step(reader_t *r, const token_t *t)
{
    int rc = AVP_OK;
    switch (r->state) {
    case ST_ROOT: rc = at_root(r, t); break;
    case ST_ROOT_MAP: rc = root_map(r, t); break;
    case ST_SECTION: rc = section(r, t); break;
    case ST_LIST: rc = list(r, t); break;
    case ST_ELEMENT: rc = element(r, t); break;
    case ST_FIELD: rc = field(r, t); break;
    case ST_BBOX: rc = bbox(r, t); break;
    case ST_SKIP: rc = skip(r, t); break;
    case ST_DONE: rc = fail(r, "unexpected content after the document");
    }
    return rc == AVP_OK;
}

static int on_null(void *ctx)
{
    return step(ctx, &(token_t){.ev = EV_NULL});
}

static int on_bool(void *ctx, int v)
{
    return step(ctx, &(token_t){.ev = EV_BOOL, .i = v});
}

/* Numbers come as text and are converted here (coco_number.c), because
 * yajl's own conversion, strtod, was the largest cost of the reading. */
static int on_number(void *ctx, const char *s, size_t len)
{
    token_t t = {0};
    switch (eval__json_number(s, len, &t.i, &t.n)) {
    case EVAL__NUM_INT:
        t.ev = EV_INT;
        return step(ctx, &t);
    case EVAL__NUM_DOUBLE:
        t.ev = EV_DOUBLE;
        return step(ctx, &t);
    case EVAL__NUM_INT_OVERFLOW:
        fail(ctx, "integer overflow");
        return 0;
    default:
        fail(ctx, "numeric (floating point) overflow");
        return 0;
    }
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    return step(ctx, &(token_t){.ev = EV_STRING, .s = s, .len = len});
}

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
    return step(ctx, &(token_t){.ev = EV_KEY, .s = s, .len = len});
}

static int on_start_map(void *ctx)
{
    return step(ctx, &(token_t){.ev = EV_START_MAP});
}

static int on_end_map(void *ctx)
{
    return step(ctx, &(token_t){.ev = EV_END_MAP});
}

static int on_start_array(void *ctx)
{
    return step(ctx, &(token_t){.ev = EV_START_ARRAY});
}

static int on_end_array(void *ctx)
{
    return step(ctx, &(token_t){.ev = EV_END_ARRAY});
}

static const yajl_callbacks callbacks = {
    on_null, on_bool, NULL, NULL, on_number, on_string, on_start_map,
    on_key, on_end_map, on_start_array, on_end_array};

/* yajl's few allocations (its token buffer and nesting stack) go through
 * AVP's counted wrappers, which abort on out of memory. */
static void *y_malloc(void *ctx, size_t n)
{
    (void)ctx;
    return avp_malloc(n);
}

static void *y_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return avp_realloc(p, n);
}

static void y_free(void *ctx, void *p)
{
    (void)ctx;
    avp_free(p);
}

eval__coco_reader_t *eval__coco_reader_create(eval_data_t *d,
                                              eval__coco_kind_t kind,
                                              const char *name)
{
    static yajl_alloc_funcs afs = {y_malloc, y_realloc, y_free, NULL};
    reader_t *r = avp_calloc(1, sizeof(*r));
    r->d = d;
    r->kind = kind;
    r->name = avp_strdup(name ? name : "");
    r->line = r->col = 1;
    r->h = yajl_alloc(&callbacks, &afs, r);
    return r;
}

void eval__coco_reader_destroy(eval__coco_reader_t *r)
{
    if (!r)
        return;
    yajl_free(r->h);
    avp_free(r->str);
    avp_free(r->name);
    avp_free(r);
}

/* Moves the position over len bytes of text. */
static void advance(reader_t *r, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len, *nl;
    while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
        r->line++;
        r->col = 1;
        p = nl + 1;
    }
    r->col += (uint64_t)(end - p);
}

/* Turns a stop of yajl at byte off of buf into r's error, placed. */
static int placed_error(reader_t *r, yajl_status s, const char *buf,
                        size_t off)
{
    if (s == yajl_status_error) {
        unsigned char *text = yajl_get_error(r->h, 0, NULL, 0);
        size_t n = strcspn((const char *)text, "\n");
        fail(r, "%.*s", (int)n, (const char *)text);
        yajl_free_error(r->h, text);
    }
    advance(r, buf, off);
    /* A callback stops yajl just after the token that revealed the error
     * (never a newline): point at that token's last byte. */
    if (s == yajl_status_client_canceled && r->col > 1)
        r->col--;
    char where[160];
    if (r->name[0])
        snprintf(where, sizeof(where), "%s:%llu:%llu", r->name,
                 (unsigned long long)r->line, (unsigned long long)r->col);
    else
        snprintf(where, sizeof(where), "line %llu column %llu",
                 (unsigned long long)r->line, (unsigned long long)r->col);
    return avp_error_prefix(&r->err, "%s", where);
}

static int result(const reader_t *r, avp_error_t *err)
{
    if (r->rc && err)
        *err = r->err;
    return r->rc;
}

int eval__coco_reader_feed(eval__coco_reader_t *r, const char *buf,
                           size_t len, avp_error_t *err)
{
    if (r->rc)
        return result(r, err);
    yajl_status s = yajl_parse(r->h, (const unsigned char *)buf, len);
    if (s == yajl_status_ok)
        advance(r, buf, len);
    else
        placed_error(r, s, buf, yajl_get_bytes_consumed(r->h));
    return result(r, err);
}

int eval__coco_reader_finish(eval__coco_reader_t *r, avp_error_t *err)
{
    if (r->rc)
        return result(r, err);
    yajl_status s = yajl_complete_parse(r->h);
    if (s == yajl_status_ok && r->state != ST_DONE)
        fail(r, "premature end of the document");
    if (r->rc || s != yajl_status_ok)
        placed_error(r, s, "", 0);
    return result(r, err);
}
