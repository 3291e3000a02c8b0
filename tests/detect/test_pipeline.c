/* The video pipeline end to end with the real YOLOX-Nano model: photos,
 * the OpenCV reference on a video, batch equivalence, allocation, cancel
 * and errors. Skips (77) without ../shared/models/yolox_nano.onnx. */
#include "check.h"
#include "detect/detect.h"

#include <jansson.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
enum { VIDEO_FRAMES = 16 }; /* ASan makes inference ~10x slower */
#else
enum { VIDEO_FRAMES = 60 };
#endif

/* Batch 1 is compared with batch 8 over two batches; the oracle sees 12
 * frames, 3 of each photo in the video. */
enum { MAX_DETS = 8192, ORACLE_EVERY = 20, BATCH1_FRAMES = 16 };

typedef struct det {
    int64_t frame;
    int cls;
    float score;
    float box[4];
} det_t;

/* What a sink saw; filled without allocating (it runs in the measured
 * steady state). */
typedef struct collector {
    det_t dets[MAX_DETS];
    int ndets, calls;
    int64_t frames, last_frame, stop_after; /* stop_after: frame index */
    int64_t order_errors;
    uint64_t allocs_after_first, allocs_at_last;
    volatile int cancel;
    int cancel_in_sink;
    detect_progress_t last_progress;
    int progress_calls;
    float conf;
} collector_t;

static char model_path[512], video_path[512], ref_path[512];

static int sink(void *user, const detect_frame_result_t *f, int n)
{
    collector_t *c = user;
    for (int i = 0; i < n; i++) {
        c->order_errors += f[i].frame.index != c->last_frame + 1;
        c->last_frame = f[i].frame.index;
        c->frames++;
        for (int k = 0; k < f[i].count && c->ndets < MAX_DETS; k++) {
            const detect_box_t *b = &f[i].boxes[k];
            det_t *d = &c->dets[c->ndets++];
            d->frame = f[i].frame.index;
            d->cls = b->cls;
            d->score = b->score;
            memcpy(d->box, b->box, sizeof(d->box));
        }
    }
    if (c->calls++ == 0)
        c->allocs_after_first = avp_alloc_count();
    c->allocs_at_last = avp_alloc_count();
    if (c->cancel_in_sink)
        c->cancel = 1;
    return c->stop_after >= 0 && c->last_frame >= c->stop_after ? 1 : 0;
}

static void progress(void *user, const detect_progress_t *p)
{
    collector_t *c = user;
    c->last_progress = *p;
    c->progress_calls++;
}

static collector_t *collector_new(int64_t stop_after)
{
    collector_t *c = calloc(1, sizeof(*c));
    c->last_frame = -1;
    c->stop_after = stop_after;
    c->conf = 0.25f;
    return c;
}

static int run_every(const char *input, int batch, int every, collector_t *c,
                     avp_error_t *err)
{
    infer_options_t io = {.batch = batch, .threads = 2};
    infer_model_t *m;
    int rc = infer_model_load(model_path, &io, &m, err);
    if (rc != AVP_OK)
        return rc;
    detect_pipeline_opts_t opt = {
        .family = INFER_FAMILY_UNKNOWN, /* the model's own guess: YOLOX */
        .media = {.every = every},
        .sink = sink,
        .progress = progress,
        .user = c,
        .cancel = &c->cancel,
    };
    detect_params_default(&opt.params);
    opt.params.conf = c->conf;
    rc = detect_pipeline_run(m, input, &opt, err);
    infer_model_destroy(m);
    return rc;
}

static int run(const char *input, int batch, float conf, collector_t *c,
               avp_error_t *err)
{
    c->conf = conf;
    return run_every(input, batch, 1, c, err);
}

static const det_t *find_class(const collector_t *c, int cls)
{
    for (int i = 0; i < c->ndets; i++)
        if (c->dets[i].cls == cls)
            return &c->dets[i];
    return NULL;
}

