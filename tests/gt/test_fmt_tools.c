/* test_fmt_tools.c - ground truth as other tools write it (issue 14), from
 * fixtures written by hand after each format's published description in
 * tests/gt/fixtures: CVAT for video (a task's start, stop and step,
 * outside and interpolated boxes), CVAT for images, MOTChallenge 9 and 10
 * columns, Pascal VOC numbered from 000001, an ultralytics YOLO dataset,
 * and what an import reports and refuses. One case per argument, so that
 * CTest names each. */
#include "check.h"
#include "gt_fixture.h"

/* The fixture's path, in a static buffer. */
static const char *fixture_path(const char *name)
{
    static char path[1024];
    const char *src = getenv("AVP_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/gt/fixtures/%s", src ? src : ".",
             name);
    return path;
}

static gt_t *load(gt_format_t f, const char *name, const gt_io_options_t *o)
{
    gt_t *g = NULL;
    avp_error_t err = {0};
    if (gt_import(f, fixture_path(name), o, &g, &err) < 0)
        fprintf(stderr, "%s: %s\n", name, err.msg);
    return g;
}

/* The count noted for kind, or -1 if it was not noted. */
static int64_t note(const gt_t *g, const char *kind)
{
    for (size_t i = 0; i < gt_num_notes(g); i++) {
        int64_t n;
        if (!strcmp(gt_note_kind(g, i, &n), kind))
            return n;
    }
    return -1;
}

static size_t num_tracks(const gt_t *g)
{
    gt_track_t *t;
    size_t n;
    gt_tracks(g, &t, &n);
    avp_free(t);
    return n;
}

static int has_box(const gt_t *g, int64_t frame, const char *label,
                   double x, double y, double w, double h, unsigned flags)
{
    for (size_t i = 0; i < gt_num_boxes(g); i++) {
        const gt_box_t *b = &gt_boxes(g)[i];
        if (b->frame == frame && !strcmp(gt_label_name(g, b->label), label) &&
            fabs(b->x - x) < 1e-9 && fabs(b->y - y) < 1e-9 &&
            fabs(b->w - w) < 1e-9 && fabs(b->h - h) < 1e-9 &&
            b->flags == flags)
            return 1;
    }
    return 0;
}

/* Task frames 10, 13, 16, 19 of the video: nothing before 10 or between
 * is annotated; 19, where the car is outside, is an annotated empty frame. */
static void test_cvat_video(void)
{
    gt_t *g = load(GT_FORMAT_CVAT, "cvat_video_task.xml", NULL);
    CHECK(g);
    CHECK(gt_num_annotated_frames(g) == 4);
    for (int64_t f = 0; f < 22; f++)
        CHECK(gt_is_annotated_frame(g, f) ==
              (f == 10 || f == 13 || f == 16 || f == 19));
    CHECK(gt_num_boxes(g) == 4 && num_tracks(g) == 2);
    CHECK(has_box(g, 10, "person", 100, 50, 40, 80, 0));
    CHECK(has_box(g, 10, "car", 300, 200, 100, 60, GT_OCCLUDED));
    CHECK(has_box(g, 13, "car", 315, 200, 100, 60, GT_OCCLUDED));
    CHECK(has_box(g, 16, "car", 330, 200, 100, 60, 0));
    CHECK(note(g, "polygon in track (not a box)") == 2);
    CHECK(note(g, "cvat attribute of the task's own (not kept)") == 1);
    CHECK(note(g, "cvat box with keyframe 0 (kept, exported as a "
                  "keyframe)") == 1);
    CHECK(gt_width(g) == 1280 && gt_height(g) == 720);
    gt_destroy(g);
    /* Keyframes only: the frames between are interpolated as CVAT does. */
    g = load(GT_FORMAT_CVAT, "cvat_video_keyframes.xml", NULL);
    CHECK(g && gt_num_boxes(g) == 5 && gt_num_annotated_frames(g) == 6);
    for (int f = 0; f < 5; f++)
        CHECK(has_box(g, f, "person", 10.0 * f, 0, 10, 20, 0));
    CHECK(note(g, "interpolated box (between keyframes)") == 3);
    gt_destroy(g);
}

