-- 0013_ground_truth_frames.sql - the frames a video's ground truth was
-- annotated on, as its last import gave them: {"first", "last", "step"},
-- the frames first + k * step up to last (a CVAT task's range, a COCO
-- file's images, a YOLO or VOC folder's files). A frame of the set without
-- boxes is a real negative; a frame off it was never looked at and is not
-- evaluated. NULL (every video before this, and ground truth drawn in the
-- UI or made from a run): every frame, as before. A nullable column with
-- no default: adding it rewrites nothing.
ALTER TABLE videos ADD COLUMN gt_frames jsonb;