static void test_pipeline_photos(void)
{
    collector_t *c = collector_new(-1);
    avp_error_t err = {0};
    int rc = run("/usr/share/darknet/data/person.jpg", 1, 0.35f, c, &err);
    if (rc != AVP_OK)
        fprintf(stderr, "  %s\n", err.msg);
    CHECK(rc == AVP_OK);
    CHECK(c->frames == 1 && c->ndets == 3);
    const det_t *person = find_class(c, 0), *dog = find_class(c, 16),
                *horse = find_class(c, 17);
    CHECK(person && dog && horse);
    fprintf(stderr, "  person.jpg: person %.3f dog %.3f horse %.3f\n",
            person->score, dog->score, horse->score);
    CHECK(fabsf(person->score - 0.88f) < 0.03f);
    CHECK(fabsf(dog->score - 0.87f) < 0.03f);
    CHECK(fabsf(horse->score - 0.87f) < 0.03f);
    CHECK(c->progress_calls >= 1 && c->last_progress.frames_done == 1);
    free(c);

    c = collector_new(-1);
    rc = run("/usr/share/darknet/data/dog.jpg", 1, 0.35f, c, &err);
    CHECK(rc == AVP_OK);
    const det_t *bike = find_class(c, 1), *car = find_class(c, 2),
                *truck = find_class(c, 7);
    dog = find_class(c, 16);
    int ok = dog && bike && (car || truck);
    fprintf(stderr, "  dog.jpg: %d boxes, dog %.3f bicycle %.3f car/truck %.3f\n",
            c->ndets, dog ? dog->score : 0, bike ? bike->score : 0,
            car ? car->score : truck ? truck->score : 0);
    free(c);
    CHECK(ok);
}

/* Detections of frames below `frames` from a JSONL file. */
static int load_jsonl(const char *path, det_t *ref, int max, int64_t frames)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    int n = 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        json_t *j = json_loads(line, 0, NULL);
        json_t *box = json_object_get(j, "box");
        det_t d = {
            .frame = json_integer_value(json_object_get(j, "frame")),
            .cls = (int)json_integer_value(json_object_get(j, "class")),
            .score = (float)json_number_value(json_object_get(j, "score")),
        };
        for (int k = 0; k < 4; k++)
            d.box[k] = (float)json_number_value(json_array_get(box, (size_t)k));
        json_decref(j);
        if (d.frame < frames)
            ref[n++] = d;
    }
    fclose(f);
    return n;
}

/* How many of a's detections with score >= 0.3 have a partner in b: same
 * frame and class, IoU >= min_iou, score within score_tol. */
static int matched(const det_t *a, int na, const det_t *b, int nb,
                   float min_iou, float score_tol, int *total)
{
    int hits = 0;
    *total = 0;
    for (int i = 0; i < na; i++) {
        if (a[i].score < 0.3f)
            continue;
        (*total)++;
        for (int j = 0; j < nb; j++) {
            if (b[j].frame == a[i].frame && b[j].cls == a[i].cls &&
                detect_iou(a[i].box, b[j].box) >= min_iou &&
                fabsf(a[i].score - b[j].score) < score_tol) {
                hits++;
                break;
            }
        }
    }
    return hits;
}

static int count_below(const collector_t *c, int64_t frames)
{
    int n = 0;
    while (n < c->ndets && c->dets[n].frame < frames)
        n++;
    return n;
}

/* Against ../shared/media's OpenCV reference, made with cv2.resize
 * INTER_LINEAR where AVP letterboxes with swscale. The boxes agree; the
 * scores of ambiguous animals (horse/sheep/cow in the zoomed photo) move
 * with the resizer: cv2's own INTER_AREA and INTER_LINEAR differ there by
 * up to 0.12. So the box match is held at 97% and the brief's stricter
 * "score within 0.03" at 90% (93% measured); the test below removes the
 * resizer and holds everything else tight. Batch 1 must equal batch 8
 * (over its first two batches). */
