/* catalog_autogt.c - the video-wide ground-truth writes and reads: a run's
 * detections made into the video's model-made ground truth (auto ground
 * truth), a video's geometry and every box of it for exports and imports,
 * its tracks, and the track edits (merge, split). Each write is one
 * transaction with its audit record. */
#include "store/catalog_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "{1,2,3}": an int8[] literal of n values (new string). */
static char *i64_array(const int64_t *v, size_t n)
{
    size_t cap = n * 21 + 3, len = 1;
    char *s = avp_malloc(cap);
    s[0] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%" PRId64,
                                i ? "," : "", v[i]);
    snprintf(s + len, cap - len, "}");
    return s;
}

/* Deletes the video's model boxes and the tracks they were in, unless a
 * human or imported box is still in that track (never touched). The
 * NOT EXISTS sees the rows from before the DELETE, hence the source test. */
static PGresult *remove_model_boxes(store_conn_t *c, const char *vid,
                                    avp_error_t *err)
{
    const char *v[] = {vid};
    return store__run(c, "auto ground truth",
        "WITH d AS (DELETE FROM ground_truth_objects WHERE video_id = $1 "
        "AND source = 'model' RETURNING track_id), "
        "t AS (DELETE FROM tracks k WHERE k.id IN (SELECT track_id FROM d) "
        "AND NOT EXISTS (SELECT 1 FROM ground_truth_objects g WHERE "
        "g.track_id = k.id AND g.source <> 'model') RETURNING 1) "
        "SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM t)",
        1, v, err);
}

/* Ids for the new tracks, from their identity sequence, so that the boxes
 * can name their track in the same pass that inserts them: *ids[k - 1]
 * becomes the id of local track k. */
static int track_ids(store_conn_t *c, int64_t num_tracks, int64_t **ids,
                     avp_error_t *err)
{
    store__num_t n = store__i64(num_tracks);
    const char *v[] = {n.s};
    PGresult *r = store__run(c, "auto ground truth",
        "SELECT nextval(pg_get_serial_sequence('tracks', 'id')) "
        "FROM generate_series(1, $1::bigint)", 1, v, err);
    if (!r)
        return err->code;
    *ids = avp_malloc(sizeof **ids * (size_t)(num_tracks + 1));
    for (int64_t k = 0; k < num_tracks; k++)
        (*ids)[k] = strtoll(PQgetvalue(r, (int)k, 0), NULL, 10);
    PQclear(r);
    return AVP_OK;
}

/* The tracks, then the boxes: copies of the run's rows joined to the
 * tracker's (detection id, track id) pairs, class named by the model. */
#define AUTOGT_FROM                                                         \
    "FROM unnest($4::int8[], $5::int8[]) AS m(det, trk) "                  \
    "JOIN detections d ON d.run_id = $2 AND d.id = m.det "                 \
    "JOIN detection_runs r ON r.id = $2 JOIN models mo ON mo.id = r.model_id "
#define AUTOGT_CLASS "coalesce(mo.class_names->>d.class_id, d.class_id::text)"

static const char *const insert_sql[] = {
    "INSERT INTO tracks (id, video_id, class, first_frame, last_frame, "
    "first_t, last_t, created_by) OVERRIDING SYSTEM VALUE "
    "SELECT m.trk, $1, min(" AUTOGT_CLASS "), min(d.frame), max(d.frame), "
    "min(d.t), max(d.t), $3 " AUTOGT_FROM "GROUP BY m.trk",
    /* The source row is inserted once, whatever the number of boxes. */
    "WITH s AS (INSERT INTO gt_sources (video_id, kind, model_id, "
    "model_name, model_sha256, run_id, created_by) SELECT $1, 'model', "
    "mo.id, mo.name, mo.sha256, r.id, $3 FROM detection_runs r JOIN models "
    "mo ON mo.id = r.model_id WHERE r.id = $2 RETURNING id) "
    "INSERT INTO ground_truth_objects (video_id, frame, t, class, x1, y1, "
    "x2, y2, track_id, source, created_by, source_id) SELECT $1, d.frame, "
    "d.t, " AUTOGT_CLASS ", d.x1, d.y1, d.x2, d.y2, m.trk, 'model', $3, "
    "(SELECT id FROM s) " AUTOGT_FROM "ORDER BY d.frame, d.id",
};

