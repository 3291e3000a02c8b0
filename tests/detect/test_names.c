/* Class names: the COCO list, files, errors. */
#include "check.h"
#include "detect/detect.h"

#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/avp_test_names_XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_names_coco(void)
{
    detect_names_t *n = detect_names_coco();
    CHECK(detect_names_count(n) == 80);
    CHECK(strcmp(detect_names_get(n, 0), "person") == 0);
    CHECK(strcmp(detect_names_get(n, 79), "toothbrush") == 0);
    CHECK(strcmp(detect_names_get(n, 80), "class_80") == 0);
    CHECK(strcmp(detect_names_get(n, -1), "unknown") == 0);
    CHECK(detect_names_find(n, "dog") == 16);
    CHECK(detect_names_find(n, "traffic light") == 9);
    CHECK(detect_names_find(n, "Dog") == -1);
    detect_names_destroy(n);
    detect_names_destroy(NULL);
}

static void test_names_load_trims(void)
{
    const char *path = write_file("ok.txt", "  cat \n\tbig dog\r\nfish");
    detect_names_t *n;
    avp_error_t err = {0};
    CHECK(detect_names_load(path, &n, &err) == AVP_OK);
    int count = detect_names_count(n);
    int ok = count == 3 && strcmp(detect_names_get(n, 0), "cat") == 0 &&
             strcmp(detect_names_get(n, 1), "big dog") == 0 &&
             strcmp(detect_names_get(n, 2), "fish") == 0 &&
             detect_names_find(n, "fish") == 2;
    detect_names_destroy(n);
    CHECK(ok);
}

static void test_names_load_errors(void)
{
    detect_names_t *n = (detect_names_t *)&n;
    avp_error_t err = {0};
    const char *path = write_file("empty_line.txt", "cat\n  \ndog\n");
    CHECK(detect_names_load(path, &n, &err) == AVP_EFORMAT);
    CHECK(n == NULL);
    CHECK(strstr(err.msg, "empty_line.txt:2: empty class name") != NULL);

    path = write_file("nothing.txt", "");
    CHECK(detect_names_load(path, &n, &err) == AVP_EFORMAT);

    char *many = malloc((DETECT_MAX_CLASSES + 1) * 8 + 1), *p = many;
    for (int i = 0; i <= DETECT_MAX_CLASSES; i++)
        p += sprintf(p, "c%d\n", i);
    path = write_file("many.txt", many);
    free(many);
    CHECK(detect_names_load(path, &n, &err) == AVP_EFORMAT);
    CHECK(strstr(err.msg, ":1025: more than 1024 classes") != NULL);

    CHECK(detect_names_load("/nonexistent/names.txt", &n, &err) == AVP_ENOTFOUND);
}

int main(void)
{
    if (!mkdtemp(dir))
        return EXIT_FAILURE;
    RUN(test_names_coco);
    RUN(test_names_load_trims);
    RUN(test_names_load_errors);
    const char *files[] = {"ok.txt", "empty_line.txt", "nothing.txt", "many.txt"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return CHECK_DONE();
}
