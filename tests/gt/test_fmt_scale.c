/* test_fmt_scale.c - every parser's cost grows about linearly with its
 * input: a file of 8n labels (each on one box) parses in far less than 64
 * times the CPU time of one of n, which is what a lookup that scans the
 * labels (a file of 7M labels would take days) costs. */
#include "check.h"

#include "gt/gt.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

enum { SMALL = 4000, GROWTH = 8 };
/* Linear is 8, the old linear label lookup 64; the margin absorbs caches
 * and a loaded machine (CPU time, up to three tries). CVAT's 8n file comes
 * out at x9-x20: a quarter of its time is glibc consolidating the freed
 * libxml2 tree (malloc_consolidate, perf), which grows with the heap. */
#define MAX_RATIO 24.0

typedef struct text {
    char *s;
    size_t len, cap;
} text_t;

static void add(text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[256];
    size_t n = (size_t)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->len + n + 1 > t->cap) {
        t->cap = 2 * (t->len + n + 1);
        t->s = realloc(t->s, t->cap);
    }
    memcpy(t->s + t->len, line, n + 1);
    t->len += n;
}

/* The n labels "l0".."l<n-1>" for the formats that take names. */
static char **names_of(int n)
{
    char **v = malloc((size_t)n * sizeof(char *));
    for (int i = 0; i < n; i++) {
        v[i] = malloc(16);
        snprintf(v[i], 16, "l%d", i);
    }
    return v;
}

static void make_cvat(text_t *t, int n)
{
    add(t, "<annotations>");
    for (int i = 0; i < n; i++)
        add(t, "<track id=\"%d\" label=\"l%d\"><box frame=\"0\" xtl=\"1\" "
            "ytl=\"1\" xbr=\"5\" ybr=\"5\"/></track>\n", i, i);
    add(t, "</annotations>");
}

/* CVAT for images, listed in descending id order (the reader sorts them)
 * with a polygon per image (counted, not a box). */
static void make_cvat_images(text_t *t, int n)
{
    add(t, "<annotations>");
    for (int i = 0; i < n; i++)
        add(t, "<image id=\"%d\"><box label=\"l%d\" xtl=\"1\" ytl=\"1\" "
            "xbr=\"5\" ybr=\"5\"/><polygon label=\"l%d\" points=\"1,1;2,2;"
            "1,2\"/></image>\n", n - i, i, i);
    add(t, "</annotations>");
}

static void make_voc(text_t *t, int n)
{
    add(t, "<annotation>");
    for (int i = 0; i < n; i++)
        add(t, "<object><name>l%d</name><bndbox><xmin>1</xmin><ymin>1</ymin>"
            "<xmax>5</xmax><ymax>5</ymax></bndbox></object>\n", i);
    add(t, "</annotation>");
}

static void make_avp(text_t *t, int n)
{
    add(t, "{\"boxes\": [");
    for (int i = 0; i < n; i++)
        add(t, "%s{\"frame\": 0, \"t\": 0, \"label\": \"l%d\", \"box\": "
            "[1, 1, 4, 4]}\n", i ? "," : "", i);
    add(t, "]}");
}

static void make_coco(text_t *t, int n)
{
    add(t, "{\"images\": [{\"id\": 1}], \"categories\": [");
    for (int i = 0; i < n; i++)
        add(t, "%s{\"id\": %d, \"name\": \"l%d\"}\n", i ? "," : "", i, i);
    add(t, "], \"annotations\": [");
    for (int i = 0; i < n; i++)
        add(t, "%s{\"image_id\": 1, \"category_id\": %d, \"bbox\": "
            "[1, 1, 4, 4]}\n", i ? "," : "", i);
    add(t, "]}");
}

/* Without names a MOT class is a label of its own. */
static void make_mot(text_t *t, int n)
{
    for (int i = 0; i < n; i++)
        add(t, "1,%d,1,1,4,4,1,%d,1\n", i, i + 1);
}

static void make_yolo(text_t *t, int n)
{
    for (int i = 0; i < n; i++)
        add(t, "%d 0.5 0.5 0.1 0.1\n", i);
}

/* ultralytics segment rows: a polygon read as its bounding box. */
static void make_yolo_polygon(text_t *t, int n)
{
    for (int i = 0; i < n; i++)
        add(t, "%d 0.1 0.1 0.5 0.1 0.5 0.5 0.1 0.5\n", i);
}