static int insert_tracked(store_conn_t *c, const store_autogt_t *a,
                          const char *vid, const char *uid, int64_t *boxes,
                          avp_error_t *err)
{
    int64_t *ids = NULL, *trk = avp_malloc(sizeof *trk * (a->n + 1));
    int rc = track_ids(c, a->num_tracks, &ids, err);
    if (rc) {
        avp_free(trk);
        return rc;
    }
    for (size_t i = 0; i < a->n && rc == AVP_OK; i++)
        if (a->tracks[i] < 1 || a->tracks[i] > a->num_tracks)
            rc = avp_error_set(err, AVP_EINVAL, "auto ground truth: track "
                               "%" PRId64 " of detection %" PRId64 " is not "
                               "in 1..%" PRId64, a->tracks[i], a->det_ids[i],
                               a->num_tracks);
        else
            trk[i] = ids[a->tracks[i] - 1];
    if (rc) {
        avp_free(trk);
        avp_free(ids);
        return rc;
    }
    char *dets = i64_array(a->det_ids, a->n), *trks = i64_array(trk, a->n);
    store__num_t rid = store__i64(a->run_id);
    const char *v[] = {vid, rid.s, uid, dets, trks};
    PGresult *r = store__run(c, "auto ground truth", insert_sql[0], 5, v, err);
    if (r) {
        PQclear(r);
        r = store__run(c, "auto ground truth", insert_sql[1], 5, v, err);
    }
    if (!r)
        rc = err->code;
    else
        *boxes = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    avp_free(dets);
    avp_free(trks);
    avp_free(trk);
    avp_free(ids);
    return rc;
}

static int audit_autogt(store_conn_t *c, const store_autogt_t *a,
                        int64_t boxes, int64_t removed, int64_t removed_tracks,
                        avp_error_t *err)
{
    char detail[256];
    snprintf(detail, sizeof detail,
             "{\"run_id\":%" PRId64 ",\"task_id\":%" PRId64 ",\"boxes\":%"
             PRId64 ",\"replace\":%s,\"removed_boxes\":%" PRId64
             ",\"removed_tracks\":%" PRId64 "}", a->run_id, a->task_id, boxes,
             a->replace ? "true" : "false", removed, removed_tracks);
    return store_audit(c, a->user_id, "auto_ground_truth", "video",
                       a->video_id, detail, err);
}

int store_autogt_job(store_conn_t *c, int64_t task_id, store_autogt_job_t *j,
                     avp_error_t *err)
{
    store__num_t tid = store__i64(task_id);
    const char *v[] = {tid.s};
    PGresult *r = store__run(c, "auto ground truth",
        "SELECT r.video_id, coalesce(t.created_by, 0), "
        "coalesce((t.payload->>'replace')::boolean, true) FROM tasks t "
        "JOIN detection_runs r ON r.id = t.run_id WHERE t.id = $1", 1, v, err);
    if (!r)
        return err->code;
    int rc = AVP_OK;
    if (PQntuples(r) == 0)
        rc = avp_error_set(err, AVP_ENOTFOUND, "task %s: no run", tid.s);
    else
        *j = (store_autogt_job_t){strtoll(PQgetvalue(r, 0, 0), NULL, 10),
                                  strtoll(PQgetvalue(r, 0, 1), NULL, 10),
                                  PQgetvalue(r, 0, 2)[0] == 't'};
    PQclear(r);
    return rc;
}

/* Ground truth is only ever on a frame of its video, and the run's frames
 * come from decoding it, but the video's frame count is the probe's (the
 * container's count, else duration times rate): when decoding found more,
 * nothing is written and the task fails saying so. */