/* Two images in id order (listed the other way round), the box on the
 * second, the first an annotated empty frame; the other shapes counted. */
static void test_cvat_images(void)
{
    gt_t *g = load(GT_FORMAT_CVAT, "cvat_images.xml", NULL);
    CHECK(g);
    CHECK(gt_num_annotated_frames(g) == 2 && gt_num_frames(g) == 2);
    CHECK(gt_num_boxes(g) == 1 && num_tracks(g) == 0);
    CHECK(has_box(g, 1, "person", 10.5, 20, 50, 120,
                  GT_OCCLUDED | GT_DIFFICULT));
    CHECK(gt_width(g) == 800 && gt_height(g) == 600);
    static const char *const kinds[] = {"polygon", "polyline", "points",
                                        "mask", "skeleton"};
    char kind[64];
    for (size_t i = 0; i < AVP_ARRAY_LEN(kinds); i++) {
        snprintf(kind, sizeof kind, "%s in image (not a box)", kinds[i]);
        CHECK(note(g, kind) == 1);
    }
    CHECK(gt_num_notes(g) == AVP_ARRAY_LEN(kinds));
    gt_destroy(g);
}

/* MOT15 gt (10 columns, CRLF), MOT17 gt (9 columns with conf 0 rows and
 * other classes) and a MOT17 det file (10 columns, DPM scores). */
static void test_mot(void)
{
    gt_t *g = load(GT_FORMAT_MOT, "mot15_gt.txt", NULL);
    CHECK(g && gt_num_boxes(g) == 3 && num_tracks(g) == 2);
    CHECK(gt_num_frames(g) == 2 && gt_num_notes(g) == 0);
    CHECK(has_box(g, 0, "1", 100, 200, 40, 80, 0));
    CHECK(has_box(g, 0, "1", 300, 210, 35, 90, 0));
    CHECK(has_box(g, 1, "1", 104, 201, 40, 80, 0));
    gt_destroy(g);

    g = load(GT_FORMAT_MOT, "mot17_gt.txt", NULL);
    CHECK(g && gt_num_boxes(g) == 5 && num_tracks(g) == 4);
    CHECK(has_box(g, 0, "7", 912, 484, 97, 109, GT_DIFFICULT));
    CHECK(has_box(g, 0, "1", 1338, 418, 167, 379, 0));
    CHECK(has_box(g, 1, "1", 1342, 417, 168, 380, GT_OCCLUDED));
    CHECK(has_box(g, 2, "8", 1585, -1, 336, 578,
                  GT_DIFFICULT | GT_OCCLUDED));
    CHECK(note(g, "mot row with conf 0 (kept as difficult: ignored in "
                  "evaluation)") == 2);
    gt_destroy(g);

    g = load(GT_FORMAT_MOT, "mot17_det.txt", NULL);
    CHECK(g && gt_num_boxes(g) == 3 && num_tracks(g) == 0);
    CHECK(note(g, "mot row with conf outside [0, 1] (score 1)") == 2);
    CHECK(gt_boxes(g)[0].score == 1 && gt_boxes(g)[2].score == 0.33276);
    gt_destroy(g);
}

/* The VOC2007 devkit numbers from 000001: two files, two frames, no empty
 * frame 0; Roboflow's child order (xmin xmax ymin ymax) and flags. */
static void test_voc(void)
{
    gt_t *g = load(GT_FORMAT_VOC, "voc_devkit", NULL);
    CHECK(g && gt_num_frames(g) == 2 && gt_num_annotated_frames(g) == 2);
    CHECK(gt_num_boxes(g) == 2);
    CHECK(has_box(g, 0, "dog", 48, 240, 147, 131, GT_TRUNCATED));
    CHECK(has_box(g, 1, "person", 8.5, 12, 111.5, 486,
                  GT_DIFFICULT | GT_OCCLUDED));
    gt_destroy(g);
}

/* An ultralytics dataset: names from data.yaml two levels up, frames in
 * file-name order (a name without digits, one ending in 963225), polygon
 * rows as their clamped bounding boxes. Without leave to look up (an
 * upload, whose parents are the server's folders) data.yaml is not found
 * and the names must come from the caller. */
