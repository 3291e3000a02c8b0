"""The validation story end to end, through the HTTP API and the CLI only,
as a QA team would live it (issue 4's end-to-end test):

upload a clip -> auto ground truth (a queued task with the reference
model) -> a second model configuration over the same clip -> evaluation
of that run against the ground truth -> a device session fed by the
simulator -> results and pass/fail.

The oracle is arithmetic on what the API itself returned earlier in the
story: the ground truth is the reference run's detections, so a stricter
configuration of the same model can only drop boxes (precision 1, recall
= the share of ground-truth boxes it kept), and a simulated device that
never misses and answers after a fixed latency finds every onset at that
latency."""
import json
import os
import subprocess
import time

import pytest
from client import admin_session, call, ok, wait_counted

CLASS_MAP = {"person": "pedestrian", "dog": "animal", "horse": "animal"}
STRICT_CONF = 0.5


def wait_task_done(s, task_id, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = ok(call(s, "GET", "/api/tasks/%d/status" % task_id))
        if st["state"] in ("done", "failed", "cancelled"):
            assert st["state"] == "done", st
            return st
        time.sleep(0.3)
    raise AssertionError("task %d did not finish in %d s" % (task_id, timeout))


def ndjson(s, run_id):
    r = call(s, "GET", "/api/runs/%d/detections.ndjson" % run_id, stream=True)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.iter_lines() if line]


def all_pages(s, path, **params):
    items, cursor = [], None
    while True:
        q = dict(params, limit=200)
        if cursor:
            q["cursor"] = cursor
        page = ok(call(s, "GET", path, params=q))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


@pytest.fixture(scope="module")
def story(avp, clip, model):
    """Everything up to the evaluation, shared by the tests below in order."""
    s = admin_session(avp)
    st = {"s": s}
    st["project"] = ok(call(s, "POST", "/api/projects",
                            json={"name": "e2e validation"}), 201)["id"]
    ok(call(s, "PUT", "/api/projects/%d/class-map" % st["project"], json={"map": CLASS_MAP}))
    with open(clip, "rb") as f:
        st["video"] = wait_counted(s, ok(call(s, "POST", "/api/projects/%d/videos" % st["project"],
                                              params={"filename": "clip.mp4"}, data=f), 201)["id"])
    with open(model, "rb") as f:
        m = ok(call(s, "POST", "/api/models", params={"name": "e2e-ref"}, data=f), 201)
    st["model"], st["names"] = m["id"], m["class_names"]
    return st


def test_auto_ground_truth_is_the_reference_runs_detections(story):
    s, vid = story["s"], story["video"]["id"]
    t0 = time.time()
    task = ok(call(s, "POST", "/api/videos/%d/auto-ground-truth" % vid,
                   json={"model_id": story["model"], "conf": 0.25, "iou": 0.45}), 202)
    assert time.time() - t0 < 2, "the task id must come back at once"
    wait_task_done(s, task["task_id"])
    dets = ndjson(s, task["run_id"])
    gt = all_pages(s, "/api/videos/%d/ground-truth" % vid)
    assert dets and len(gt) == len(dets), (len(gt), len(dets))
    assert all(b["source"] == "model" for b in gt)
    assert sum(1 for b in gt if b.get("track_id")) == len(gt), "every box is linked to a track"
    story["gt_run"], story["gt"], story["gt_dets"] = task["run_id"], gt, dets


def test_stricter_configuration_evaluated_against_ground_truth(story):
    s, vid = story["s"], story["video"]["id"]
    r = ok(call(s, "POST", "/api/videos/%d/process" % vid,
                json={"model_id": story["model"], "conf": STRICT_CONF, "iou": 0.45,
                      "every": 1}), 202)
    wait_task_done(s, r["task_id"])
    ev = ok(call(s, "POST", "/api/runs/%d/evaluate" % r["run_id"],
                 json={"score_threshold": STRICT_CONF}), 201)
    names = story["names"]
    counted = [d for d in story["gt_dets"] if names[d["class_id"]] in CLASS_MAP]
    kept = [d for d in counted if d["score"] >= STRICT_CONF]
    overall = ev["results"]["overall"]
    assert overall["fp"] == 0 and overall["precision"] == pytest.approx(1.0)
    assert overall["tp"] == len(kept) and overall["fn"] == len(counted) - len(kept), overall
    assert {c["class"] for c in ev["results"]["classes"]} <= set(CLASS_MAP.values())
    assert ev["manifest"]["video_sha256"] == story["video"]["sha256"]
    assert ev["manifest"].get("class_map") == CLASS_MAP
    frames = ok(call(s, "GET", "/api/runs/%d/evaluation/frames" % r["run_id"]))["items"]
    assert sum(f["fn"] for f in frames) == overall["fn"]
    assert all(f["fp"] == 0 for f in frames)
    story["strict_run"] = r["run_id"]