static int check_frames(store_conn_t *c, const store_autogt_t *a,
                        avp_error_t *err)
{
    store__num_t vid = store__i64(a->video_id), rid = store__i64(a->run_id);
    const char *v[] = {vid.s, rid.s};
    PGresult *r = store__run(c, "auto ground truth",
        "SELECT (SELECT max(frame) FROM detections WHERE run_id = $2), "
        STORE__FRAMES_OR_PENDING("v") " FROM videos v WHERE id = $1", 2, v,
        err);
    if (!r)
        return err->code;
    int64_t last = PQgetisnull(r, 0, 0) ? -1
                                        : strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    int64_t frames = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    int rc = store__frames_known(frames, err);
    if (rc == AVP_OK && last >= frames)
        rc = avp_error_set(err, AVP_EINVAL, "auto ground truth: run %" PRId64
                           " has boxes at frame %" PRId64 ", outside video %"
                           PRId64 ", which has %" PRId64 " frames",
                           a->run_id, last, a->video_id, frames);
    PQclear(r);
    return rc;
}

/* The body of the transaction; the caller begins and ends it. */
static int autogt_body(store_conn_t *c, const store_autogt_t *a,
                       store_tx_fn before_commit, void *arg,
                       store_autogt_out_t *out, avp_error_t *err)
{
    store__num_t vid = store__i64(a->video_id), uid = store__i64(a->user_id);
    const char *v[] = {vid.s};
    /* Two conversions of one video at once would each delete only what
     * they see: the video's row lock puts them one after the other. */
    PGresult *r = store__run(c, "auto ground truth",
        "SELECT 1 FROM videos WHERE id = $1 FOR UPDATE", 1, v, err);
    int rc = !r ? err->code : PQntuples(r) == 0
        ? avp_error_set(err, AVP_ENOTFOUND, "no video %" PRId64, a->video_id)
        : AVP_OK;
    PQclear(r);
    if (rc == AVP_OK)
        rc = check_frames(c, a, err);
    if (rc == AVP_OK && a->replace) {
        if (!(r = remove_model_boxes(c, vid.s, err)))
            return err->code;
        out->removed_boxes = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        out->removed_tracks = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
        PQclear(r);
    }
    if (rc == AVP_OK)
        rc = insert_tracked(c, a, vid.s, uid.s, &out->boxes, err);
    if (rc == AVP_OK)
        rc = audit_autogt(c, a, out->boxes, out->removed_boxes,
                          out->removed_tracks, err);
    if (rc == AVP_OK && before_commit)
        rc = before_commit(arg, c, err);
    return rc;
}

int store_autogt_commit(store_conn_t *c, const store_autogt_t *a,
                        store_tx_fn before_commit, void *arg,
                        store_autogt_out_t *out, avp_error_t *err)
{
    memset(out, 0, sizeof *out);
    /* The catalog's statements are prepared per connection, and after a
     * few runs PostgreSQL may plan them generically, guessing a handful of
     * rows for unnest($n) where a run has hundreds of thousands: a nested
     * loop over the run's detections per detection. Planned with the
     * arrays in hand, the join is one hash join. */
    int rc = store_exec(c, "BEGIN; SET LOCAL plan_cache_mode TO "
                           "force_custom_plan", err);
    if (rc == AVP_OK)
        rc = autogt_body(c, a, before_commit, arg, out, err);
    if (rc == AVP_OK)
        rc = store_exec(c, "COMMIT", err);
    if (rc != AVP_OK)
        store__rollback(c);
    return rc;
}

/* The n frames of text (0020's gt_frame_list as "0 2 4 5"), a set that
 * is not evenly spaced: step 0. */
static void frame_list(store_gt_video_t *v, size_t n, const char *text)
{
    if (!n)
        return;
    v->gt_list = avp_malloc(n * sizeof *v->gt_list);
    for (char *end; v->gt_nlist < n; text = end) {
        v->gt_list[v->gt_nlist] = strtoll(text, &end, 10);
        if (end == text)
            break;
        v->gt_nlist++;
    }
    v->gt_step = 0;
}

