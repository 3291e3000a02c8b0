-- avp:no-transaction
-- 0016_gt_provenance_index.sql - the boxes of a ground-truth source, for
-- ON DELETE SET NULL when a source row goes (with its video): without it
-- each deleted source scans the whole table. Partial: hand-drawn boxes and
-- those stored before 0015 have none. Built CONCURRENTLY (0009 says why);
-- an INVALID index left by a failed build is dropped before trying again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS ground_truth_objects_source
    ON ground_truth_objects (source_id) WHERE source_id IS NOT NULL;
