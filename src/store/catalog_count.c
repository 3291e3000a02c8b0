/* catalog_count.c - the exact frame counts an upload leaves for later
 * (migration 0025): a claim with a lease, so a counter that dies mid-count
 * costs one try and the lease, never the count. */
#include "store/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>

int store_video_count_claim(store_conn_t *c, int lease_s,
                            store_count_job_t *out, avp_error_t *err)
{
    store__num_t lease = store__i64(lease_s);
    store__num_t tries = store__i64(STORE_COUNT_MAX_TRIES);
    const char *v[] = {lease.s, tries.s};
    /* SKIP LOCKED: two servers claiming at once take different videos. */
    PGresult *r = store__run(c, "frame count",
        "UPDATE videos SET count_tries = count_tries + 1, "
        "count_claimed_at = now() WHERE id = (SELECT id FROM videos "
        "WHERE frame_count IS NULL AND status = 'ready' "
        "AND count_tries < $2::int AND (count_claimed_at IS NULL OR "
        "count_claimed_at < now() - make_interval(secs => $1::int)) "
        "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, path",
        2, v, err);
    if (!r)
        return err->code;
    int claimed = PQntuples(r) == 1;
    if (claimed) {
        out->video_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        snprintf(out->path, sizeof out->path, "%s", PQgetvalue(r, 0, 1));
    }
    PQclear(r);
    return claimed;
}

int store_video_count_end(store_conn_t *c, int64_t video_id, int64_t frames,
                          avp_error_t *err)
{
    store__num_t vid = store__i64(video_id), n = store__i64(frames);
    const char *v[] = {vid.s, frames > 0 ? n.s : NULL,
                       frames == 0 ? "1" : "0"};
    return store__run_one(c, "video",
        "UPDATE videos SET frame_count = $2::bigint, count_claimed_at = NULL, "
        "count_tries = count_tries - $3::int "
        "WHERE id = $1 AND frame_count IS NULL RETURNING id", 3, v, err);
}

int store__frames_known(int64_t frames, avp_error_t *err)
{
    if (frames >= 0)
        return AVP_OK;
    return avp_error_set(err, AVP_EUNAVAILABLE, "the video's frames are "
                         "still being counted; try again in a few seconds");
}