static void test_yolo(void)
{
    gt_io_options_t o = {.width = 640, .height = 480};
    gt_t *g = NULL;
    avp_error_t err = {0};
    const char *labels = fixture_path("yolo_ultralytics/train/labels");
    CHECK(gt_import(GT_FORMAT_YOLO, labels, &o, &g, &err) == AVP_EINVAL &&
          !g && strstr(err.msg, "needs the class names"));
    o.yaml_levels_up = 2;
    g = load(GT_FORMAT_YOLO, "yolo_ultralytics/train/labels", &o);
    CHECK(g && gt_num_frames(g) == 3 && gt_num_annotated_frames(g) == 3);
    CHECK(gt_num_labels(g) == 2 && gt_num_boxes(g) == 3);
    CHECK(has_box(g, 0, "person", 240, 120, 160, 240, 0));
    CHECK(has_box(g, 1, "car", 64, 96, 128, 192, 0));
    CHECK(has_box(g, 1, "person", 0, 240, 128, 192, 0));
    CHECK(note(g, "yolo polygon row (read as its bounding box)") == 2);
    gt_destroy(g);
}

static int refused(const char *xml, const char *want)
{
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_parse_cvat(xml, strlen(xml), NULL, &g, &err);
    if (rc >= 0 || g || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d '%s' want '%s'\n", rc, err.msg, want);
        gt_destroy(rc >= 0 ? g : NULL);
        return 0;
    }
    return 1;
}

/* A box the frame set cannot hold, one that is not axis-aligned, or
 * keyframes too far apart to interpolate for the file's size refuse the
 * file; nothing is dropped. The frame set is the task's. */
static void test_report(void)
{
    CHECK(refused("<annotations><meta><task><size>2</size><start_frame>4"
                  "</start_frame><frame_filter>step=2</frame_filter></task>"
                  "</meta><track id='1' label='a'><box frame='5' xtl='0' "
                  "ytl='0' xbr='1' ybr='1'/></track></annotations>",
                  "frame 5 is not a frame of the task"));
    CHECK(refused("<annotations><image id='0'><box label='a' xtl='0' ytl='0'"
                  " xbr='4' ybr='2' rotation='30'/></image></annotations>",
                  "rotated box"));
    CHECK(refused("<annotations><track id='1' label='a'><box frame='0' "
                  "xtl='0' ytl='0' xbr='1' ybr='1'/><box frame='9000000' "
                  "xtl='0' ytl='0' xbr='1' ybr='1'/></track></annotations>",
                  "too far apart"));
    gt_t *g = load(GT_FORMAT_CVAT, "cvat_video_task.xml", NULL);
    CHECK(g);
    int64_t first, last, step;
    gt_frames(g, &first, &last, &step);
    CHECK(first == 10 && last == 19 && step == 3);
    gt_destroy(g);
}

/* The task's frame set survives AVP JSON and CVAT; a YOLO export writes a
 * file per task frame only (no empty files for frames never looked at). */
static void test_frames_round_trip(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    gt_t *g = load(GT_FORMAT_CVAT, "cvat_video_task.xml", NULL), *back;
    CHECK(g);
    static const gt_format_t via[] = {GT_FORMAT_AVP, GT_FORMAT_CVAT};
    int ok = 1;
    avp_error_t err = {0};
    for (size_t i = 0; i < AVP_ARRAY_LEN(via); i++) {
        int64_t first = 0, last = 0, step = 0;
        snprintf(path, sizeof path, "%s/gt.%zu", dir, i);
        back = NULL;
        ok &= gt_export(via[i], g, path, NULL, &err) == AVP_OK &&
              gt_import(via[i], path, NULL, &back, &err) == AVP_OK;
        if (back)
            gt_frames(back, &first, &last, &step);
        ok &= first == 10 && last == 19 && step == 3 &&
              fixture_equal(g, back, GT_OCCLUDED | CMP_TRACK, 1e-9);
        gt_destroy(back);
    }
    const char *names[] = {"person", "car"};
    gt_io_options_t yo = {.names = names, .num_names = 2};
    snprintf(path, sizeof path, "%s/yolo", dir);
    ok &= gt_export(GT_FORMAT_YOLO, g, path, &yo, &err) == AVP_OK;
    snprintf(path, sizeof path, "%s/yolo/frame_000013.txt", dir);
    char *t13 = fixture_read(path);
    snprintf(path, sizeof path, "%s/yolo/frame_000000.txt", dir);
    char *t0 = fixture_read(path);
    ok &= t13 && !t0;
    free(t13);
    free(t0);
    fixture_rmdir(dir);
    gt_destroy(g);
    CHECK(ok);
}

