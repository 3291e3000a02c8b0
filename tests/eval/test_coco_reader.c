/* test_coco_reader.c - the streaming COCO reader: the same text cut into
 * chunks of any size gives the same data and the same errors, at the
 * same place; values nobody needs are skipped whole; a repeated key
 * follows "the last wins"; errors carry their line and column. */
#include "check.h"
#include "eval/coco_reader.h"

#include <string.h>

/* Unknown keys with nested values everywhere, keys in unusual orders, an
 * escaped name, numbers in every JSON spelling. */
static const char gt_text[] =
    "{\"info\": {\"year\": 2017, \"list\": [[1, {\"a\": []}], \"x\"]},\n"
    " \"annotations\": [\n"
    "  {\"segmentation\": [[1, 2, 3, 4, 5, 6]], \"bbox\": [10, 1e1, 2.0E1,"
    " 40], \"category_id\": 2, \"image_id\": 7, \"id\": 1, \"area\": 500},\n"
    "  {\"id\": 2, \"image_id\": 3, \"category_id\": 2, \"iscrowd\": 1,"
    " \"bbox\": [0.5, 1.5, 30, 30], \"extra\": {\"bbox\": \"no\"}},\n"
    "  {\"id\": 3, \"image_id\": 3, \"category_id\": 1,"
    " \"bbox\": [-5, 0, 300, 200]}],\n"
    " \"images\": [{\"file_name\": \"a.jpg\", \"id\": 7}, {\"id\": 3}],\n"
    " \"licenses\": [],\n"
    " \"categories\": [{\"id\": 2, \"name\": \"p\\u00e9destrian\"},"
    " {\"name\": null, \"id\": 1, \"name\": \"car\"}]}\n";

static const char res_text[] =
    "[{\"image_id\": 7, \"category_id\": 2, \"bbox\": [10, 10, 20, 40],"
    "  \"score\": 0.9, \"segmentation\": {\"counts\": \"xyz\"}},\n"
    " {\"score\": 1, \"bbox\": [100, 100, 5, 5], \"category_id\": 1,"
    "  \"image_id\": 3},\n"
    " {\"image_id\": 3, \"category_id\": 1, \"bbox\": [-4, 1, 300, 190],"
    "  \"score\": 0.5e0}]";

/* Feeds text in chunks of `chunk` bytes (0: all at once). */
static int feed(eval_data_t *d, eval__coco_kind_t kind, const char *text,
                size_t chunk, avp_error_t *err)
{
    size_t len = strlen(text);
    eval__coco_reader_t *r = eval__coco_reader_create(d, kind, NULL);
    int rc = AVP_OK;
    for (size_t at = 0; !rc && at < len; at += chunk ? chunk : len) {
        size_t n = chunk && len - at > chunk ? chunk : len - at;
        rc = eval__coco_reader_feed(r, text + at, n, err);
    }
    if (!rc)
        rc = eval__coco_reader_finish(r, err);
    eval__coco_reader_destroy(r);
    return rc;
}

static eval_result_t *load_run(size_t chunk)
{
    eval_data_t *d = eval_data_create();
    avp_error_t err = {0};
    eval_result_t *r = NULL;
    eval_options_t opt;
    eval_options_default(&opt);
    if (feed(d, EVAL__COCO_GT, gt_text, chunk, &err) ||
        feed(d, EVAL__COCO_RESULTS, res_text, chunk, &err) ||
        eval_run(d, &opt, &r, &err))
        fprintf(stderr, "  chunk %zu: %s\n", chunk, err.msg);
    eval_data_destroy(d);
    return r;
}

static void test_coco_reader_reads_what_it_needs(void)
{
    eval_result_t *r = load_run(0);
    CHECK(r != NULL);
    int ok = r->num_images == 2 && r->num_gt == 3 && r->num_det == 3 &&
             r->num_classes == 2 && !strcmp(r->classes[0].name, "car") &&
             !strcmp(r->classes[1].name, "p\xc3\xa9" "destrian") &&
             r->classes[1].num_gt == 1 && /* the crowd box is not counted */
             r->classes[0].at_thr.tp == 1 && r->classes[1].at_thr.tp == 1;
    eval_result_destroy(r);
    CHECK(ok);
}

