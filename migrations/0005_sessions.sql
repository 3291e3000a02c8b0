-- 0005_sessions.sql - what the test-session API needs beyond 0001.
-- events_count: a session's number of events, kept by the statement that
-- inserts them (it also locks the session row, which orders inserts
-- against a close), so listing sessions never counts their events.
ALTER TABLE test_sessions ADD COLUMN events_count bigint NOT NULL DEFAULT 0;

-- The latest evaluation of a session.
CREATE INDEX evaluations_session_created
    ON evaluations (test_session_id, created_at DESC, id DESC);
