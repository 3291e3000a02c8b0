-- 0007_evaluation_frames.sql - the per-frame outcome of a run's evaluation
-- (TP/FP/FN per frame at its score threshold, IoU .50, after the class
-- map), kept beside the numbers it adds up to. Only frames with a nonzero
-- count, as parallel arrays {"frame":[..],"t":[..],"tp":[..],"fp":[..],
-- "fn":[..]} (a long video has tens of thousands of frames; one object per
-- frame would triple the size). NULL for evaluations stored before it
-- existed, and for device sessions, which have no frames.
ALTER TABLE evaluations ADD COLUMN frames jsonb;
