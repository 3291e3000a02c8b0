-- 0024_evaluation_rules.sql - evaluation rules kept per project (its
-- default) and per video (a camera's own: its ignore regions, in the
-- displayed picture's coordinates), as the JSON object POST
-- /api/runs/{id}/evaluate takes in "rules" (src/eval/rules.c checks it
-- before it is stored). An evaluation whose request gives no rules uses
-- the video's, else the project's; NULL is none.
ALTER TABLE projects ADD COLUMN eval_rules jsonb;
ALTER TABLE videos ADD COLUMN eval_rules jsonb;
