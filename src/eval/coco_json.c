/* coco_json.c - COCO ground-truth and results files into an eval_data_t.
 * Every element is checked before use and an error names it the way a
 * person would find it in the file: "annotations[12].bbox: expected 4
 * numbers". Optional fields take pycocotools' meaning where it has one
 * (iscrowd 0) and w * h where pycocotools would crash (a missing area). */
#include "internal.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int bad(avp_error_t *err, const char *arr, size_t i, const char *key,
               const char *what)
{
    if (arr)
        return avp_error_set(err, AVP_EFORMAT, "%s[%zu].%s: %s", arr, i, key,
                             what);
    return avp_error_set(err, AVP_EFORMAT, "%s: %s", key, what);
}

static int get_int(json_t *obj, const char *arr, size_t i, const char *key,
                   int required, int64_t *out, avp_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return AVP_OK;
    if (!v)
        return bad(err, arr, i, key, "missing");
    if (!json_is_integer(v))
        return bad(err, arr, i, key, "expected an integer");
    *out = json_integer_value(v);
    return AVP_OK;
}

static int get_num(json_t *obj, const char *arr, size_t i, const char *key,
                   int required, double *out, avp_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return AVP_OK;
    if (!v)
        return bad(err, arr, i, key, "missing");
    if (!json_is_number(v))
        return bad(err, arr, i, key, "expected a number");
    *out = json_number_value(v);
    return AVP_OK;
}

static int get_bbox(json_t *obj, const char *arr, size_t i, eval_box_t *b,
                    avp_error_t *err)
{
    json_t *v = json_object_get(obj, "bbox");
    if (!v)
        return bad(err, arr, i, "bbox", "missing");
    if (!json_is_array(v) || json_array_size(v) != 4)
        return bad(err, arr, i, "bbox", "expected 4 numbers");
    double xywh[4];
    for (size_t j = 0; j < 4; j++) {
        json_t *n = json_array_get(v, j);
        if (!json_is_number(n))
            return bad(err, arr, i, "bbox", "expected 4 numbers");
        xywh[j] = json_number_value(n);
    }
    b->x = xywh[0], b->y = xywh[1], b->w = xywh[2], b->h = xywh[3];
    return AVP_OK;
}

/* The array root[key] (required); *out borrowed from root. */
static int get_array(json_t *root, const char *key, json_t **out,
                     avp_error_t *err)
{
    *out = json_object_get(root, key);
    if (!*out)
        return bad(err, NULL, 0, key, "missing");
    if (!json_is_array(*out))
        return bad(err, NULL, 0, key, "expected an array");
    return AVP_OK;
}

static int element(json_t *arr, const char *name, size_t i, json_t **out,
                   avp_error_t *err)
{
    *out = json_array_get(arr, i);
    if (!json_is_object(*out))
        return avp_error_set(err, AVP_EFORMAT, "%s[%zu]: expected an object",
                             name, i);
    return AVP_OK;
}

static int gt_images(eval_data_t *d, json_t *root, avp_error_t *err)
{
    json_t *arr, *o;
    int rc = get_array(root, "images", &arr, err);
    for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
        int64_t id = 0;
        if (!(rc = element(arr, "images", i, &o, err)) &&
            !(rc = get_int(o, "images", i, "id", 1, &id, err)))
            eval_data_add_image(d, id);
    }
    return rc;
}

static int gt_categories(eval_data_t *d, json_t *root, avp_error_t *err)
{
    json_t *arr, *o;
    int rc = get_array(root, "categories", &arr, err);
    for (size_t i = 0; !rc && i < json_array_size(arr); i++) {
        int64_t id = 0;
        if ((rc = element(arr, "categories", i, &o, err)) ||
            (rc = get_int(o, "categories", i, "id", 1, &id, err)))
            break;
        json_t *name = json_object_get(o, "name");
        if (name && !json_is_string(name))
            return bad(err, "categories", i, "name", "expected a string");
        eval_data_add_category(d, id, name ? json_string_value(name) : "");
    }
    return rc;
}