/* COCO as its documentation describes it: every image a frame (the one
 * without annotations too), ids and file names kept, iscrowd and an area
 * other than w * h kept, segmentations counted; the export writes them
 * back, so that export and import again are the identity. */
static void test_coco(void)
{
    gt_t *g = load(GT_FORMAT_COCO, "coco_lossless/instances.json", NULL);
    CHECK(g);
    int64_t first, last, step;
    gt_frame_info_t fi;
    gt_frames(g, &first, &last, &step);
    CHECK(first == 0 && last == 4 && step == 1 && gt_num_boxes(g) == 14);
    CHECK(gt_frame_info(g, 3, &fi) && fi.id == 87038 && fi.width == 640 &&
          fi.height == 480 && !strcmp(fi.name, "000000087038.jpg"));
    CHECK(gt_label_id(g, gt_find_label(g, "dog")) == 18 &&
          gt_label_id(g, gt_find_label(g, "toothbrush")) == 90);
    CHECK(has_box(g, 0, "person", 400, 200, 200, 150, GT_CROWD) &&
          has_box(g, 1, "bottle", 100, 5, 80, 40, GT_CROWD));
    int areas = 0;
    for (size_t i = 0; i < gt_num_boxes(g); i++)
        areas += gt_boxes(g)[i].area == 900 || gt_boxes(g)[i].area == 9300;
    CHECK(areas == 2);
    CHECK(note(g, "coco segmentation (its bbox kept, not the mask)") == 13);
    char dir[64], path[128], *once, *twice;
    gt_t *back = NULL;
    avp_error_t err = {0};
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/gt.json", dir);
    CHECK(gt_export(GT_FORMAT_COCO, g, path, NULL, &err) == AVP_OK);
    once = fixture_read(path);
    CHECK(gt_import(GT_FORMAT_COCO, path, NULL, &back, &err) == AVP_OK);
    CHECK(gt_export(GT_FORMAT_COCO, back, path, NULL, &err) == AVP_OK);
    twice = fixture_read(path);
    CHECK(once && twice && !strcmp(once, twice));
    CHECK(fixture_equal(g, back, CMP_FLAGS_ALL | CMP_SOURCE | CMP_SCORE, 0));
    free(once);
    free(twice);
    fixture_rmdir(dir);
    gt_destroy(back);
    gt_destroy(g);
}

/* An ultralytics dataset with its images: they are the frames, the image
 * without a label file (a background image) too; a label file without an
 * image is refused. */
static void test_yolo_images(void)
{
    gt_io_options_t o = {.width = 640, .height = 480, .yaml_levels_up = 2};
    gt_t *g = load(GT_FORMAT_YOLO, "yolo_images/labels/val", &o);
    gt_frame_info_t fi;
    CHECK(g && gt_num_annotated_frames(g) == 3 && gt_num_boxes(g) == 3);
    CHECK(has_box(g, 0, "person", 240, 120, 160, 240, 0) &&
          has_box(g, 2, "bicycle", 448, 72, 64, 96, 0));
    CHECK(gt_frame_info(g, 1, &fi) && !strcmp(fi.name, "000000000285.png"));
    gt_destroy(g);
    char dir[64], path[160];
    avp_error_t err = {0};
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/images", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/labels", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/images/a.jpg", dir);
    fixture_write(path, "");
    snprintf(path, sizeof path, "%s/labels/b.txt", dir);
    fixture_write(path, "0 0.5 0.5 0.1 0.1\n");
    snprintf(path, sizeof path, "%s/labels", dir);
    g = (gt_t *)1;
    o.yaml_levels_up = 0;
    o.names = fixture_names, o.num_names = 3;
    CHECK(gt_import(GT_FORMAT_YOLO, path, &o, &g, &err) == AVP_EFORMAT &&
          !g && strstr(err.msg, "b.txt: no image of that name"));
    fixture_rmdir(dir);
}

