-- 0003_detection_time_bounds.sql - frame bounds of a time window, so that
-- a detections page filtered by time (t0, t1) starts and stops its index
-- walk at the right frames instead of filtering every row of the run from
-- frame 0 (tens of milliseconds per page on a run of a million rows).
--
-- Both are binary searches over frame numbers with one index probe per
-- step (about 20 for a day of video). They rely on t never decreasing as
-- frame grows within a run, which holds for frames in presentation order.
-- The t filter is still applied to the rows, so the bounds only ever cut
-- rows that the filter would reject. store_detections_page() calls them
-- once per walk (the bound travels in the cursor), not once per page, and
-- passes the result as a plain parameter: in the page query itself the
-- planner would also run them while estimating selectivity.

-- The smallest frame whose detections have t >= p_t (past the last frame
-- with detections when none has).
CREATE FUNCTION detections_first_frame(p_run bigint, p_t double precision)
RETURNS integer LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    lo integer := 0;
    hi integer;
    mid integer;
    tm double precision;
BEGIN
    SELECT max(frame) + 1 INTO hi FROM detections WHERE run_id = p_run;
    IF hi IS NULL THEN
        RETURN 0;
    END IF;
    WHILE lo < hi LOOP
        mid := lo + (hi - lo) / 2;
        SELECT t INTO tm FROM detections WHERE run_id = p_run AND frame >= mid
            ORDER BY frame, id LIMIT 1;
        IF tm >= p_t THEN
            hi := mid;
        ELSE
            lo := mid + 1;
        END IF;
    END LOOP;
    RETURN lo;
END
$$;

-- The largest frame whose detections have t <= p_t (-1 when none has).
CREATE FUNCTION detections_last_frame(p_run bigint, p_t double precision)
RETURNS integer LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
    lo integer := -1;
    hi integer;
    mid integer;
    tm double precision;
BEGIN
    SELECT max(frame) INTO hi FROM detections WHERE run_id = p_run;
    IF hi IS NULL THEN
        RETURN -1;
    END IF;
    WHILE lo < hi LOOP
        mid := hi - (hi - lo) / 2;
        SELECT t INTO tm FROM detections WHERE run_id = p_run AND frame <= mid
            ORDER BY frame DESC, id DESC LIMIT 1;
        IF tm IS NULL OR tm <= p_t THEN  -- no row at or before mid: vacuously
            lo := mid;
        ELSE
            hi := mid - 1;
        END IF;
    END LOOP;
    RETURN lo;
END
$$;
