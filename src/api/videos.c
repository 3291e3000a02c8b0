/* videos.c - videos of a project: upload (streamed, hashed, probed,
 * then moved into place), list, get, delete, stream (Range) and a cached
 * thumbnail. */
#include "api/internal.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A display name, never a path: no separators, no "..", no controls. */
static int filename_ok(const char *s)
{
    if (!strcmp(s, ".") || strstr(s, ".."))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

/* How a stored video is named and streamed, by the container its probe
 * found (FFmpeg's demuxer name), never by the uploaded file name: a video
 * with a script appended, uploaded as x.html, would otherwise come back as
 * a page of the API's origin. Each type is one a video element plays and
 * no browser renders as a document; other containers are octet streams,
 * stored without an extension, as they were probed (an extension steers
 * FFmpeg's guess: ".bin" is a text format to it). */
typedef struct container {
    const char *demuxer, *ext, *type;
} container_t;

static const container_t containers[] = {
    {"mov,mp4,m4a,3gp,3g2,mj2", "mp4", "video/mp4"},
    {"matroska,webm", "mkv", "video/x-matroska"},
    {"avi", "avi", "video/x-msvideo"},
    {"mpegts", "ts", "video/mp2t"},
    {"", "", "application/octet-stream"}, /* last: any other */
};

static const container_t *container_of(const char *demuxer)
{
    size_t i = 0;
    while (i + 1 < AVP_ARRAY_LEN(containers) &&
           strcmp(containers[i].demuxer, demuxer))
        i++;
    return &containers[i];
}

/* "inline; filename=..." with the uploaded name's stem, in characters that
 * need no quoting (no dot: "x.html.flv" is not saved as x.html), and the
 * extension of the type it is served as: what a browser saving it calls it
 * is not the uploader's choice either. */
static void disposition(const char *filename, const char *ext, char *out,
                        size_t cap)
{
    char stem[128];
    const char *dot = strrchr(filename, '.');
    size_t n = dot && dot != filename ? (size_t)(dot - filename)
                                      : strlen(filename);
    n = n < sizeof stem ? n : sizeof stem - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)filename[i];
        stem[i] = isalnum(ch) || strchr(" _-", ch) ? (char)ch : '_';
    }
    stem[n] = '\0';
    snprintf(out, cap, "inline; filename=\"%s%s%s\"", n ? stem : "video",
             *ext ? "." : "", ext);
}

int api__run_media(const char *const args[], const atomic_int *cancel,
                   json_t **out, avp_error_t *err)
{
    char *text;
    int status = api__run_engine_cancellable(args, API_ENGINE_TIMEOUT_S,
                                             cancel, &text);
    json_t *j = status >= 0 ? json_loads(text, 0, NULL) : NULL;
    json_t *e = json_object_get(j, "error");
    int code = (int)json_integer_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    int rc = AVP_OK;
    *out = NULL;
    if (status == API_ENGINE_KILLED)
        rc = avp_error_set(err, AVP_EFORMAT, "the decoder crashed or took "
                           "over %d s", API_ENGINE_TIMEOUT_S);
    else if (status < 0)
        rc = avp_error_set(err, AVP_EUNAVAILABLE, "cannot run the decoder");
    else if (e)
        rc = avp_error_set(err, code < 0 && code >= AVP_EUNAVAILABLE
                                    ? code : AVP_EINTERNAL, "%s",
                           msg ? msg : "no reason given");
    else if (status != 0 || !json_is_object(j))
        rc = avp_error_set(err, AVP_EINTERNAL, "the decoder said: %.200s",
                           text);
    if (rc == AVP_OK)
        *out = json_incref(j);
    json_decref(j);
    avp_free(text);
    return rc;
}

/* What the upload is, from `avp media probe`: a decodable video or not.
 * The frames are not counted (a long file's packet scan would hold the
 * reply for seconds): frame_count is the container's, or an estimate, and
 * the counter (count.c) stores the exact count soon after. */
typedef struct video_facts {
    double duration, fps;
    int width, height;  /* as displayed */
    int stored_width, stored_height, rotation, mirrored;
    int64_t frame_count;
    int frame_count_exact;
    char codec[32];
    char container[64];
} video_facts_t;

