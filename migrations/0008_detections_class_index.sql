-- avp:no-transaction
-- 0008_detections_class_index.sql - the keyset index of detections also
-- carries class_id and score, so that a page filtered by class or
-- min_score tests them on index entries and fetches from the heap only the
-- rows it returns. With (run_id, frame, id) alone, a class seen in one box
-- of 80 made a page of 100 rows fetch and reject some 8000 heap rows (p99
-- 20 ms on 1M rows); now it reads about 70 index pages (p50 0.8 ms on 10M
-- rows). The order of the walk is unchanged: class_id and score come after
-- id, which is unique. A separate (run_id, class_id, frame, id) index made
-- class pages cheaper still (p50 0.3 ms) but doubled the backend's cost
-- of an append: its 80 insertion points per run split pages half full
-- (+1.5-1.8 us and +110 bytes of WAL a row; 177k rows/s at load average 6
-- against 271k without it), while widening this index costs next to
-- nothing (1.42 against 1.38 us a row); bench/store/run measures both.
--
-- Built CONCURRENTLY as in 0002, then it replaces 0002's index under that
-- index's name (what pages, the resume protocol and the time-bound search
-- of 0003 walk). Each step is safe to repeat after a failure part way; if
-- the build fails, drop the INVALID index before starting again (IF NOT
-- EXISTS would skip it).
CREATE INDEX CONCURRENTLY IF NOT EXISTS detections_run_frame_id_class_score
    ON detections (run_id, frame, id, class_id, score);
DROP INDEX CONCURRENTLY IF EXISTS detections_run_frame_id;
ALTER INDEX IF EXISTS detections_run_frame_id_class_score
    RENAME TO detections_run_frame_id;
