/* test_fmt_cvat.c - CVAT for video 1.1: tracks round trip, gaps closed by
 * outside boxes, untracked boxes, malformed files, DTDs refused. */
#include "check.h"
#include "gt_fixture.h"

static const gt_io_options_t cvat_opt = {.fps = 30};

static char *export_text(const gt_t *g)
{
    char dir[64], path[128];
    avp_error_t err = {0};
    fixture_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/a.xml", dir);
    char *text = gt_export(GT_FORMAT_CVAT, g, path, &cvat_opt, &err) == 0
                 ? fixture_read(path) : NULL;
    fixture_rmdir(dir);
    return text;
}

static void test_fmt_cvat_round_trip(void)
{
    gt_t *g = fixture_gt(1), *back = NULL;
    char *text = export_text(g);
    CHECK(text);
    fixture_seed("cvat", "tracks.xml", text);
    avp_error_t err = {0};
    int rc = gt_parse_cvat(text, strlen(text), &cvat_opt, &back, &err);
    /* The person's gap (frames 4-5) and its end (frame 10) are closed by
     * outside boxes; the car runs to the last frame and needs none. */
    int gap = strstr(text, "frame=\"4\" outside=\"1\"") &&
              strstr(text, "frame=\"10\" outside=\"1\"") &&
              !strstr(text, "frame=\"12\"") &&
              strstr(text, "source=\"manual\"");
    free(text);
    CHECK(gap);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, CMP_FLAGS_ALL | CMP_SOURCE | CMP_TRACK,
                        1e-9));
    gt_track_t *t;
    size_t n;
    gt_tracks(back, &t, &n);
    int tracks_ok = n == 2 && t[0].id == 7 && t[0].first_frame == 0 &&
                    t[0].last_frame == 9 && t[0].num_boxes == 8 &&
                    t[1].id == 12 && t[1].first_frame == 2;
    avp_free(t);
    CHECK(tracks_ok);
    CHECK(gt_width(back) == 640 && gt_num_frames(back) == 12);
    gt_destroy(g);
    gt_destroy(back);
}

/* Two boxes of one track on the file's only frame (found by the fuzzer):
 * no outside box may follow them, past the last frame, where a re-import
 * refused it. */
static void test_fmt_cvat_one_frame_track(void)
{
    static const char xml[] =
        "<annotations><track id=\"0\" label=\"person\">"
        "<box frame=\"0\" outside=\"0\" xtl=\"10\" ytl=\"20\" xbr=\"40\" "
        "ybr=\"60\"/><box frame=\"0\" outside=\"0\" xtl=\"11\" ytl=\"20\" "
        "xbr=\"41\" ybr=\"60\"/></track></annotations>";
    gt_t *g = NULL, *back = NULL;
    avp_error_t err = {0};
    CHECK(gt_parse_cvat(xml, strlen(xml), &cvat_opt, &g, &err) == AVP_OK);
    char *text = g ? export_text(g) : NULL;
    CHECK(text && !strstr(text, "outside=\"1\""));
    CHECK(text && gt_parse_cvat(text, strlen(text), &cvat_opt, &back,
                                &err) == AVP_OK);
    CHECK(back && gt_num_boxes(back) == 2 && gt_num_frames(back) == 1);
    free(text);
    gt_destroy(g);
    gt_destroy(back);
}

/* Boxes in no track become one-box tracks with new ids. */
static void test_fmt_cvat_untracked(void)
{
    gt_t *g = fixture_gt(0), *back = NULL;
    char *text = export_text(g);
    CHECK(text);
    avp_error_t err = {0};
    int rc = gt_parse_cvat(text, strlen(text), &cvat_opt, &back, &err);
    free(text);
    CHECK(rc == AVP_OK);
    CHECK(fixture_equal(g, back, CMP_FLAGS_ALL | CMP_SOURCE, 1e-9));
    gt_track_t *t;
    size_t n;
    gt_tracks(back, &t, &n);
    int ok = n == 4 && t[2].id == 13 && t[3].id == 14 && t[3].num_boxes == 1;
    avp_free(t);
    gt_destroy(g);
    gt_destroy(back);
    CHECK(ok);
}

static int fails(const char *text, const char *want)
{
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_parse_cvat(text, strlen(text), NULL, &g, &err);
    if (rc != AVP_EFORMAT || g || !strstr(err.msg, want)) {
        fprintf(stderr, "rc %d '%s' want '%s'\n", rc, err.msg, want);
        return 0;
    }
    return 1;
}