def test_the_two_runs_compare(story):
    """The reference run at its own threshold is the ground truth itself;
    the strict run differs exactly on the frames where it dropped boxes."""
    s = story["s"]
    ref = ok(call(s, "POST", "/api/runs/%d/evaluate" % story["gt_run"],
                  json={"score_threshold": 0.25}), 201)["results"]["overall"]
    assert ref["fp"] == 0 and ref["fn"] == 0 and ref["recall"] == pytest.approx(1.0)
    cmp = ok(call(s, "GET", "/api/runs/%d/compare/%d" % (story["gt_run"], story["strict_run"])))
    a, b = cmp["a"]["overall"], cmp["b"]["overall"]
    assert cmp["delta"]["overall"]["recall"] == pytest.approx(b["recall"] - a["recall"], abs=1e-9)
    assert cmp["delta"]["overall"]["recall"] < 0
    strict = ok(call(s, "GET", "/api/runs/%d/evaluation/frames" % story["strict_run"]))["items"]
    assert sorted(f["frame"] for f in cmp["frames"]) == sorted(
        f["frame"] for f in strict if f["fn"] > 0)
    assert all(f["a"]["fn"] == 0 and f["b"]["fn"] > 0 for f in cmp["frames"])


def simulate(avp, s, session_id, *flags):
    key = ok(call(s, "POST", "/api/auth/keys", json={"name": "simulator"}), 201)["key"]
    # The server as a device on the machine of `avp up` finds it: AVP_URL.
    out = subprocess.run([os.environ["AVP_BIN"], "device", "simulate", "--session",
                          str(session_id), "--api-key", key, "--seed", "7", *flags],
                         env=dict(os.environ, AVP_URL=avp.url),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def new_session(s, story, **criteria):
    return ok(call(s, "POST", "/api/projects/%d/test-sessions" % story["project"],
                   json={"video_id": story["video"]["id"], "name": "device",
                         "tolerance_ms": 500, "criteria": criteria}), 201)["id"]


def test_device_session_fed_by_the_simulator_passes(avp, story):
    s = story["s"]
    sid = new_session(s, story, min_recall=0.95, max_median_latency_ms=300)
    simulate(avp, s, sid, "--latency", "50ms", "--jitter", "0ms", "--miss", "0%",
             "--fp-rate", "0")
    res = ok(call(s, "GET", "/api/test-sessions/%d/results" % sid))
    assert res["fn"] == 0 and res["fp"] == 0 and res["recall"] == pytest.approx(1.0)
    assert res["tp"] == res["targets"] > 0
    assert res["latency_ms"]["median"] == pytest.approx(50, abs=1)
    lo, hi = res["recall_ci"]
    assert lo == pytest.approx(1.0) and hi == pytest.approx(1.0)
    assert res["pass"] is True
    assert {c["class"] for c in res["classes"]} <= set(CLASS_MAP.values())


def test_a_slow_device_fails_its_criteria(avp, story):
    s = story["s"]
    sid = new_session(s, story, max_median_latency_ms=300)
    simulate(avp, s, sid, "--latency", "400ms", "--jitter", "0ms", "--miss", "20%",
             "--fp-rate", "0")
    res = ok(call(s, "GET", "/api/test-sessions/%d/results" % sid))
    assert res["latency_ms"]["median"] == pytest.approx(400, abs=1)
    assert 0 < res["recall"] < 1 and res["fn"] > 0
    lo, hi = res["recall_ci"]
    assert lo < res["recall"] < hi, "a bootstrap interval around a mixed outcome has width"
    assert res["pass"] is False and res["fail_reason"]
    stored = ok(call(s, "POST", "/api/test-sessions/%d/evaluate" % sid), 201)
    assert stored["results"]["pass"] is False
