-- 0004_ground_truth_checks.sql - a ground-truth box edited through the API
-- must stay a box: corners in order and a class name. NOT VALID checks
-- new and updated rows without scanning (or refusing) what is stored, so
-- this applies instantly to a populated table; the API relies on the
-- check to turn a PATCH that would invert a box into a 400 atomically.
ALTER TABLE ground_truth_objects
    ADD CONSTRAINT ground_truth_objects_box
    CHECK (x2 >= x1 AND y2 >= y1 AND length(class) BETWEEN 1 AND 128
           AND x1 = x1 AND y1 = y1 AND x2 = x2 AND y2 = y2) NOT VALID;

-- The latest evaluation of a run.
CREATE INDEX evaluations_run_created ON evaluations (run_id, created_at DESC, id DESC);