/* Datumaro's JSON as datumaro and CVAT write it: items are frames at
 * their attr.frame (the one without a box too), bbox annotations boxes
 * with occluded and track_id, other types counted. */
static void test_datumaro(void)
{
    gt_t *g = load(GT_FORMAT_DATUMARO, "datumaro/default.json", NULL);
    int64_t first, last, step;
    gt_frame_info_t fi;
    CHECK(g && gt_num_boxes(g) == 3 && num_tracks(g) == 2);
    gt_frames(g, &first, &last, &step);
    CHECK(first == 10 && last == 16 && step == 3);
    CHECK(gt_width(g) == 1280 && gt_height(g) == 720);
    CHECK(has_box(g, 10, "car", 300, 200, 100, 60, GT_OCCLUDED) &&
          has_box(g, 16, "car", 330, 200, 100, 60, 0));
    CHECK(note(g, "datumaro polygon (not a box)") == 1 &&
          note(g, "datumaro label (not a box)") == 1);
    CHECK(gt_frame_info(g, 13, &fi) && !strcmp(fi.name, "frame_000013"));
    gt_destroy(g);
}

/* 1 if g's frame set is exactly frames 0, 2, 4 and 5. */
static int frames_0245(const gt_t *g)
{
    size_t n;
    const int64_t *list = g ? gt_frame_list(g, &n) : NULL;
    int ok = list && n == 4 && gt_num_annotated_frames(g) == 4;
    for (int64_t f = -1; ok && f < 8; f++)
        ok = gt_is_annotated_frame(g, f) ==
             (f == 0 || f == 2 || f == 4 || f == 5);
    return ok;
}

/* Frames that are not evenly spaced (0, 2, 4, 5; 2 an annotated empty
 * frame): a video COCO file (frame_id per image) and Datumaro (attr.frame)
 * import them as they are, and every exporter that can say which frames
 * it holds gives them back; CVAT's task (start + k * step) cannot, and
 * says so rather than write a superset. */
static void test_uneven_frames(void)
{
    char dir[64], path[128];
    fixture_tmpdir(dir, sizeof dir);
    static const struct {
        gt_format_t f;
        const char *file;
    } in[] = {{GT_FORMAT_COCO, "uneven/coco_frame_id.json"},
              {GT_FORMAT_DATUMARO, "uneven/datumaro.json"}};
    static const gt_format_t via[] = {GT_FORMAT_AVP, GT_FORMAT_COCO,
                                      GT_FORMAT_DATUMARO};
    avp_error_t err = {0};
    for (size_t i = 0; i < AVP_ARRAY_LEN(in); i++) {
        gt_t *g = load(in[i].f, in[i].file, NULL);
        CHECK(frames_0245(g) && gt_num_boxes(g) == 3);
        for (size_t k = 0; g && k < AVP_ARRAY_LEN(via); k++) {
            gt_t *back = NULL;
            snprintf(path, sizeof path, "%s/gt.%zu.%zu", dir, i, k);
            CHECK(gt_export(via[k], g, path, NULL, &err) == AVP_OK);
            CHECK(gt_import(via[k], path, NULL, &back, &err) == AVP_OK);
            CHECK(frames_0245(back) && fixture_equal(g, back, 0, 1e-9));
            gt_destroy(back);
        }
        snprintf(path, sizeof path, "%s/cvat.%zu.xml", dir, i);
        CHECK(g && gt_export(GT_FORMAT_CVAT, g, path, NULL, &err) ==
                       AVP_EINVAL && strstr(err.msg, "not evenly spaced"));
        gt_destroy(g);
    }
    fixture_rmdir(dir);
}

/* The import of split `split` of dataset `name`, or NULL with err set. */
static gt_t *load_split(const char *name, const char *split, avp_error_t *err)
{
    gt_io_options_t o = {.width = 640, .height = 480, .split = split};
    gt_t *g = NULL;
    gt_import(GT_FORMAT_YOLO, fixture_path(name), &o, &g, err);
    return g;
}

/* Datasets with splits: Roboflow's train/, valid/, test/ (a split named
 * by its folder or by data.yaml's key for it) and ultralytics' data.yaml
 * naming .txt lists of images (sorted, "./" relative to the list, the
 * label file img2label_paths gives, an image without one a background
 * frame). Without a split the folders are named; a list that leaves the
 * dataset is refused. */
