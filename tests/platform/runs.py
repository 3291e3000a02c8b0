"""Helpers of the platform tests for detect runs, through the HTTP API:
uploading the clip and the model once, submitting a run, waiting for its
task, and comparing the run's NDJSON stream with `avp detect`."""
import json
import os
import time

CONF, IOU = 0.25, 0.45

_ids = {}


def _session(avp):
    if "session" not in _ids:
        _ids["session"] = avp.session()
    return _ids["session"]


def _call(avp, method, path, **kw):
    kw.setdefault("timeout", 60)
    return _session(avp).request(method, avp.url + path, **kw)


def _project(avp):
    if "project" not in _ids:
        r = _call(avp, "POST", "/api/projects", json={"name": "platform runs"})
        assert r.status_code == 201, r.text
        _ids["project"] = r.json()["id"]
    return _ids["project"]


def upload_video(avp, path, name=None):
    with open(path, "rb") as f:
        r = _call(avp, "POST", "/api/projects/%d/videos" % _project(avp),
                  params={"filename": name or os.path.basename(path)}, data=f)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _model(avp, model):
    if "model" not in _ids:
        with open(model, "rb") as f:
            r = _call(avp, "POST", "/api/models", params={"name": "yolox_nano"}, data=f)
        assert r.status_code == 201, r.text
        _ids["model"] = r.json()["id"]
    return _ids["model"]


def submit_run(avp, clip, model, video_id=None):
    """POST /api/videos/{id}/process for the clip (uploaded once) or the
    given video. Returns (run_id, task_id)."""
    if video_id is None:
        if "clip" not in _ids:
            _ids["clip"] = upload_video(avp, clip)
        video_id = _ids["clip"]
    r = _call(avp, "POST", "/api/videos/%d/process" % video_id,
              json={"model_id": _model(avp, model), "conf": CONF, "iou": IOU, "every": 1})
    assert r.status_code == 202, r.text
    return r.json()["run_id"], r.json()["task_id"]


def cancel(avp, task_id):
    r = _call(avp, "POST", "/api/tasks/%d/cancel" % task_id)
    assert r.status_code in (200, 202), r.text


def streamed(avp, run_id):
    """The run's detections from GET /api/runs/{id}/detections.ndjson."""
    r = _call(avp, "GET", "/api/runs/%d/detections.ndjson" % run_id, stream=True)
    assert r.status_code == 200, r.text
    rows = [json.loads(line) for line in r.iter_lines() if line]
    return sorted((d["frame"], d["class_id"], d["score"], d["x1"], d["y1"], d["x2"], d["y2"])
                  for d in rows)


def assert_same_detections(avp, run_id, reference):
    got = streamed(avp, run_id)
    assert len(got) == len(reference), "stored %d detections, reference %d" % (
        len(got), len(reference))
    for g, r in zip(got, reference):
        assert g[:2] == r[:2], (g, r)
        # JSONL prints scores with 5 decimals and boxes with 2.
        assert abs(g[2] - r[2]) < 1e-4 and all(abs(a - b) < 0.011 for a, b in zip(g[3:], r[3:])), (g, r)
    run = _call(avp, "GET", "/api/runs/%d" % run_id).json()
    assert run["state"] == "done" and run["detections_count"] == len(reference), run


def task_row(avp, task_id):
    """The task's row as the worker left it: status fields the API shows,
    plus the worker's name and attempts, which only the table has."""
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
        except Exception:  # the database is restarting
            pass
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