typedef void (*make_fn)(text_t *, int);

/* Parses t with format f (YOLO takes the n names); the parse must
 * succeed with n labels. */
static int parse(gt_format_t f, const text_t *t, int n, char **names)
{
    gt_io_options_t o = {.names = (const char *const *)names, .num_names = n};
    avp_error_t err = {0};
    gt_t *g = NULL;
    int rc;
    if (f == GT_FORMAT_YOLO || f == GT_FORMAT_VOC) {
        g = gt_create();
        gt_set_video(g, 640, 480, 0, 1);
        rc = f == GT_FORMAT_YOLO
             ? gt_parse_yolo_frame(g, 0, t->s, t->len, &o, "f", &err)
             : gt_parse_voc_frame(g, 0, t->s, t->len, NULL, "f", &err);
    } else {
        rc = (f == GT_FORMAT_CVAT ? gt_parse_cvat
              : f == GT_FORMAT_AVP ? gt_parse_avp
              : f == GT_FORMAT_COCO ? gt_parse_coco
              : gt_parse_mot)(t->s, t->len, NULL, &g, &err);
    }
    int ok = rc == AVP_OK && gt_num_labels(g) == n &&
             gt_num_boxes(g) == (size_t)n;
    if (!ok)
        fprintf(stderr, "%s: rc %d '%s'\n", gt_format_name(f), rc, err.msg);
    gt_destroy(g);
    return ok;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Best of three CPU times of parsing a file of n labels; -1 on failure. */
static double parse_time(gt_format_t f, make_fn make, int n)
{
    text_t t = {0};
    char **names = names_of(n);
    make(&t, n);
    double best = -1;
    for (int k = 0; k < 3; k++) {
        double t0 = cpu_now();
        if (!parse(f, &t, n, names)) {
            best = -1;
            break;
        }
        double dt = cpu_now() - t0;
        best = best < 0 || dt < best ? dt : best;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(t.s);
    return best;
}

/* A quadratic parser misses the ratio on every attempt (29-64x); a linear
 * one can miss it once when the small file's few milliseconds meet page
 * faults or a neighbour's cache traffic, so it gets three attempts. */
static int scales(gt_format_t f, make_fn make)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        double small = parse_time(f, make, SMALL);
        double big = parse_time(f, make, GROWTH * SMALL);
        if (small < 0 || big < 0)
            return 0;
        double ratio = big / (small > 1e-6 ? small : 1e-6);
        fprintf(stderr, "%s: %d labels %.4f s, %d labels %.4f s: x%.1f\n",
                gt_format_name(f), SMALL, small, GROWTH * SMALL, big, ratio);
        if (ratio < MAX_RATIO)
            return 1;
    }
    return 0;
}

static void test_fmt_scale_cvat(void) { CHECK(scales(GT_FORMAT_CVAT, make_cvat)); }
static void test_fmt_scale_cvat_images(void)
{
    CHECK(scales(GT_FORMAT_CVAT, make_cvat_images));
}
static void test_fmt_scale_yolo_polygon(void)
{
    CHECK(scales(GT_FORMAT_YOLO, make_yolo_polygon));
}
static void test_fmt_scale_voc(void) { CHECK(scales(GT_FORMAT_VOC, make_voc)); }
static void test_fmt_scale_avp(void) { CHECK(scales(GT_FORMAT_AVP, make_avp)); }
static void test_fmt_scale_coco(void) { CHECK(scales(GT_FORMAT_COCO, make_coco)); }
static void test_fmt_scale_mot(void) { CHECK(scales(GT_FORMAT_MOT, make_mot)); }
static void test_fmt_scale_yolo(void) { CHECK(scales(GT_FORMAT_YOLO, make_yolo)); }

int main(void)
{
    RUN(test_fmt_scale_cvat);
    RUN(test_fmt_scale_voc);
    RUN(test_fmt_scale_avp);
    RUN(test_fmt_scale_coco);
    RUN(test_fmt_scale_mot);
    RUN(test_fmt_scale_yolo);
    RUN(test_fmt_scale_cvat_images);
    RUN(test_fmt_scale_yolo_polygon);
    return CHECK_DONE();
}