static void test_pipeline_video_matches_opencv_and_batch_1(void)
{
    collector_t *b8 = collector_new(VIDEO_FRAMES - 1);
    collector_t *b1 = collector_new(BATCH1_FRAMES - 1);
    det_t *ref = malloc(MAX_DETS * sizeof(*ref));
    avp_error_t err = {0};
    double t0 = avp_now();
    int rc8 = run(video_path, 8, 0.25f, b8, &err);
    double t1 = avp_now();
    int rc1 = run(video_path, 1, 0.25f, b1, &err);
    int nref = load_jsonl(ref_path, ref, MAX_DETS, VIDEO_FRAMES);
    int n8 = count_below(b8, VIDEO_FRAMES), total, total_ours;
    int box_hits = matched(ref, nref, b8->dets, n8, 0.9f, 1.0f, &total);
    int hits = matched(ref, nref, b8->dets, n8, 0.9f, 0.03f, &total);
    int hits_ours = matched(b8->dets, n8, ref, nref, 0.9f, 0.03f, &total_ours);
    fprintf(stderr, "  %d frames at batch 8 in %.2f s; reference boxes "
            "matched %d/%d (%.3f), with score within 0.03 %d/%d (%.3f); "
            "ours in reference %d/%d (%.3f)\n", VIDEO_FRAMES, t1 - t0,
            box_hits, total, (double)box_hits / total, hits, total,
            (double)hits / total, hits_ours, total_ours,
            (double)hits_ours / total_ours);
    int n1 = count_below(b1, BATCH1_FRAMES);
    int same = n1 == count_below(b8, BATCH1_FRAMES);
    for (int i = 0; same && i < n1; i++)
        same = b1->dets[i].frame == b8->dets[i].frame &&
               b1->dets[i].cls == b8->dets[i].cls &&
               fabsf(b1->dets[i].score - b8->dets[i].score) < 1e-4f &&
               detect_iou(b1->dets[i].box, b8->dets[i].box) > 0.999f;
    int order_ok = b8->order_errors == 0 && b1->order_errors == 0;
    /* The last progress report counts every frame the sink saw, of the
     * video's 240. */
    int progress_ok = b8->last_progress.frames_done == b8->frames &&
                      b8->last_progress.frames_total == 240 &&
                      b8->last_progress.fps > 0;
    uint64_t steady_allocs = b1->allocs_at_last - b1->allocs_after_first;
    free(b8);
    free(b1);
    free(ref);
    CHECK(rc8 == 1 && rc1 == 1); /* the sink's own stop code */
    CHECK(nref > 0 && total > 0 && total_ours > 0);
    CHECK(box_hits >= 0.97 * total);
    CHECK(hits >= 0.90 * total && hits_ours >= 0.90 * total_ours);
    CHECK(same);
    CHECK(order_ok);
    CHECK(progress_ok);
    CHECK(steady_allocs == 0);
}

/* Letterboxes every `every`th frame with AVP's media code (as the pipeline
 * does) into raw tensor and meta files for the OpenCV oracle. */
static int dump_tensors(const char *tensors, const char *meta, int every)
{
    media_options_t mo = {.every = every};
    media_source_t *src;
    avp_error_t err;
    if (media_source_open(video_path, &mo, &src, &err) != AVP_OK)
        return -1;
    media_letterbox_t lb;
    detect_letterbox_for(INFER_FAMILY_YOLOX, 416, 416, &lb);
    float *buf = malloc(3 * 416 * 416 * sizeof(float));
    FILE *ft = fopen(tensors, "wb"), *fm = fopen(meta, "w");
    media_frame_t fr;
    int n = 0, rc;
    while ((rc = media_source_read(src, &lb, buf, &fr, &err)) == 1) {
        fwrite(buf, sizeof(float), 3 * 416 * 416, ft);
        fprintf(fm, "%lld %.9g %.9g %.9g %d %d\n", (long long)fr.index,
                fr.scale, fr.pad_x, fr.pad_y, fr.src_width, fr.src_height);
        n++;
    }
    fclose(ft);
    fclose(fm);
    free(buf);
    media_source_close(src);
    return rc == 0 ? n : -1;
}

/* The same input tensors through OpenCV DNN and the Python decode: now
 * only float rounding separates the two, so the match is tight. */