static int probe(const char *path, video_facts_t *f, avp_error_t *err)
{
    const char *args[] = {"media", "probe", "--json", "--count-seconds", "0",
                          "--", path, NULL};
    json_t *j;
    int rc = api__run_media(args, NULL, &j, err);
    if (rc < 0)
        return rc;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    if (!kind || strcmp(kind, "video"))
        rc = avp_error_set(err, AVP_EUNSUPPORTED, "a still image");
    f->duration = json_number_value(json_object_get(j, "duration"));
    f->fps = json_number_value(json_object_get(j, "fps"));
    f->width = (int)json_integer_value(json_object_get(j, "width"));
    f->height = (int)json_integer_value(json_object_get(j, "height"));
    f->stored_width = (int)json_integer_value(json_object_get(j, "stored_width"));
    f->stored_height = (int)json_integer_value(json_object_get(j, "stored_height"));
    f->rotation = (int)json_integer_value(json_object_get(j, "rotation"));
    f->mirrored = json_is_true(json_object_get(j, "mirrored"));
    f->frame_count = json_integer_value(json_object_get(j, "frame_count"));
    f->frame_count_exact = json_is_true(json_object_get(j, "frame_count_exact"));
    const char *codec = json_string_value(json_object_get(j, "codec"));
    snprintf(f->codec, sizeof f->codec, "%s", codec ? codec : "");
    const char *format = json_string_value(json_object_get(j, "format"));
    snprintf(f->container, sizeof f->container, "%s", format ? format : "");
    json_decref(j);
    return rc;
}

/* Checks that the caller may write videos into the project, holding a
 * connection only for the check (an upload may take minutes). */
static int may_upload_or_reply(api_t *r, http_req_t *req, int64_t pid)
{
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return AVP_EUNAVAILABLE;
    int rc = api__access_or_reply(r, req, c, STORE_OBJ_PROJECT, pid,
                                  STORE_ROLE_EDITOR, NULL);
    store_pool_release(c);
    return rc;
}

/* Moves the checked upload to videos/<sha256 prefix>-<tmp suffix>.<ext>,
 * ext being its container's (none for an octet stream). */
static int place(api_t *r, const api_upload_t *up, const char *container,
                 char *rel, size_t cap)
{
    char abs[PATH_MAX];
    const char *suffix = strrchr(up->tmp, '-') + 1;
    const char *ext = container_of(container)->ext;
    snprintf(rel, cap, "videos/%.16s-%s%s%s", up->sha256, suffix,
             *ext ? "." : "", ext);
    api__path(r, rel, abs);
    return rename(up->tmp, abs);
}

void api__video_upload(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t pid = http_req_param(req, "id"), id;
    const char *filename =
        json_string_value(json_object_get(http_req_query(req), "filename"));
    api_upload_t up;
    video_facts_t info;
    avp_error_t err;
    char rel[256], abs[PATH_MAX], *json;
    if (!filename_ok(filename)) {
        http_reply_error(req, 400, "bad_request",
                         "filename must be a plain file name");
        return;
    }
    if (may_upload_or_reply(r, req, pid) < 0 ||
        api__receive_or_reply(r, req, "videos", &up) < 0)
        return;
    int rc = probe(up.tmp, &info, &err);
    if (rc == AVP_EUNAVAILABLE) {
        unlink(up.tmp);
        http_reply_unavailable(req, 5, "%s", err.msg);
        return;
    }
    if (rc < 0) {
        unlink(up.tmp);
        http_reply_error(req, 415, "unsupported_media_type",
                         "%s is not a video AVP can decode: %s", filename,
                         api__after_path(err.msg, up.tmp));
        return;
    }
    if (place(r, &up, info.container, rel, sizeof rel) < 0) {
        unlink(up.tmp);
        http_reply_unavailable(req, 5, "cannot store the video");
        return;
    }
    api__path(r, rel, abs);
    if (api__blob_publish_or_reply(r, req, up.sha256, abs) < 0) {
        unlink(abs);
        return;
    }
    store_video_new_t v = {pid, http_req_user(req)->id, filename, rel,
                           (int64_t)up.size, info.duration, info.fps,
                           info.width, info.height, info.stored_width,
                           info.stored_height, info.rotation, info.mirrored,
                           info.frame_count, info.codec, info.container,
                           up.sha256, info.frame_count_exact};
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c) {
        unlink(abs);
        return;
    }
    if (store_video_insert(c, &v, &id, &json, &err) < 0) {
        unlink(abs);
        http_reply_avp_error(req, &err);
    } else {
        api__invalidate_project(r, c, pid);
        api__audit(c, req, "upload", "video", id,
                   json_pack("{s:s, s:I}", "sha256", up.sha256, "size",
                             (json_int_t)up.size));
        api__reply_text(req, 201, json);
        if (!info.frame_count_exact)
            api__counter_poke(r);
    }
    store_pool_release(c);
}