#define BOX(f) "<box frame=\"" f "\" outside=\"0\" occluded=\"0\" " \
               "keyframe=\"1\" xtl=\"1\" ytl=\"2\" xbr=\"5\" ybr=\"9\"/>"

static void test_fmt_cvat_malformed(void)
{
    CHECK(fails("<annotations><track id=\"0\" label=\"a\">", "line 1"));
    CHECK(fails("<annotations>\n<track id=\"0\" label=\"a\">" BOX("0")
                "</track>\n<track id=\"1\" label=\"a\">" BOX("0") "\n"
                "<box frame=\"1\" outside=\"0\" xtl=\"1\" ytl=\"2\" "
                "xbr=\"5\"/></track></annotations>",
                "track[1]/box[1] (line 4): missing attribute 'ybr'"));
    CHECK(fails("<annotations><track label=\"a\">" BOX("0") "</track>"
                "</annotations>",
                "track[0] (line 1): missing attribute 'id'"));
    CHECK(fails("<annotations><track id=\"0\">" BOX("0") "</track>"
                "</annotations>", "track[0] (line 1): needs an integer id"));
    CHECK(fails("<annotations><track id=\"0\" label=\"a\">" BOX("-1")
                "</track></annotations>", "track[0]/box[0] (line 1): bad"));
    CHECK(fails("<annotations><track id=\"0\" label=\"a\"><box frame=\"0\" "
                "xtl=\"1\" ytl=\"2\" xbr=\"5\" ybr=\"9\"><attribute "
                "name=\"difficult\">maybe</attribute></box></track>"
                "</annotations>", "track[0]/box[0] (line 1): <attribute>"));
    CHECK(fails("<annotations><track id=\"0\" label=\"a\"><box frame=\"0\" "
                "xtl=\"5\" ytl=\"2\" xbr=\"5\" ybr=\"9\"/></track>"
                "</annotations>", "track[0]/box[0] (line 1): box width"));
}

static int refused(const char *text)
{
    gt_t *g = (gt_t *)1;
    avp_error_t err = {0};
    int rc = gt_parse_cvat(text, strlen(text), NULL, &g, &err);
    if (rc != AVP_EINVAL || g || !strstr(err.msg, "DTD")) {
        fprintf(stderr, "rc %d '%s'\n", rc, err.msg);
        return 0;
    }
    return 1;
}

/* One 100 KB internal entity referenced 1000 times in a label name would
 * expand to 100 MB when the name is read (libxml2 only caps nesting): any
 * DTD is refused before its declarations are read, so the peak memory of
 * the parse stays near the input's size. External entities and a bare
 * DOCTYPE are refused the same way. */
static void test_fmt_cvat_dtd_refused(void)
{
    size_t ent = 100 * 1000, refs = 1000;
    char *doc = malloc(ent + 8 * refs + 512), *p = doc;
    p += sprintf(p, "<?xml version=\"1.0\"?><!DOCTYPE annotations "
                 "[<!ENTITY e \"");
    memset(p, 'x', ent);
    p += ent;
    p += sprintf(p, "\">]><annotations><meta><task><labels><label><name>");
    for (size_t i = 0; i < refs; i++)
        p += sprintf(p, "&e;");
    sprintf(p, "</name></label></labels></task></meta>" "<track id=\"0\" "
            "label=\"&e;\">" BOX("0") "</track></annotations>");
    size_t before = avp_peak_rss();
    int ok = refused(doc);
    size_t grew = avp_peak_rss() - before;
    free(doc);
    CHECK(ok);
    CHECK(grew < 16u << 20);
    CHECK(refused("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM "
                  "\"file:///etc/passwd\">]><annotations><track id=\"0\" "
                  "label=\"&e;\">" BOX("0") "</track></annotations>"));
    CHECK(refused("<!DOCTYPE annotations><annotations/>"));
}

int main(void)
{
    RUN(test_fmt_cvat_dtd_refused); /* first: it reads the peak RSS */
    RUN(test_fmt_cvat_round_trip);
    RUN(test_fmt_cvat_untracked);
    RUN(test_fmt_cvat_one_frame_track);
    RUN(test_fmt_cvat_malformed);
    return CHECK_DONE();
}
