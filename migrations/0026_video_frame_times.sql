-- 0026_video_frame_times.sql - each frame's presentation time as AVP
-- decodes it (issue 17): on variable-frame-rate video t x average fps is
-- not the frame index, so the player looks the shown frame up in these.
-- Recorded by the worker that decodes every frame of a run anyway; a video
-- without rows (stored before, or not yet processed) falls back to the
-- average rate. Chunk k holds frames [k * 65536, (k + 1) * 65536) as
-- little-endian float8 seconds: a 1-hour 60 fps video is 4 rows, 1.7 MB.
CREATE TABLE video_frame_times (
    video_id bigint NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    chunk integer NOT NULL CHECK (chunk >= 0),
    times bytea NOT NULL
        CHECK (octet_length(times) BETWEEN 8 AND 8 * 65536
               AND octet_length(times) % 8 = 0),
    PRIMARY KEY (video_id, chunk)
);