int store_video_geometry(store_conn_t *c, int64_t video_id,
                         store_gt_video_t *video, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id);
    const char *v[] = {vid.s};
    PGresult *r = store__run(c, "video",
        "SELECT coalesce(width, 0), coalesce(height, 0), coalesce(fps, 0), "
        STORE__FRAMES_OR_PENDING("v") ", coalesce(gt_frames->>'first', "
        "'0'), coalesce(gt_frames->>'last', '0'), coalesce(gt_frames->>"
        "'step', '0'), coalesce(cardinality(gt_frame_list), 0), "
        "array_to_string(gt_frame_list, ' ') FROM videos v WHERE id = $1",
        1, v, err);
    *video = (store_gt_video_t){0};
    if (!r)
        return err->code;
    int rc = PQntuples(r) ? AVP_OK
        : avp_error_set(err, AVP_ENOTFOUND, "no video %" PRId64, video_id);
    if (rc == AVP_OK)
        *video = (store_gt_video_t){atoi(PQgetvalue(r, 0, 0)),
                                    atoi(PQgetvalue(r, 0, 1)),
                                    strtod(PQgetvalue(r, 0, 2), NULL),
                                    strtoll(PQgetvalue(r, 0, 3), NULL, 10),
                                    strtoll(PQgetvalue(r, 0, 4), NULL, 10),
                                    strtoll(PQgetvalue(r, 0, 5), NULL, 10),
                                    strtoll(PQgetvalue(r, 0, 6), NULL, 10),
                                    NULL, 0};
    if (rc == AVP_OK)
        frame_list(video, strtoull(PQgetvalue(r, 0, 7), NULL, 10),
                   PQgetvalue(r, 0, 8));
    PQclear(r);
    return rc == AVP_OK ? store__frames_known(video->frame_count, err) : rc;
}

void store_gt_video_fini(store_gt_video_t *video)
{
    avp_free(video->gt_list);
    video->gt_list = NULL, video->gt_nlist = 0;
}

int store_gt_rows(store_conn_t *c, int64_t video_id, store_gt_row_fn fn,
                  void *arg, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id);
    const char *v[] = {vid.s};
    PGresult *r = store__run(c, "ground truth",
        /* A track made in AVP goes out as its row id past the largest
         * file id of the video (0022): clear of every file's number, and
         * its row id itself when nothing was imported. */
        "SELECT g.id, g.frame, g.t, g.class, g.x1, g.y1, g.x2, g.y2, "
        "coalesce(k.file_track_id, k.id + (SELECT coalesce(max("
        "file_track_id), 0) FROM tracks WHERE video_id = $1), -1), "
        "g.validated, g.difficult, g.occluded, g.truncated, g.source, "
        "g.crowd, coalesce(g.area, 0) FROM ground_truth_objects g LEFT JOIN "
        "tracks k ON k.id = g.track_id WHERE g.video_id = $1 "
        "ORDER BY g.frame, g.id",
        1, v, err);
    if (!r)
        return err->code;
    for (int i = 0; i < PQntuples(r); i++) {
        store_gt_row_t b = {
            .id = strtoll(PQgetvalue(r, i, 0), NULL, 10),
            .frame = strtoll(PQgetvalue(r, i, 1), NULL, 10),
            .t = strtod(PQgetvalue(r, i, 2), NULL),
            .cls = PQgetvalue(r, i, 3),
            .track_id = strtoll(PQgetvalue(r, i, 8), NULL, 10),
            .source = PQgetvalue(r, i, 13),
            .crowd = PQgetvalue(r, i, 14)[0] == 't',
            .area = strtod(PQgetvalue(r, i, 15), NULL),
        };
        for (int k = 0; k < 4; k++) {
            b.box[k] = strtod(PQgetvalue(r, i, 4 + k), NULL);
            b.flags[k] = PQgetvalue(r, i, 9 + k)[0] == 't';
        }
        fn(arg, &b);
    }
    PQclear(r);
    return AVP_OK;
}

