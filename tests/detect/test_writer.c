/* Writers: JSONL and COCO round trips through jansson, atomic commit. */
#include "check.h"
#include "detect/detect.h"

#include <jansson.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/avp_test_writer_XXXXXX";
static char path[256], tmp_path[300];

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static detect_box_t boxes[3] = {
    {0, 0.894712f, {376.544f, 165.61f, 551.64f, 658.02f}},
    {1, 0.5f, {1, 2, 3, 4}},
    {79, 0.25f, {10, 20, 40, 80}},
};

static int write_two_frames(detect_format_t fmt, const detect_names_t *names)
{
    detect_writer_t *w;
    avp_error_t err = {0};
    if (detect_writer_open(path, fmt, names, &w, &err) != AVP_OK)
        return -1;
    detect_frame_result_t f0 = {.frame = {.index = 0, .t = 0}, boxes, 2};
    detect_frame_result_t f1 = {.frame = {.index = 7, .t = 0.2335}, boxes + 2, 1};
    detect_frame_result_t empty = {.frame = {.index = 8}, NULL, 0};
    int rc = detect_writer_add(w, &f0) | detect_writer_add(w, &empty) |
             detect_writer_add(w, &f1);
    if (rc != AVP_OK || exists(path) || !exists(tmp_path)) {
        detect_writer_abort(w);
        return -1;
    }
    return detect_writer_commit(w, &err);
}

static void test_writer_jsonl_round_trip(void)
{
    avp_error_t err = {0};
    const char *names_path = "names.txt";
    char np[300];
    snprintf(np, sizeof(np), "%s/%s", dir, names_path);
    FILE *nf = fopen(np, "w");
    fputs("say \"hi\"\\\nb\xc3\xbc" "cher\n", nf); /* quote, backslash, UTF-8 */
    fclose(nf);
    detect_names_t *names;
    CHECK(detect_names_load(np, &names, &err) == AVP_OK);
    unlink(np);
    int rc = write_two_frames(DETECT_FORMAT_JSONL, names);
    detect_names_destroy(names);
    CHECK(rc == AVP_OK);
    CHECK(!exists(tmp_path));

    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char line[512];
    json_t *j[3] = {0};
    int n = 0;
    while (n < 3 && fgets(line, sizeof(line), f))
        j[n++] = json_loads(line, 0, NULL);
    int extra = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    int ok = n == 3 && !extra && j[0] && j[1] && j[2] &&
             json_integer_value(json_object_get(j[0], "frame")) == 0 &&
             strcmp(json_string_value(json_object_get(j[0], "label")), "say \"hi\"\\") == 0 &&
             strcmp(json_string_value(json_object_get(j[1], "label")), "b\xc3\xbc" "cher") == 0 &&
             strcmp(json_string_value(json_object_get(j[2], "label")), "class_79") == 0 &&
             json_integer_value(json_object_get(j[2], "frame")) == 7 &&
             json_integer_value(json_object_get(j[2], "class")) == 79 &&
             fabs(json_real_value(json_object_get(j[2], "t")) - 0.2335) < 1e-9 &&
             fabs(json_real_value(json_object_get(j[0], "score")) - 0.89471) < 1e-9 &&
             fabs(json_real_value(json_array_get(json_object_get(j[0], "box"), 0)) - 376.54) < 1e-9 &&
             fabs(json_real_value(json_array_get(json_object_get(j[0], "box"), 3)) - 658.02) < 1e-9;
    for (int i = 0; i < n; i++)
        json_decref(j[i]);
    unlink(path);
    CHECK(ok);
}

/* Reads the COCO file and returns the category ids in order. */
static int read_coco(int *ids, double *bbox0, int max)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!json_is_array(root)) {
        json_decref(root);
        return -1;
    }
    int n = (int)json_array_size(root);
    for (int i = 0; i < n && i < max; i++)
        ids[i] = (int)json_integer_value(json_object_get(json_array_get(root, i), "category_id"));
    json_t *b = json_object_get(json_array_get(root, 0), "bbox");
    for (int k = 0; k < 4; k++)
        bbox0[k] = json_real_value(json_array_get(b, k));
    json_t *last = json_array_get(root, (size_t)n - 1);
    if (json_integer_value(json_object_get(last, "image_id")) != 7)
        n = -1;
    json_decref(root);
    return n;
}

static void test_writer_coco_ids(void)
{
    detect_names_t *coco = detect_names_coco();
    int rc = write_two_frames(DETECT_FORMAT_COCO, coco);
    detect_names_destroy(coco);
    CHECK(rc == AVP_OK);
    int ids[3];
    double bb[4];
    CHECK(read_coco(ids, bb, 3) == 3);
    CHECK(ids[0] == 1 && ids[1] == 2 && ids[2] == 90); /* person, bicycle, toothbrush */
    CHECK_NEAR(bb[0], 376.54, 1e-9);
    CHECK_NEAR(bb[2], 175.1, 1e-9); /* width 551.64 - 376.54 */
    unlink(path);

    /* Names from a file: ids are class + 1. */
    char np[300];
    snprintf(np, sizeof(np), "%s/n.txt", dir);
    FILE *f = fopen(np, "w");
    fputs("a\nb\n", f);
    fclose(f);
    detect_names_t *names;
    avp_error_t err;
    CHECK(detect_names_load(np, &names, &err) == AVP_OK);
    unlink(np);
    rc = write_two_frames(DETECT_FORMAT_COCO, names);
    detect_names_destroy(names);
    CHECK(rc == AVP_OK);
    CHECK(read_coco(ids, bb, 3) == 3);
    CHECK(ids[0] == 1 && ids[1] == 2 && ids[2] == 80);
    unlink(path);
}

static void test_writer_abort_leaves_nothing(void)
{
    detect_names_t *coco = detect_names_coco();
    detect_writer_t *w;
    avp_error_t err;
    int rc = detect_writer_open(path, DETECT_FORMAT_JSONL, coco, &w, &err);
    CHECK(rc == AVP_OK);
    detect_frame_result_t f0 = {.frame = {.index = 0}, boxes, 3};
    CHECK(detect_writer_add(w, &f0) == AVP_OK);
    CHECK(exists(tmp_path));
    detect_writer_abort(w);
    detect_writer_abort(NULL);
    detect_names_destroy(coco);
    CHECK(!exists(tmp_path) && !exists(path));
}

static void test_writer_open_fails_cleanly(void)
{
    detect_names_t *coco = detect_names_coco();
    detect_writer_t *w = (detect_writer_t *)&w;
    avp_error_t err = {0};
    int rc = detect_writer_open("/nonexistent/dir/out.jsonl", DETECT_FORMAT_JSONL,
                                coco, &w, &err);
    detect_names_destroy(coco);
    CHECK(rc == AVP_EIO && w == NULL);
    CHECK(strstr(err.msg, "/nonexistent/dir/out.jsonl.tmp") != NULL);
}

int main(void)
{
    if (!mkdtemp(dir))
        return EXIT_FAILURE;
    snprintf(path, sizeof(path), "%s/out.json", dir);
    snprintf(tmp_path, sizeof(tmp_path), "%s.tmp", path);
    RUN(test_writer_jsonl_round_trip);
    RUN(test_writer_coco_ids);
    RUN(test_writer_abort_leaves_nothing);
    RUN(test_writer_open_fails_cleanly);
    rmdir(dir);
    return CHECK_DONE();
}
