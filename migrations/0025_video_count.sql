-- 0025_video_count.sql - an upload replies before its frames are counted
-- (a packet scan of a long file takes seconds to minutes): frame_count is
-- NULL until the server's counter stores the exact count, and
-- frame_count_estimate holds the container's count or estimate meanwhile.
-- count_tries and count_claimed_at let a counter that died mid-count be
-- replaced (the claim lapses) and a file that never counts be given up.
ALTER TABLE videos
    ADD COLUMN frame_count_estimate bigint,
    ADD COLUMN count_tries integer NOT NULL DEFAULT 0,
    ADD COLUMN count_claimed_at timestamptz;
CREATE INDEX videos_count_pending ON videos (id)
    WHERE frame_count IS NULL AND status = 'ready';