typedef struct list_arg {
    int64_t id, user_id;
    const int64_t *after;
    int limit;
} list_arg_t;

/* The access check is part of the fill, so a cached page is one the caller
 * was allowed to see when its ticket was taken; membership changes
 * invalidate "u:<user>" and "p:<project>", the page's tags. */
static int fill_videos(api_t *r, store_conn_t *c, void *arg, char **json,
                       avp_error_t *err)
{
    (void)r;
    list_arg_t *a = arg;
    int64_t pid;
    store_role_t role;
    int rc = store_object_access(c, STORE_OBJ_PROJECT, a->id, a->user_id,
                                 &pid, &role, err);
    if (rc < 0)
        return rc;
    store_list_t l;
    rc = store_video_list(c, a->id, a->after, a->limit, &l, err);
    if (rc == AVP_OK)
        *json = api__page_json(&l, 2);
    store_list_free(&l);
    return rc;
}

/* Pages are cached per caller: a hit answers without PostgreSQL (no
 * membership query either). A member's role is at least viewer, so the
 * access check cannot answer 403 here. */
void api__video_list(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t keys[2];
    list_arg_t a = {http_req_param(req, "id"), http_req_user(req)->id,
                    NULL, 0};
    if (api__page_or_reply(req, 2, keys, &a.after, &a.limit) < 0)
        return;
    char key[160], ptag[32], utag[32];
    snprintf(key, sizeof key, "videos:%" PRId64 ":%" PRId64 ":%" PRId64
             ":%" PRId64 ":%d", a.id, a.user_id, a.after ? keys[0] : 0,
             a.after ? keys[1] : 0, a.limit);
    snprintf(ptag, sizeof ptag, "p:%" PRId64, a.id);
    snprintf(utag, sizeof utag, "u:%" PRId64, a.user_id);
    const char *tags[] = {ptag, utag};
    api__reply_cached(r, req, NULL, key, tags, 2, fill_videos, &a);
}

/* One statement: the access check (a viewer's, never a 403) is in the
 * query. */
void api__video_get(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    char *json;
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (store_video_get(c, id, http_req_user(req)->id, &json, &err) < 0)
        http_reply_avp_error(req, &err);
    else
        api__reply_text(req, 200, json);
    store_pool_release(c);
}

/* thumbs/<video>.jpg for the poster, thumbs/<video>-<frame>.jpg for a
 * frame (frame < 0: the poster). */
static void thumb_path(const api_t *r, int64_t id, int64_t frame, char *out)
{
    char rel[64];
    if (frame < 0)
        snprintf(rel, sizeof rel, "thumbs/%" PRId64 ".jpg", id);
    else
        snprintf(rel, sizeof rel, "thumbs/%" PRId64 "-%" PRId64 ".jpg", id,
                 frame);
    api__path(r, rel, out);
}

/* Removes the poster and every frame thumbnail of a video. */
static void remove_thumbs(const api_t *r, int64_t id)
{
    char dir[PATH_MAX], prefix[32], path[2 * PATH_MAX];
    api__path(r, "thumbs", dir);
    snprintf(prefix, sizeof prefix, "%" PRId64 "-", id);
    thumb_path(r, id, -1, path);
    unlink(path);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix))) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
}

void api__video_delete(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id"), pid;
    char rel[PATH_MAX], abs[PATH_MAX];
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return;
    if (api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, id,
                             STORE_ROLE_EDITOR, &pid) == AVP_OK) {
        if (store_video_delete(c, id, rel, sizeof rel, &err) < 0)
            http_reply_avp_error(req, &err);
        else {
            api__path(r, rel, abs);
            unlink(abs);
            remove_thumbs(r, id);
            api__invalidate_project(r, c, pid);
            api__audit(c, req, "delete", "video", id, NULL);
            http_reply_empty(req, 204);
        }
    }
    store_pool_release(c);
}