static int gt_annotation(eval_data_t *d, json_t *o, size_t i,
                         avp_error_t *err)
{
    const char *A = "annotations";
    eval_box_t b = {0};
    int64_t crowd = 0;
    int rc;
    if ((rc = get_int(o, A, i, "id", 1, &b.id, err)) ||
        (rc = get_int(o, A, i, "image_id", 1, &b.image_id, err)) ||
        (rc = get_int(o, A, i, "category_id", 1, &b.category_id, err)) ||
        (rc = get_bbox(o, A, i, &b, err)))
        return rc;
    b.area = b.w * b.h;
    if ((rc = get_num(o, A, i, "area", 0, &b.area, err)) ||
        (rc = get_int(o, A, i, "iscrowd", 0, &crowd, err)))
        return rc;
    b.iscrowd = crowd != 0;
    return eval_data_add_gt(d, &b, err);
}

static int gt_from_json(eval_data_t *d, json_t *root, avp_error_t *err)
{
    if (!json_is_object(root))
        return avp_error_set(err, AVP_EFORMAT,
                             "expected a COCO object with images, "
                             "categories and annotations");
    json_t *arr, *o;
    int rc;
    if ((rc = gt_images(d, root, err)) || (rc = gt_categories(d, root, err)) ||
        (rc = get_array(root, "annotations", &arr, err)))
        return rc;
    for (size_t i = 0; !rc && i < json_array_size(arr); i++)
        if (!(rc = element(arr, "annotations", i, &o, err)))
            rc = gt_annotation(d, o, i, err);
    return rc;
}

static int results_from_json(eval_data_t *d, json_t *root, avp_error_t *err)
{
    const char *R = "results";
    if (!json_is_array(root))
        return avp_error_set(err, AVP_EFORMAT,
                             "expected a list of COCO results");
    int rc = AVP_OK;
    for (size_t i = 0; !rc && i < json_array_size(root); i++) {
        json_t *o;
        eval_box_t b = {0};
        if (!(rc = element(root, R, i, &o, err)) &&
            !(rc = get_int(o, R, i, "image_id", 1, &b.image_id, err)) &&
            !(rc = get_int(o, R, i, "category_id", 1, &b.category_id, err)) &&
            !(rc = get_bbox(o, R, i, &b, err)) &&
            !(rc = get_num(o, R, i, "score", 1, &b.score, err)))
            rc = eval_data_add_det(d, &b, err);
    }
    return rc;
}

typedef int (*from_json_fn)(eval_data_t *, json_t *, avp_error_t *);

static int parse_error(const json_error_t *je, const char *where,
                       avp_error_t *err)
{
    enum json_error_code code = json_error_code(je);
    int rc = code == json_error_out_of_memory ? AVP_ENOMEM : AVP_EFORMAT;
    if (!where[0])
        return avp_error_set(err, rc, "line %d column %d: %s", je->line,
                             je->column, je->text);
    return avp_error_set(err, rc, "%s:%d:%d: %s", where, je->line,
                         je->column, je->text);
}

static int load(eval_data_t *d, json_t *root, const json_error_t *je,
                const char *where, from_json_fn fn, avp_error_t *err)
{
    if (!root)
        return parse_error(je, where, err);
    int rc = fn(d, root, err);
    json_decref(root);
    if (rc && where[0])
        avp_error_prefix(err, "%s", where);
    return rc;
}

/* Reads a whole file: jansson's own file reader takes a locked getc() per
 * byte, which is most of the load time of a 100 MB results file. */
