-- avp:no-transaction
-- 0002_indexes.sql - indexes on the tables that grow large. They are built
-- CONCURRENTLY so that applying this to a populated database does not block
-- writers; CONCURRENTLY cannot run in a transaction, hence the marker above,
-- and the migrator sends each statement on its own.
--
-- If a build fails half way, PostgreSQL leaves an INVALID index behind and
-- IF NOT EXISTS would then skip it: drop it (DROP INDEX CONCURRENTLY name)
-- before starting the server again.

-- Keyset pagination of a run's detections and the resume protocol.
CREATE INDEX CONCURRENTLY IF NOT EXISTS detections_run_frame_id
    ON detections (run_id, frame, id);

-- Newest-first video lists per project.
CREATE INDEX CONCURRENTLY IF NOT EXISTS videos_project_created
    ON videos (project_id, created_at DESC, id DESC);

-- Matching a session's events in time order.
CREATE INDEX CONCURRENTLY IF NOT EXISTS detection_events_session_ts
    ON detection_events (test_session_id, "timestamp", id);

-- Ground truth of a video by frame, and the boxes of a track.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ground_truth_objects_video_frame
    ON ground_truth_objects (video_id, frame, id);
CREATE INDEX CONCURRENTLY IF NOT EXISTS ground_truth_objects_track
    ON ground_truth_objects (track_id) WHERE track_id IS NOT NULL;