/* The video's file (and its absolute path) after an access check; replies
 * on failure. */
static int video_file_or_reply(api_t *r, http_req_t *req, int64_t id,
                               store_video_file_t *f, char *abs)
{
    avp_error_t err;
    store_conn_t *c = api__conn_or_reply(r, req);
    if (!c)
        return AVP_EUNAVAILABLE;
    int rc = api__access_or_reply(r, req, c, STORE_OBJ_VIDEO, id,
                                  STORE_ROLE_VIEWER, NULL);
    if (rc == AVP_OK &&
        (rc = store_video_file(c, id, f, &err)) < 0)
        http_reply_avp_error(req, &err);
    store_pool_release(c);
    if (rc == AVP_OK)
        api__path(r, f->path, abs);
    return rc;
}

/* Videos stored before their container was kept are octet streams. */
void api__video_stream(http_req_t *req, void *ctx)
{
    char abs[PATH_MAX], cd[192];
    store_video_file_t f;
    if (video_file_or_reply(ctx, req, http_req_param(req, "id"), &f, abs) < 0)
        return;
    const container_t *k = container_of(f.container);
    disposition(f.filename, k->ext, cd, sizeof cd);
    http_reply_add_header(req, "Content-Disposition", cd);
    http_reply_file(req, abs, k->type);
}

/* Makes the thumbnail once; concurrent requests each write their own
 * temporary file (a dot name, which the folder's trim leaves alone) and
 * the last rename wins, all with the same picture. A crop is 192 px wide
 * (the UI shows it at half that, sharp on high-density screens). */
static int make_thumb(const char *video, double t, const char *crop,
                      const char *out, avp_error_t *err)
{
    char tmp[PATH_MAX + 32];
    const char *name = strrchr(out, '/') + 1;
    snprintf(tmp, sizeof tmp, "%.*s.%s.%d.%lx.jpg", (int)(name - out), out,
             name, (int)getpid(), (unsigned long)pthread_self());
    char at[32];
    snprintf(at, sizeof at, "%.6f", t);
    const char *args[13] = {"media", "thumbnail", "--json", "--at", at,
                            "--width", crop ? "192" : "320"};
    size_t n = 7;
    if (crop)
        args[n++] = "--crop", args[n++] = crop;
    args[n++] = "--", args[n++] = video, args[n++] = tmp, args[n] = NULL;
    json_t *j;
    int rc = api__run_media(args, NULL, &j, err);
    json_decref(j);
    if (rc == AVP_OK && rename(tmp, out) < 0)
        rc = avp_error_set(err, AVP_EIO, "cannot store the thumbnail");
    if (rc < 0)
        unlink(tmp);
    return rc;
}

/* A thumbnail from the folder (marked used), or made and added to it,
 * which then drops the least recently used past the bound (thumbs.c). */
int api__thumb(const api_t *r, const char *video, double t, const char *crop,
               const char *path, avp_error_t *err)
{
    char dir[PATH_MAX];
    struct stat st;
    if (stat(path, &st) == 0) {
        api__thumbs_touch(path);
        return AVP_OK;
    }
    int rc = make_thumb(video, t, crop, path, err);
    if (rc == AVP_OK) {
        api__path(r, "thumbs", dir);
        api__thumbs_trim(dir, (size_t)r->opt.thumb_cache);
    }
    return rc;
}

void api__video_thumbnail(http_req_t *req, void *ctx)
{
    api_t *r = ctx;
    int64_t id = http_req_param(req, "id");
    int64_t frame = http_req_query_int(req, "frame", -1);
    char abs[PATH_MAX], path[PATH_MAX];
    store_video_file_t f;
    avp_error_t err;
    if (video_file_or_reply(r, req, id, &f, abs) < 0 ||
        (frame >= 0 && api__frame_or_reply(req, frame, f.frame_count) < 0))
        return;
    /* The poster is a second in (past a fade from black), or mid-way
     * through a shorter clip. */
    double t = frame >= 0 ? (f.fps > 0 ? (double)frame / f.fps : 0)
                          : (f.duration > 2 ? 1.0 : f.duration / 2);
    thumb_path(r, id, frame, path);
    if (api__thumb(r, abs, t, NULL, path, &err) < 0)
        http_reply_avp_error(req, &err);
    else
        http_reply_file(req, path, "image/jpeg");
}
