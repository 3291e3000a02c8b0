-- 0020_gt_frame_list.sql - a ground-truth frame set that is not first +
-- k * step (a COCO or Datumaro file annotating frames 0, 2, 4 and 5): its
-- frames, sorted and distinct. videos.gt_frames (0013) then holds only
-- {"first", "last"}, without "step", which readers from before this take
-- as "every frame" (their reading of NULL), never as a wrong set. NULL for
-- an evenly spaced set or none. Expand only: a nullable column with no
-- default, added without rewriting the table.
ALTER TABLE videos ADD COLUMN gt_frame_list bigint[];
