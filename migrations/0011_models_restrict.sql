-- 0011_models_restrict.sql - a model in use by a run cannot be deleted.
-- Models are shared by every project while runs belong to the project of
-- their video, so ON DELETE CASCADE from 0001 let a model's uploader (or
-- an admin) delete the runs, tasks, detections and evaluations of projects
-- they are not a member of. RESTRICT makes PostgreSQL refuse instead, for
-- every statement that might try; store_model_delete() counts the runs
-- first and the API answers 409 naming them (docs/SECURITY.md).
-- detection_runs is small (a row per run, not per detection), so checking
-- the existing rows as the constraint is added costs next to nothing.
ALTER TABLE detection_runs
    DROP CONSTRAINT detection_runs_model_id_fkey,
    ADD CONSTRAINT detection_runs_model_id_fkey FOREIGN KEY (model_id)
        REFERENCES models (id) ON DELETE RESTRICT;