int store_track_video(store_conn_t *c, int64_t track_id, int64_t *video_id,
                      avp_error_t *err)
{
    store__num_t tid = store__i64(track_id);
    const char *v[] = {tid.s};
    char *json;
    int rc = store__run_json(c, "track",
        "SELECT video_id::text FROM tracks WHERE id = $1", 1, v, &json, err);
    if (rc == AVP_OK) {
        *video_id = strtoll(json, NULL, 10);
        avp_free(json);
    }
    return rc;
}

/* A track's public shape, with its box count. */
#define TRACK_JSON                                                          \
    "json_build_object('id', k.id, 'video_id', k.video_id, 'class', "       \
    "k.class, 'first_frame', k.first_frame, 'last_frame', k.last_frame, "   \
    "'first_t', k.first_t, 'last_t', k.last_t, 'boxes', (SELECT count(*) "  \
    "FROM ground_truth_objects g WHERE g.track_id = k.id))"

int store_track_list(store_conn_t *c, int64_t video_id, const int64_t *after,
                     int limit, store_list_t *out, avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), lim = store__i64(limit + 1);
    store__num_t a = store__i64(after ? after[0] : 0);
    const char *v[] = {vid.s, a.s, lim.s};
    return store__run_list(c, "tracks",
        "SELECT " TRACK_JSON "::text, k.id FROM tracks k WHERE k.video_id = $1 "
        "AND k.id > $2 ORDER BY k.id LIMIT $3", 3, v, limit, out, err);
}

/* A track's extent is derived from its boxes after every move. */
#define TRACK_REFRESH(ids)                                                  \
    "UPDATE tracks k SET first_frame = e.ff, last_frame = e.lf, "           \
    "first_t = e.ft, last_t = e.lt, updated_at = now() FROM (SELECT "      \
    "track_id, min(frame) AS ff, max(frame) AS lf, min(t) AS ft, max(t) "  \
    "AS lt FROM ground_truth_objects WHERE track_id = ANY(" ids ") "        \
    "GROUP BY track_id) e WHERE k.id = e.track_id"

/* One statement of a track edit. Its parameters are slots of the edit's
 * value table, listed in arg (-1 ends); it may put its first value into
 * slot `out` (the id of a track it made) for the steps after it. A step
 * with want_rows that returns fewer rows fails the edit (AVP_EINVAL, why). */
typedef struct tx_step {
    const char *sql;
    int arg[4];
    int want_rows, out;
    const char *why;
} tx_step_t;

#define TX_VALUES 6

static PGresult *run_step(store_conn_t *c, const tx_step_t *s,
                          const char **vals, avp_error_t *err)
{
    const char *v[4];
    int n = 0;
    while (n < 4 && s->arg[n] >= 0) {
        v[n] = vals[s->arg[n]];
        n++;
    }
    PGresult *r = store__run(c, "track", s->sql, n, v, err);
    if (r && PQntuples(r) < s->want_rows) {
        avp_error_set(err, AVP_EINVAL, "%s", s->why);
        PQclear(r);
        r = NULL;
    }
    return r;
}

/* Runs steps in one transaction; the last one's single text value goes
 * to *json. */
