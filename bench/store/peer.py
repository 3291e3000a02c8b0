"""bench/store/peer.py URL RUN ROWS COPY_ROWS - the peer of bench_store:
psycopg2 (Debian's python3-psycopg2) doing what AVP's store does, against
the same database in the same run.

- copy_expert: text COPY of the same rows as bench_store's fill_batch, in
  transactions of 10 000 rows with the same progress-mark UPDATE and
  synchronous_commit off; formatting the text is part of the time (as
  AVP's binary formatting is part of its time). Median of 3.
- execute_values: the same rows as multi-row INSERTs (page_size 1000).
- page: the same keyset query as detections_read.c (text results) on the
  ROWS-row run RUN, from random (frame, id) starts, without and with a
  class filter.
Prints key=value lines like bench_store.
"""
import io
import random
import statistics
import sys
import time

import psycopg2
import psycopg2.extras

BOXES, FPS, TX_FRAMES = 10, 25.0, 1000
COLUMNS = "run_id, frame, t, class_id, score, x1, y1, x2, y2"


def new_run(cur):
    cur.execute(
        "INSERT INTO projects (name) VALUES ('peer');"
        "INSERT INTO videos (project_id, filename, path)"
        " SELECT max(id), 'p.mp4', '/p.mp4' FROM projects;"
        "INSERT INTO models (name, path, sha256, family, input_w, input_h,"
        " num_classes) VALUES ('m', '/m', repeat('a', 64), 'yolox', 416, 416, 80);"
        "INSERT INTO detection_runs (video_id, model_id, conf, iou)"
        " SELECT max(v.id), max(m.id), 0.25, 0.45 FROM videos v, models m"
        " RETURNING id")
    return cur.fetchone()[0]


def rows_of(run, f0, f1):
    for f in range(f0, f1):
        for j in range(BOXES):
            yield (run, f, f / FPS, (f + j) % 80, ((f * 7 + j) % 100) / 100,
                   float(f % 1000), j * 10.0, f % 1000 + 50.0, j * 10.0 + 80)


def append(conn, rows, write):
    """Appends rows rows to a new run with write(cur, run, f0, f1) per
    transaction; returns rows/s."""
    cur = conn.cursor()
    run = new_run(cur)
    conn.commit()
    nframes = rows // BOXES
    start = time.perf_counter()
    for f0 in range(0, nframes, TX_FRAMES):
        f1 = min(nframes, f0 + TX_FRAMES)
        cur.execute("SET LOCAL synchronous_commit TO off;"
                    "UPDATE detection_runs SET frames_done = %s,"
                    " detections_count = detections_count + %s"
                    " WHERE id = %s AND frames_done = %s",
                    (f1, (f1 - f0) * BOXES, run, f0))
        assert cur.rowcount == 1
        write(cur, run, f0, f1)
        conn.commit()
    cur.execute("UPDATE detection_runs SET state = 'done' WHERE id = %s", (run,))
    conn.commit()
    return rows / (time.perf_counter() - start)


def write_copy(cur, run, f0, f1):
    buf = io.StringIO()
    for r in rows_of(run, f0, f1):
        buf.write("\t".join(map(repr, r)) + "\n")
    buf.seek(0)
    cur.copy_expert("COPY detections (%s) FROM STDIN" % COLUMNS, buf)


def write_values(cur, run, f0, f1):
    psycopg2.extras.execute_values(
        cur, "INSERT INTO detections (%s) VALUES %%s" % COLUMNS,
        rows_of(run, f0, f1), page_size=1000)


def copy_case(conn, name, rows, write):
    rates = [append(conn, rows, write) for _ in range(3)]
    print("peer copy case=%s rows=%d rows_per_tx=%d rows_per_s=%.0f (runs %s)"
          % (name, rows, TX_FRAMES * BOXES, statistics.median(rates),
             " ".join("%.0f" % r for r in rates)), flush=True)


PAGE_SQL = ("SELECT id, frame, t, class_id, score, x1, y1, x2, y2 FROM detections"
            " WHERE run_id = %(run)s AND frame >= %(frame)s"
            " AND (frame > %(frame)s OR id > %(id)s)"
            " AND (%(cls)s::integer IS NULL OR class_id = %(cls)s)"
            " AND score >= 0 ORDER BY frame, id LIMIT 101")


def pages(conn, run, rows, cls, n=400):
    cur = conn.cursor()
    lat = []
    for _ in range(n):
        frame = random.randrange(rows // BOXES)
        cur.execute("SELECT frame, id FROM detections WHERE run_id = %s"
                    " AND frame >= %s ORDER BY frame, id LIMIT 1", (run, frame))
        frame, did = cur.fetchone()
        start = time.perf_counter()
        cur.execute(PAGE_SQL, {"run": run, "frame": frame, "id": did, "cls": cls})
        cur.fetchall()
        lat.append(time.perf_counter() - start)
    conn.rollback()
    lat.sort()
    print("peer page filter=%s limit=100 cursors=%d p50_ms=%.3f p99_ms=%.3f"
          " max_ms=%.3f" % ("class" if cls is not None else "none", n,
                            lat[n // 2] * 1e3, lat[n * 99 // 100] * 1e3,
                            lat[-1] * 1e3), flush=True)


def main():
    url, run, rows, copy_rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    random.seed(1)
    conn = psycopg2.connect(url)
    pages(conn, run, rows, None)
    pages(conn, run, rows, 7)
    copy_case(conn, "copy_expert_text", copy_rows, write_copy)
    copy_case(conn, "execute_values", copy_rows // 5, write_values)
    conn.close()


if __name__ == "__main__":
    main()