static int read_file(const char *path, char **out, size_t *len,
                     avp_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return avp_error_set(err, errno == ENOENT ? AVP_ENOTFOUND : AVP_EIO,
                             "%s: %s", path, strerror(errno));
    char *buf = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = avp_try_malloc_aligned((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        int rc = buf ? AVP_EIO : size < 0 ? AVP_EIO : AVP_ENOMEM;
        avp_free_aligned(buf);
        fclose(f);
        return avp_error_set(err, rc, "%s: cannot read", path);
    }
    fclose(f);
    *out = buf;
    *len = (size_t)size;
    return AVP_OK;
}

/* One file to read and parse, possibly on its own thread. */
typedef struct parse_job {
    const char *path;
    size_t flags;
    json_t *root;
    json_error_t je;
    avp_error_t err;
    int rc;
} parse_job_t;

static void *parse_job_run(void *arg)
{
    parse_job_t *j = arg;
    char *text = NULL;
    size_t len = 0;
    j->rc = read_file(j->path, &text, &len, &j->err);
    if (!j->rc) {
        j->root = json_loadb(text, len, j->flags, &j->je);
        avp_free_aligned(text);
        if (!j->root)
            j->rc = parse_error(&j->je, j->path, &j->err);
    }
    return NULL;
}

static void *decref_run(void *arg)
{
    json_decref(arg);
    return NULL;
}

/* Converts a parsed job into d; consumes j->root. */
static int convert(eval_data_t *d, parse_job_t *j, from_json_fn fn,
                   avp_error_t *err)
{
    if (j->rc) {
        *err = j->err;
        return j->rc;
    }
    json_t *root = j->root;
    j->root = NULL;
    return load(d, root, &j->je, j->path, fn, err);
}

int eval_load_coco_gt(eval_data_t *d, const char *path, avp_error_t *err)
{
    parse_job_t j = {.path = path};
    parse_job_run(&j);
    return convert(d, &j, gt_from_json, err);
}

int eval_load_coco_results(eval_data_t *d, const char *path,
                           avp_error_t *err)
{
    parse_job_t j = {.path = path, .flags = JSON_DECODE_ANY};
    parse_job_run(&j);
    return convert(d, &j, results_from_json, err);
}

/* Converts a parsed document without releasing it. */
static int convert_keep(eval_data_t *d, const parse_job_t *j, from_json_fn fn,
                        avp_error_t *err)
{
    int rc = fn(d, j->root, err);
    if (rc)
        avp_error_prefix(err, "%s", j->path);
    return rc;
}

int eval_load_coco_pair(eval_data_t *d, const char *gt_path,
                        const char *results_path, avp_error_t *err)
{
    parse_job_t gt = {.path = gt_path};
    parse_job_t res = {.path = results_path, .flags = JSON_DECODE_ANY};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, parse_job_run, &res) == 0;
    parse_job_run(&gt);
    if (threaded)
        pthread_join(th, NULL);
    else
        parse_job_run(&res);
    int rc = gt.rc ? (*err = gt.err, gt.rc) : res.rc ? (*err = res.err, res.rc)
                                                      : AVP_OK;
    if (!rc)
        rc = convert_keep(d, &gt, gt_from_json, err);
    /* Freeing a parsed 100 MB document takes about as long as converting
     * the other one, so the two overlap. */
    threaded = pthread_create(&th, NULL, decref_run, gt.root) == 0;
    if (!threaded)
        json_decref(gt.root);
    if (!rc)
        rc = convert_keep(d, &res, results_from_json, err);
    json_decref(res.root);
    if (threaded)
        pthread_join(th, NULL);
    return rc;
}

int eval_parse_coco_gt(eval_data_t *d, const char *text, size_t len,
                       avp_error_t *err)
{
    json_error_t je;
    return load(d, json_loadb(text, len, 0, &je), &je, "", gt_from_json, err);
}

int eval_parse_coco_results(eval_data_t *d, const char *text, size_t len,
                            avp_error_t *err)
{
    json_error_t je;
    return load(d, json_loadb(text, len, JSON_DECODE_ANY, &je), &je, "",
                results_from_json, err);
}
