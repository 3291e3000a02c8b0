-- 0023_evaluation_failures.sql - an evaluation's failure gallery: its
-- worst errors of each TIDE type (Cls, Loc, Both, Dupe, Bkg, Miss) per
-- class, at most 16 per type and class, as a JSON array ordered by type
-- (TIDE's order) then worst first (a false positive by its score, a miss
-- by its area): [{"type", "class", "frame", "t", "box", "score",
-- "gt_box", "iou"}, ...] with boxes [x1, y1, x2, y2] (null where the type
-- has none). An item's position (from 1) is its id in the API. NULL for
-- evaluations stored before it existed.
ALTER TABLE evaluations ADD COLUMN failures jsonb;
