-- seed.sql - gives an existing detection run 1,000,000 synthetic
-- detections for bench/web (10 per frame over 100,000 frames at 30 fps,
-- five classes, scores spread over [0.05, 1)). Writes straight to the
-- database, as a bench fixture; run it on a scratch installation:
--
--   psql "$AVP_DATABASE_URL" -v run_id=42 -f bench/web/seed.sql
--
-- The run keeps its video; the player then shows these boxes over it.
BEGIN;
DELETE FROM detections WHERE run_id = :run_id;
INSERT INTO detections (run_id, frame, t, class_id, score, x1, y1, x2, y2)
SELECT :run_id, i / 10, (i / 10) / 30.0, (ARRAY[0, 1, 2, 3, 16])[1 + i % 5],
       0.05 + ((i * 7919) % 950) / 1000.0,
       40 + (i % 10) * 120, 80 + (i / 10) % 300, 140 + (i % 10) * 120, 240 + (i / 10) % 300
FROM generate_series(0::bigint, 999999) AS i;
UPDATE detection_runs SET detections_count = 1000000, frames_done = 100000, state = 'done'
WHERE id = :run_id;
COMMIT;
ANALYZE detections;