static int run_steps(store_conn_t *c, const tx_step_t *steps, int nsteps,
                     const char **vals, char **json, avp_error_t *err)
{
    char made[32] = "";
    int rc = store_exec(c, "BEGIN", err);
    for (int i = 0; rc == AVP_OK && i < nsteps; i++) {
        PGresult *r = run_step(c, &steps[i], vals, err);
        if (!r) {
            rc = err->code;
            break;
        }
        if (steps[i].out >= 0) {
            snprintf(made, sizeof made, "%s", PQgetvalue(r, 0, 0));
            vals[steps[i].out] = made;
        }
        if (i == nsteps - 1)
            *json = avp_strdup(PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    if (rc == AVP_OK)
        rc = store_exec(c, "COMMIT", err);
    if (rc != AVP_OK)
        store__rollback(c);
    return rc;
}

int store_track_merge(store_conn_t *c, int64_t into, const int64_t *from,
                      size_t n, int64_t user_id, char **json,
                      avp_error_t *err)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (from[i] == from[k])
                return avp_error_set(err, AVP_EINVAL, "track %" PRId64
                                     " is listed twice", from[i]);
    char *ids = i64_array(from, n);
    store__num_t tid = store__i64(into), uid = store__i64(user_id);
    store__num_t want = store__i64((int64_t)n);
    const char *vals[TX_VALUES] = {tid.s, ids, uid.s, want.s};
    /* The check locks `into`; it returns a row only when every `from` is
     * another track of the same video. */
    const tx_step_t steps[] = {
        {"SELECT 1 FROM tracks i WHERE i.id = $1 AND $3::bigint = (SELECT "
         "count(*) FROM tracks k WHERE k.id = ANY($2::int8[]) AND k.id <> $1 "
         "AND k.video_id = i.video_id) FOR UPDATE", {0, 1, 3, -1}, 1, -1,
         "the tracks to merge must be other tracks of the same video"},
        {"UPDATE ground_truth_objects SET track_id = $1, updated_at = now() "
         "WHERE track_id = ANY($2::int8[])", {0, 1, -1}, 0, -1, NULL},
        {"DELETE FROM tracks WHERE id = ANY($1::int8[])", {1, -1}, 0, -1,
         NULL},
        {TRACK_REFRESH("ARRAY[$1::bigint]"), {0, -1}, 0, -1, NULL},
        {"WITH a AS (INSERT INTO audit_log (user_id, action, object_type, "
         "object_id, detail) VALUES ($3, 'merge', 'track', $1, "
         "json_build_object('from', $2::int8[]))) "
         "SELECT " TRACK_JSON "::text FROM tracks k WHERE k.id = $1",
         {0, 1, 2, -1}, 1, -1, "no such track"},
    };
    int rc = run_steps(c, steps, AVP_ARRAY_LEN(steps), vals, json, err);
    avp_free(ids);
    return rc;
}

int store_track_split(store_conn_t *c, int64_t track_id, int64_t frame,
                      int64_t user_id, char **json, avp_error_t *err)
{
    store__num_t tid = store__i64(track_id), fr = store__i64(frame);
    store__num_t uid = store__i64(user_id);
    /* Slot 3 receives the id of the new track. */
    const char *vals[TX_VALUES] = {tid.s, fr.s, uid.s, NULL};
    const tx_step_t steps[] = {
        {"SELECT 1 FROM tracks k WHERE k.id = $1 AND EXISTS (SELECT 1 FROM "
         "ground_truth_objects g WHERE g.track_id = $1 AND g.frame < $2) "
         "AND EXISTS (SELECT 1 FROM ground_truth_objects g WHERE "
         "g.track_id = $1 AND g.frame >= $2) FOR UPDATE", {0, 1, -1}, 1, -1,
         "the track must have boxes both before and at or after the frame"},
        {"INSERT INTO tracks (video_id, class, created_by) SELECT video_id, "
         "class, $2 FROM tracks WHERE id = $1 RETURNING id", {0, 2, -1}, 1,
         3, "no such track"},
        {"UPDATE ground_truth_objects SET track_id = $3, updated_at = now() "
         "WHERE track_id = $1 AND frame >= $2", {0, 1, 3, -1}, 0, -1, NULL},
        {TRACK_REFRESH("ARRAY[$1::bigint, $2::bigint]"), {0, 3, -1}, 0, -1,
         NULL},
        {"WITH a AS (INSERT INTO audit_log (user_id, action, object_type, "
         "object_id, detail) VALUES ($3, 'split', 'track', $1, "
         "json_build_object('frame', $2::bigint, 'new_track', $4::bigint))) "
         "SELECT json_build_object('track', (SELECT " TRACK_JSON " FROM "
         "tracks k WHERE k.id = $1), 'new_track', (SELECT " TRACK_JSON
         " FROM tracks k WHERE k.id = $4))::text", {0, 1, 2, 3}, 1, -1,
         "no such track"},
    };
    return run_steps(c, steps, AVP_ARRAY_LEN(steps), vals, json, err);
}
