"""Helpers of the platform tests for detect runs: submitting one, waiting
for its task, and comparing what it stored with `avp detect`."""
import hashlib
import os
import subprocess
import time

CONF, IOU = 0.25, 0.45


def stored(avp, run_id):
    rows = avp.psql("SELECT frame, class_id, score, x1, y1, x2, y2 FROM detections "
                    "WHERE run_id = %d" % run_id)
    return sorted((int(r[0]), int(r[1]), *map(float, r[2:])) for r in rows)


def assert_same_detections(avp, run_id, reference):
    got = stored(avp, run_id)
    assert len(got) == len(reference), "stored %d detections, reference %d" % (
        len(got), len(reference))
    for g, r in zip(got, reference):
        assert g[:2] == r[:2], (g, r)
        # JSONL prints scores with 5 decimals and boxes with 2.
        assert abs(g[2] - r[2]) < 1e-4 and all(abs(a - b) < 0.011 for a, b in zip(g[3:], r[3:])), (g, r)
    frames = avp.psql("SELECT frames_done, detections_count, state FROM detection_runs "
                      "WHERE id = %d" % run_id)[0]
    assert frames[2] == "done" and int(frames[1]) == len(reference)


_ids = {}


def _project_and_model(avp, model):
    if "project" not in _ids:
        sha = hashlib.sha256(open(model, "rb").read()).hexdigest()
        _ids["project"] = int(avp.psql(
            "INSERT INTO projects (name) VALUES ('platform tests') RETURNING id")[0][0])
        _ids["model"] = int(avp.psql(
            "INSERT INTO models (name, path, sha256, family, input_w, input_h, num_classes) "
            "VALUES ('yolox_nano', '%s', '%s', 'yolox', 416, 416, 80) RETURNING id"
            % (model, sha))[0][0])
    return _ids["project"], _ids["model"]


def _video(avp, project, path):
    key = ("video", path)
    if key not in _ids:
        _ids[key] = int(avp.psql(
            "INSERT INTO videos (project_id, filename, path, status) VALUES "
            "(%d, '%s', '%s', 'ready') RETURNING id"
            % (project, os.path.basename(path), path))[0][0])
    return _ids[key]


def submit_run(avp, video_path, model):
    """A detect run of the video with model, queued as POST /process does:
    one transaction inserts the run and its task. The rows are inserted
    directly (the upload and process endpoints belong to the API's own
    tests) and the workers' reconciler enqueues the task, as it does for
    any task that Redis lost. Returns (run_id, task_id)."""
    project, model_id = _project_and_model(avp, model)
    video = _video(avp, project, video_path)
    row = avp.psql(
        "WITH r AS (INSERT INTO detection_runs (video_id, model_id, conf, iou) "
        "VALUES (%d, %d, %g, %g) RETURNING id) "
        "INSERT INTO tasks (kind, payload, run_id, updated_at) "
        "SELECT 'detect', jsonb_build_object('run_id', id), id, now() - interval '1 hour' "
        "FROM r RETURNING run_id, id" % (video, model_id, CONF, IOU))[0]
    return int(row[0]), int(row[1])


def task_row(avp, task_id):
    r = avp.psql("SELECT state, frames_done, coalesce(frames_total, 0), coalesce(worker, ''), "
                 "attempts, coalesce(error, '') FROM tasks WHERE id = %d" % task_id)[0]
    return {"state": r[0], "frames_done": int(r[1]), "frames_total": int(r[2]),
            "worker": r[3], "attempts": int(r[4]), "error": r[5]}


def wait_task(avp, task_id, pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            t = task_row(avp, task_id)
            if pred(t):
                return t
        except subprocess.CalledProcessError:
            pass  # the database is restarting
        time.sleep(0.2)
    raise AssertionError("task %d: %s not reached in %d s: %s" % (
        task_id, what, timeout, task_row(avp, task_id)))


def wait_mid_run(avp, task_id):
    return wait_task(avp, task_id, lambda t: t["state"] == "running" and
                     8 <= t["frames_done"] < t["frames_total"] - 30, 120, "mid-run")


def wait_done(avp, task_id, timeout=180):
    t = wait_task(avp, task_id, lambda t: t["state"] in ("done", "failed", "cancelled"),
                  timeout, "an end state")
    assert t["state"] == "done", t
    return t
