-- 0018_run_damage.sql - what a damaged video cost a run (issue 17): a file
-- cut short or with corrupt bytes is decoded up to the damage, and the run
-- says how many frames never decoded (frames_lost), how many were shown
-- with errors patched over (frames_concealed) and libav's words about the
-- first damage (message). NULL: the video decoded cleanly (and every run
-- made before this migration, which did not look).
ALTER TABLE detection_runs
    ADD COLUMN damage jsonb
        CHECK (damage IS NULL OR (
            jsonb_typeof(damage->'frames_lost') = 'number' AND
            jsonb_typeof(damage->'frames_concealed') = 'number' AND
            jsonb_typeof(damage->'message') = 'string'));