static void test_pipeline_matches_opencv_on_same_tensors(void)
{
    const char *python = getenv("AVP_PYTHON"), *srcdir = getenv("AVP_SOURCE_DIR");
    if (!python || !srcdir || access(python, X_OK) != 0) {
        fprintf(stderr, "  skipped: no AVP_PYTHON/AVP_SOURCE_DIR\n");
        return;
    }
    char dir[] = "/tmp/avp_test_pipeline_XXXXXX", tensors[64], meta[64],
         out[64], cmd[1024];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(tensors, sizeof(tensors), "%s/t.f32", dir);
    snprintf(meta, sizeof(meta), "%s/meta.txt", dir);
    snprintf(out, sizeof(out), "%s/ref.jsonl", dir);
    int frames = dump_tensors(tensors, meta, ORACLE_EVERY);
    snprintf(cmd, sizeof(cmd), "%s %s/tests/oracle/yolox_tensor_ref.py %s %s %s %s",
             python, srcdir, model_path, tensors, meta, out);
    int sys_rc = frames > 0 ? system(cmd) : -1;
    det_t *ref = malloc(MAX_DETS * sizeof(*ref));
    int nref = sys_rc == 0 ? load_jsonl(out, ref, MAX_DETS, INT64_MAX) : -1;
    unlink(tensors);
    unlink(meta);
    unlink(out);
    rmdir(dir);

    collector_t *c = collector_new(-1);
    avp_error_t err = {0};
    int rc = run_every(video_path, 4, ORACLE_EVERY, c, &err);
    int total, total_ours;
    int hits = matched(ref, nref, c->dets, c->ndets, 0.98f, 0.005f, &total);
    int hits_ours = matched(c->dets, c->ndets, ref, nref, 0.98f, 0.005f, &total_ours);
    fprintf(stderr, "  %d frames, same tensors: OpenCV %d/%d matched, ours "
            "%d/%d matched (IoU >= 0.98, score within 0.005)\n", frames, hits,
            total, hits_ours, total_ours);
    int64_t seen = c->frames;
    free(c);
    free(ref);
    CHECK(sys_rc == 0 && nref > 0);
    CHECK(rc == AVP_OK && seen == frames);
    CHECK(hits >= 0.99 * total && hits_ours >= 0.99 * total_ours);
}

static void test_pipeline_cancel_from_sink(void)
{
    collector_t *c = collector_new(-1);
    c->cancel_in_sink = 1;
    avp_error_t err = {0};
    int rc = run(video_path, 2, 0.25f, c, &err);
    int calls = c->calls;
    int64_t frames = c->frames;
    free(c);
    CHECK(rc == AVP_ECANCELLED);
    CHECK(calls == 1 && frames == 2);
}

static void test_pipeline_bad_input_fails_cleanly(void)
{
    char path[] = "/tmp/avp_test_pipeline_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char text[] = "this is not a video\n";
    CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)sizeof(text) - 1);
    close(fd);
    collector_t *c = collector_new(-1);
    avp_error_t err = {0};
    int rc = run(path, 1, 0.25f, c, &err);
    int calls = c->calls;
    unlink(path);
    fprintf(stderr, "  text file: %s (%s)\n", avp_strerror(rc), err.msg);
    int rc2 = run("/nonexistent/video.mp4", 1, 0.25f, c, &err);
    free(c);
    CHECK(rc < 0 && rc != AVP_ECANCELLED && err.msg[0] != '\0');
    CHECK(calls == 0);
    CHECK(rc2 == AVP_ENOTFOUND);
}

int main(void)
{
    const char *shared = getenv("AVP_SHARED_DIR");
    if (!shared)
        shared = "../shared";
    snprintf(model_path, sizeof(model_path), "%s/models/yolox_nano.onnx", shared);
    snprintf(video_path, sizeof(video_path), "%s/media/photos_720p.mp4", shared);
    snprintf(ref_path, sizeof(ref_path), "%s/media/photos_720p.yolox_nano.jsonl",
             shared);
    if (access(model_path, R_OK) != 0)
        CHECK_SKIP("no ../shared/models/yolox_nano.onnx (set AVP_SHARED_DIR)");
    RUN(test_pipeline_photos);
    RUN(test_pipeline_video_matches_opencv_and_batch_1);
    RUN(test_pipeline_matches_opencv_on_same_tensors);
    RUN(test_pipeline_cancel_from_sink);
    RUN(test_pipeline_bad_input_fails_cleanly);
    return CHECK_DONE();
}
