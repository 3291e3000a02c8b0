/* test_fmt_voc.c - Pascal VOC XML folders: round trip with the flags,
 * malformed files named by element and line, nothing half-imported. */
#include "check.h"
#include "gt_fixture.h"

static const gt_io_options_t voc_opt = {.fps = 30};

static void test_fmt_voc_round_trip(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/voc", dir);
    gt_t *g = fixture_gt(0), *back = NULL;
    avp_error_t err = {0};
    CHECK(gt_export(GT_FORMAT_VOC, g, path, &voc_opt, &err) == AVP_OK);
    int rc = gt_import(GT_FORMAT_VOC, path, &voc_opt, &back, &err);
    snprintf(path, sizeof path, "%s/voc/frame_000007.xml", dir);
    char *text = fixture_read(path);
    fixture_seed("voc", "frame_000007.xml", text);
    int ok = text && strstr(text, "<difficult>1</difficult>") &&
             strstr(text, "<occluded>1</occluded>");
    free(text);
    fixture_rmdir(dir);
    CHECK(ok);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, GT_DIFFICULT | GT_OCCLUDED | GT_TRUNCATED,
                        1e-9));
    CHECK(gt_width(back) == 640 && gt_num_frames(back) == 12);
    gt_destroy(g);
    gt_destroy(back);
}

static int fails(const char *text, const char *want)
{
    gt_t *g = gt_create();
    avp_error_t err = {0};
    int rc = gt_parse_voc_frame(g, 0, text, strlen(text), NULL, "f.xml",
                                &err);
    gt_destroy(g);
    if (rc != AVP_EFORMAT || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d '%s' want '%s'\n", rc, err.msg, want);
        return 0;
    }
    return 1;
}

#define OBJ(name, box) "<object><name>" name "</name><bndbox>" box \
                       "</bndbox></object>"
#define BOX "<xmin>1</xmin><ymin>2</ymin><xmax>5</xmax><ymax>9</ymax>"

static void test_fmt_voc_malformed(void)
{
    CHECK(fails("<annotation><object>\n</annotation>", "f.xml: line 2"));
    CHECK(fails("<notvoc/>", "root element is not <annotation>"));
    CHECK(fails("<annotation>" OBJ("a", BOX) "\n" OBJ("b",
                "<xmin>1</xmin><ymin>2</ymin><xmax>5</xmax>") "</annotation>",
                "f.xml: object[1] (line 2): missing element 'ymax'"));
    CHECK(fails("<annotation>" OBJ("a", "<xmin>x</xmin><ymin>2</ymin>"
                "<xmax>5</xmax><ymax>9</ymax>") "</annotation>",
                "object[0] (line 1): element 'xmin' is not a number"));
    CHECK(fails("<annotation><object><name>a</name><difficult>2</difficult>"
                "<bndbox>" BOX "</bndbox></object></annotation>",
                "<difficult> must be 0 or 1"));
    CHECK(fails("<annotation>" OBJ("a", "<xmin>5</xmin><ymin>2</ymin>"
                "<xmax>1</xmax><ymax>9</ymax>") "</annotation>",
                "object[0] (line 1): box width"));
    CHECK(fails("<annotation><object><bndbox>" BOX "</bndbox></object>"
                "</annotation>", "<name> or <bndbox> missing"));
}

static void test_fmt_voc_all_or_nothing(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/frame_000000.xml", dir);
    fixture_write(path, "<annotation>" OBJ("a", BOX) "</annotation>");
    snprintf(path, sizeof path, "%s/frame_000002.xml", dir);
    fixture_write(path, "<annotation>" OBJ("a", "") "</annotation>");
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_import(GT_FORMAT_VOC, dir, NULL, &g, &err);
    fixture_rmdir(dir);
    CHECK(rc == AVP_EFORMAT && g == NULL);
    CHECK(strstr(err.msg, "frame_000002.xml: object[0]"));
}

/* An empty folder is an empty ground truth, not an error. */
static void test_fmt_voc_empty_folder(void)
{
    char dir[64];
    fixture_tmpdir(dir, sizeof dir);
    gt_t *g = NULL;
    avp_error_t err = {0};
    int rc = gt_import(GT_FORMAT_VOC, dir, NULL, &g, &err);
    fixture_rmdir(dir);
    CHECK(rc == AVP_OK && gt_num_boxes(g) == 0);
    gt_destroy(g);
    CHECK(gt_import(GT_FORMAT_VOC, "/nonexistent/avp", NULL, &g, &err) ==
          AVP_ENOTFOUND);
}

int main(void)
{
    RUN(test_fmt_voc_round_trip);
    RUN(test_fmt_voc_malformed);
    RUN(test_fmt_voc_all_or_nothing);
    RUN(test_fmt_voc_empty_folder);
    return CHECK_DONE();
}
