-- 0015_gt_provenance.sql - where a video's ground truth came from, so that
-- an evaluation can say what it was scored against (issue 16): one row per
-- import (its format and the uploaded file's name) and per auto ground
-- truth conversion (the model and run whose detections became the boxes).
-- Boxes drawn by hand need no row: their source 'human' says it all.
-- model_sha256 is copied because a model id says nothing once the model is
-- deleted, and the same weights uploaded twice are still the same model:
-- an evaluation compares hashes to flag a run scored against its own
-- output. Boxes stored before this have no source row (NULL).
CREATE TABLE gt_sources (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    video_id     bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('import', 'model')),
    format       text CHECK (length(format) BETWEEN 1 AND 16),
    file_name    text CHECK (length(file_name) BETWEEN 1 AND 255),
    model_id     bigint REFERENCES models (id) ON DELETE SET NULL,
    model_name   text,
    model_sha256 text,
    run_id       bigint REFERENCES detection_runs (id) ON DELETE SET NULL,
    created_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Nullable without a default: added to a populated table instantly.
ALTER TABLE ground_truth_objects
    ADD COLUMN source_id bigint REFERENCES gt_sources (id) ON DELETE SET NULL;
