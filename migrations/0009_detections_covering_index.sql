-- avp:no-transaction
-- 0009_detections_covering_index.sql - the keyset index of detections also
-- carries the rest of each row (t and the box), so that a page is read from
-- the index alone (an index-only scan) and never visits the table.
--
-- Why: a page of a rare class walks ~16k index entries to find its 100
-- rows, and each row found then cost a visit to its own table page (rows
-- are stored in frame order, so 100 matches lie on ~100 pages), which a
-- cold cache reads through the kernel. bench/store on 10M rows, same
-- machine and day: by class, score and 600 s window p50/p99 0.97/1.17 ms
-- (was 1.00/1.50, other runs 1.88 and 2.1 at p99); unfiltered 0.21/0.26
-- (was 0.32/0.51); 1000 rows 0.74/0.87 (was 1.10/2.05); by class
-- 0.56/0.66 (was 0.65/1.00). Appends: 374k rows/s in a worker's 320-row
-- transactions (373k before), 184 bytes of WAL a row (158); table and
-- indexes 1540 MB for 10M rows (1279).
--
-- The included columns are not keys: the order of the walk and every
-- condition on it are those of 0008. A page is index-only for table pages
-- that VACUUM has marked all-visible; autovacuum does that for
-- insert-only tables by itself (PostgreSQL 13 and later). Until then a
-- row found costs the table visit it cost before.
--
-- Built CONCURRENTLY and swapped in under 0008's name as 0008 did; each
-- step is safe to repeat after a failure part way (drop an INVALID index
-- left by a failed build before starting again).
CREATE INDEX CONCURRENTLY IF NOT EXISTS detections_run_frame_id_covering
    ON detections (run_id, frame, id, class_id, score)
    INCLUDE (t, x1, y1, x2, y2);
DROP INDEX CONCURRENTLY IF EXISTS detections_run_frame_id;
ALTER INDEX IF EXISTS detections_run_frame_id_covering
    RENAME TO detections_run_frame_id;