static void test_coco_reader_chunks_change_nothing(void)
{
    eval_result_t *whole = load_run(0);
    CHECK(whole != NULL);
    int same = 1;
    for (size_t chunk = 1; chunk <= 9 && same; chunk++) {
        eval_result_t *r = load_run(chunk);
        same = r && !memcmp(r->coco_stats, whole->coco_stats,
                            sizeof(r->coco_stats)) &&
               r->num_gt == whole->num_gt && r->num_det == whole->num_det;
        eval_result_destroy(r);
    }
    eval_result_destroy(whole);
    CHECK(same);
}

/* The error of text as ground truth (or results), the same whatever the
 * chunk size up to max_chunk; "" when it loads. */
static void error_in_chunks(eval__coco_kind_t kind, const char *text,
                            size_t max_chunk, char *out, size_t size)
{
    avp_error_t first = {0};
    for (size_t chunk = 0; chunk <= max_chunk; chunk++) {
        eval_data_t *d = eval_data_create();
        avp_error_t err = {0};
        int rc = feed(d, kind, text, chunk, &err);
        eval_data_destroy(d);
        if (chunk == 0)
            first = rc ? err : (avp_error_t){0};
        else if (strcmp(first.msg, rc ? err.msg : "")) {
            fprintf(stderr, "  chunk %zu: '%s' vs '%s'\n", chunk, err.msg,
                    first.msg);
            snprintf(out, size, "chunking changed the error");
            return;
        }
    }
    snprintf(out, size, "%s", first.msg);
}

/* Errors the reader finds are placed the same whatever the chunks. */
static void error_of(eval__coco_kind_t kind, const char *text, char *out,
                     size_t size)
{
    error_in_chunks(kind, text, 5, out, size);
}

#define CHECK_ERROR(kind, text, want)                                      \
    do {                                                                   \
        char got_[512];                                                    \
        error_of(kind, text, got_, sizeof(got_));                          \
        if (strcmp(got_, want))                                            \
            fprintf(stderr, "  want '%s'\n  got  '%s'\n", want, got_);     \
        CHECK(!strcmp(got_, want));                                        \
    } while (0)

static void test_coco_reader_places_errors(void)
{
    const eval__coco_kind_t G = EVAL__COCO_GT, R = EVAL__COCO_RESULTS;
    CHECK_ERROR(G, "{\"images\": [],\n \"annotations\": [{\"id\": 1,\n"
                "  \"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3]}]}",
                "line 3 column 53: annotations[0].bbox: expected 4 numbers");
    CHECK_ERROR(R, "[{\"image_id\": 1, \"category_id\": 1,"
                " \"bbox\": [1, 2, 3, 4]},\n 5]",
                "line 1 column 56: results[0].score: missing");
    CHECK_ERROR(R, "[\n\n  7]", "line 3 column 3: results[0]: expected an "
                "object");
    CHECK_ERROR(G, "{\"images\": {}}", "line 1 column 12: images: expected "
                "an array");
    CHECK_ERROR(G, "{\"images\": [], \"images\": []}",
                "line 1 column 23: images: duplicate key");
    CHECK_ERROR(G, "{\"images\": [], \"annotations\": []}",
                "line 1 column 33: categories: missing");
    CHECK_ERROR(R, "{}", "line 1 column 1: expected a list of COCO results");
    CHECK_ERROR(G, "[]", "line 1 column 1: expected a COCO object with "
                "images, categories and annotations");
}

