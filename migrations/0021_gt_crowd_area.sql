-- 0021_gt_crowd_area.sql - what COCO says of a ground-truth box beyond
-- its rectangle, kept so that a stored evaluation scores it as pycocotools
-- does (issue 14): crowd (COCO's iscrowd: a region of many objects, which
-- a detection may fall in without being a false positive) and area (the
-- object's own area, a segment's, which decides its small/medium/large
-- range; NULL: the box's w * h). A constant default and a nullable
-- column: added without rewriting the table.
ALTER TABLE ground_truth_objects
    ADD COLUMN crowd boolean NOT NULL DEFAULT false,
    ADD COLUMN area double precision CHECK (area > 0);
