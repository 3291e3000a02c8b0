/* catalog_summary.c - whole-run summaries for the UI, computed by the
 * database in one statement and bounded whatever the run's size: the
 * timeline's per-bucket counts of detections and ground truth, and the
 * detections list's counts per class under its filters. Both read only
 * the (run_id, frame, id, class_id, score) INCLUDE (t) index of 0009 and
 * the (video_id, frame, id) index of 0002: index-only scans. */
#include "store/catalog_internal.h"

#include <math.h>

/* The video's length in frames is the largest of what the video says and
 * what is stored on it (a video whose frame count is unknown, a run or
 * ground truth past it): no row ever falls past the last bucket. A frame
 * f goes to bucket f * nb / n, so with nb >= n every frame has its own. */
int store_run_timeline(store_conn_t *c, int64_t run_id, int buckets,
                       char **json, avp_error_t *err)
{
    store__num_t rid = store__i64(run_id), nb = store__i64(buckets);
    const char *v[] = {rid.s, nb.s};
    return store__run_json(c, "run",
        "WITH r AS (SELECT r.video_id, r.every, coalesce(v.fps, 0) AS fps, "
        "greatest(coalesce(v.frame_count, 0), (SELECT coalesce(max(frame) + "
        "1, 0) FROM detections WHERE run_id = $1), (SELECT coalesce(max("
        "frame) + 1, 0) FROM ground_truth_objects WHERE video_id = "
        "r.video_id), 1)::bigint AS n FROM detection_runs r JOIN videos v "
        "ON v.id = r.video_id WHERE r.id = $1), "
        "k AS (SELECT least($2::bigint, r.n) AS nb FROM r), "
        "s AS (SELECT generate_series(0, k.nb - 1) AS b FROM k), "
        "d AS (SELECT d.frame::bigint * k.nb / r.n AS b, count(*) AS c "
        "FROM detections d, r, k WHERE d.run_id = $1 GROUP BY 1), "
        "g AS (SELECT g.frame::bigint * k.nb / r.n AS b, count(*) AS c "
        "FROM ground_truth_objects g, r, k WHERE g.video_id = r.video_id "
        "GROUP BY 1) "
        "SELECT json_build_object('run_id', $1::bigint, 'frames', r.n, "
        "'fps', r.fps, 'every', r.every, 'buckets', k.nb, "
        "'frames_per_bucket', r.n::float8 / k.nb, 'detections', (SELECT "
        "json_agg(coalesce(d.c, 0) ORDER BY s.b) FROM s LEFT JOIN d USING "
        "(b)), 'ground_truth', (SELECT json_agg(coalesce(g.c, 0) ORDER BY "
        "s.b) FROM s LEFT JOIN g USING (b)))::text FROM r, k", 2, v, json,
        err);
}

int store_run_class_counts(store_conn_t *c, const store_det_query_t *q,
                           char **json, avp_error_t *err)
{
    store__num_t rid = store__i64(q->run_id), cls = store__i64(q->cls);
    store__num_t score = store__f64(q->min_score);
    store__num_t t0 = store__f64(q->t0), t1 = store__f64(q->t1);
    const char *v[] = {rid.s, q->cls < 0 ? NULL : cls.s, score.s,
                       isnan(q->t0) ? NULL : t0.s, isnan(q->t1) ? NULL : t1.s};
    return store__run_json(c, "run",
        "WITH k AS (SELECT class_id, count(*) AS n FROM detections WHERE "
        "run_id = $1 AND ($2::int IS NULL OR class_id = $2) AND score >= "
        "$3::real AND ($4::float8 IS NULL OR t >= $4) AND ($5::float8 IS "
        "NULL OR t <= $5) GROUP BY class_id) "
        "SELECT json_build_object('total', coalesce((SELECT sum(n) FROM k), "
        "0), 'items', coalesce((SELECT json_agg(json_build_object("
        "'class_id', class_id, 'count', n) ORDER BY n DESC, class_id) FROM "
        "k), '[]'))::text FROM detection_runs WHERE id = $1", 5, v, json,
        err);
}