static void test_coco_reader_checks_field_types(void)
{
    const eval__coco_kind_t G = EVAL__COCO_GT, R = EVAL__COCO_RESULTS;
    const char *res = "[{\"image_id\": 1, \"category_id\": 1, ";
    char text[256];
#define RES(fields, want)                                                  \
    snprintf(text, sizeof(text), "%s%s}]", res, fields);                   \
    CHECK_ERROR(R, text, want)
    RES("\"bbox\": [1, 2, 3, [4]], \"score\": 1",
        "line 1 column 70: results[0].bbox: expected 4 numbers");
    RES("\"bbox\": [1, 2, 3, 4, 5], \"score\": 1",
        "line 1 column 71: results[0].bbox: expected 4 numbers");
    RES("\"bbox\": {\"x\": 1}, \"score\": 1",
        "line 1 column 64: results[0].bbox: expected 4 numbers");
    RES("\"bbox\": [1, 2, 3, 4], \"score\": \"1\"",
        "line 1 column 70: results[0].score: expected a number");
    RES("\"bbox\": [1, 2, 3, 4], \"score\": 1, \"image_id\": true",
        "line 1 column 86: results[0].image_id: expected an integer");
    RES("\"bbox\": [1, 2, 3, 4], \"score\": 1, \"category_id\": 1.5",
        "line 1 column 88: results[0].category_id: expected an integer");
    /* The last of a repeated key wins, both ways. */
    RES("\"bbox\": [1, 2, 3, 4], \"score\": 1, \"bbox\": null",
        "line 1 column 82: results[0].bbox: expected 4 numbers");
    RES("\"score\": \"a\", \"bbox\": [1, 2, 3, 4], \"score\": 1", "");
#undef RES
    CHECK_ERROR(G, "{\"images\": [], \"annotations\": [],"
                " \"categories\": [{\"id\": 1, \"name\": 5}]}",
                "line 1 column 69: categories[0].name: expected a string");
    CHECK_ERROR(G, "{\"images\": [{\"id\": 1}], \"categories\": [],"
                " \"annotations\": [{\"id\": 1, \"image_id\": 1, "
                "\"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"area\": -2}]}",
                "line 1 column 134: annotations[0].area: expected a number "
                ">= 0");
}

static void test_coco_reader_refuses_bad_json(void)
{
    const eval__coco_kind_t G = EVAL__COCO_GT, R = EVAL__COCO_RESULTS;
    char got[512];
    /* yajl's wording and place; a bad token cut between two chunks is
     * placed at the chunk's start, so these are read whole. */
    error_in_chunks(R, "[{\"image_id\": 1,\n \"x\": NaN}]", 0, got,
                    sizeof(got));
    CHECK(!strncmp(got, "line 2 column ", 14) && strstr(got, "error"));
    error_in_chunks(R, "[{\"bbox\": [1, 2", 0, got, sizeof(got));
    CHECK(!strncmp(got, "line 1 column 16: ", 18) && strstr(got, "EOF"));
    error_in_chunks(G, "", 0, got, sizeof(got));
    CHECK(!strncmp(got, "line 1 column 1: ", 17));
    error_in_chunks(G, "{\"images\": [], \"categories\": [], "
                    "\"annotations\": []} x", 0, got, sizeof(got));
    CHECK(!strncmp(got, "line 1 column ", 14) && strstr(got, "garbage"));
    error_in_chunks(R, "[{\"image_id\": 99999999999999999999}]", 0, got,
                    sizeof(got));
    CHECK(strstr(got, "overflow") != NULL);
    CHECK_ERROR(R, "[]", "");
}

static void test_coco_reader_names_the_file(void)
{
    eval_data_t *d = eval_data_create();
    eval__coco_reader_t *r =
        eval__coco_reader_create(d, EVAL__COCO_RESULTS, "dir/pred.json");
    avp_error_t err = {0};
    int rc1 = eval__coco_reader_feed(r, "[\n", 2, &err);
    int rc2 = eval__coco_reader_feed(r, " {}]", 4, &err);
    int rc3 = eval__coco_reader_finish(r, &err); /* the error stays */
    eval__coco_reader_destroy(r);
    eval_data_destroy(d);
    CHECK(rc1 == AVP_OK && rc2 == AVP_EFORMAT && rc3 == AVP_EFORMAT);
    CHECK(!strcmp(err.msg, "dir/pred.json:2:3: results[0].image_id: "
                           "missing"));
}

int main(void)
{
    RUN(test_coco_reader_reads_what_it_needs);
    RUN(test_coco_reader_chunks_change_nothing);
    RUN(test_coco_reader_places_errors);
    RUN(test_coco_reader_checks_field_types);
    RUN(test_coco_reader_refuses_bad_json);
    RUN(test_coco_reader_names_the_file);
    return CHECK_DONE();
}
