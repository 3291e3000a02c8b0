-- 0017_run_preprocess.sql - how a run's frames became model input
-- (issue 13): 'exact' reproduces the OpenCV reference pipeline bit for bit,
-- 'fast' is the one-pass swscale letterbox. Every run made before this
-- migration used the swscale path, so existing rows get 'fast'; new runs
-- default to 'exact'. Recorded so that an evaluation's manifest says which
-- pixels the numbers came from.
ALTER TABLE detection_runs
    ADD COLUMN preprocess text NOT NULL DEFAULT 'fast'
        CHECK (preprocess IN ('exact', 'fast'));
ALTER TABLE detection_runs ALTER COLUMN preprocess SET DEFAULT 'exact';