static void test_yolo_splits(void)
{
    avp_error_t err = {0};
    gt_frame_info_t fi;
    gt_t *g = load_split("yolo_roboflow", NULL, &err);
    CHECK(!g && strstr(err.msg, "test/labels, train/labels, valid/labels") &&
          strstr(err.msg, "--split"));
    for (int k = 0; k < 2; k++) {
        g = load_split("yolo_roboflow", k ? "val" : "valid", &err);
        CHECK(g && gt_num_annotated_frames(g) == 2 && gt_num_boxes(g) == 2);
        CHECK(g && has_box(g, 0, "person", 120, 180, 80, 120, 0) &&
              has_box(g, 0, "car", 400, 120, 160, 240, 0));
        CHECK(g && gt_frame_info(g, 1, &fi) &&
              !strcmp(fi.name, "street_9_jpg.rf.d4.jpg"));
        gt_destroy(g);
    }
    CHECK(!load_split("yolo_roboflow", "holdout", &err) &&
          strstr(err.msg, "found 0"));
    g = load_split("yolo_lists", "val", &err);
    CHECK(g && gt_num_annotated_frames(g) == 2 && gt_num_boxes(g) == 2);
    CHECK(g && has_box(g, 0, "person", 240, 120, 160, 240, 0) &&
          has_box(g, 0, "bicycle", 120, 90, 80, 60, 0));
    CHECK(g && gt_frame_info(g, 1, &fi) && !strcmp(fi.name, "images/c.jpg"));
    gt_destroy(g);
    g = load_split("yolo_lists", "train", &err);
    CHECK(g && gt_num_boxes(g) == 1 && has_box(g, 0, "bicycle", 160, 120,
                                               320, 240, 0));
    gt_destroy(g);
    CHECK(!load_split("yolo_lists", "test", &err) &&
          strstr(err.msg, "test.txt:2") && strstr(err.msg, "inside"));
}

/* A MOTChallenge sequence folder: seqinfo.ini's seqLength makes frames
 * 4 to 6, after the last row, frames without objects; its frameRate and
 * size fill the video. Without leave to look above the file's folder (an
 * upload), it is not read. */
static void test_mot_seqinfo(void)
{
    gt_io_options_t o = {.yaml_levels_up = 1};
    const char *gt = "mot_seq/MOT17-02-FRCNN/gt/gt.txt";
    gt_t *g = load(GT_FORMAT_MOT, gt, &o);
    CHECK(g && gt_num_annotated_frames(g) == 6 && gt_num_frames(g) == 6);
    CHECK(g && gt_fps(g) == 30 && gt_width(g) == 1920 &&
          gt_height(g) == 1080 && gt_num_boxes(g) == 5);
    CHECK(g && gt_boxes(g)[2].t == (double)gt_boxes(g)[2].frame / 30);
    gt_destroy(g);
    o.yaml_levels_up = 0;
    g = load(GT_FORMAT_MOT, gt, &o);
    CHECK(g && gt_num_annotated_frames(g) == 3 && gt_fps(g) == 0);
    gt_destroy(g);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        void (*run)(void);
    } cases[] = {{"cvat_video", test_cvat_video},
                 {"cvat_images", test_cvat_images},
                 {"mot", test_mot},
                 {"voc", test_voc},
                 {"yolo", test_yolo},
                 {"report", test_report},
                 {"frames_round_trip", test_frames_round_trip},
                 {"coco", test_coco},
                 {"yolo_images", test_yolo_images},
                 {"datumaro", test_datumaro},
                 {"mot_seqinfo", test_mot_seqinfo},
                 {"uneven_frames", test_uneven_frames},
                 {"yolo_splits", test_yolo_splits}};
    for (size_t i = 0; i < AVP_ARRAY_LEN(cases); i++)
        if (argc < 2 || !strcmp(argv[1], cases[i].name)) {
            fprintf(stderr, "case %s: ", cases[i].name);
            RUN(cases[i].run);
        }
    return check_count_ ? CHECK_DONE() : EXIT_FAILURE;
}
