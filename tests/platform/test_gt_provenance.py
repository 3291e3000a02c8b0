"""Black-box tests of what an evaluation is scored against (issue 16),
through the HTTP API of the real system (`avp up`, conftest.py), as a
non-admin user in a project of their own:

- POST /api/runs/{id}/evaluate refuses (409 no_ground_truth, nothing
  stored) a run whose video has no ground truth on the frames the run
  looked at, a hand-drawn box on a skipped frame included.
- After an import the evaluation's JSON and manifest name where the
  ground truth came from (the format and the file's name) with its box and
  frame counts, and are not flagged; after auto ground truth by the same
  model they are flagged self-scored, naming the model and the run.
- GET /api/runs/{id}/timeline counts every detection and ground-truth box
  of the whole run in its buckets; GET /api/runs/{id}/detections/classes
  counts the whole run per class under the list's filters, both against
  the run's NDJSON. Bad parameters 400, non-members 404."""
import json
from collections import Counter

import pytest
from client import all_boxes, assert_error, call, new_user_session, ok, upload, wait_task

EVERY = 2
# COCO ground truth as AVP exports it (docs/METRICS.md): an image per
# frame, frame_id its frame. Frames 0-9 are darknet's person photo in the
# clip (conftest.py).
# Frames 0-5 are annotated (COCO's frame set: first + k * step), four of
# them hold a box.
COCO = {"images": [{"id": f + 1, "frame_id": f, "file_name": "frame_%06d.jpg" % f, "width": 640, "height": 480}
                   for f in range(6)],
        "annotations": [{"id": i + 1, "image_id": f + 1, "category_id": 1, "bbox": [190, 90, 90, 270],
                         "area": 24300, "iscrowd": 0} for i, f in enumerate((0, 2, 4, 5))],
        "categories": [{"id": 1, "name": "person"}]}


@pytest.fixture(scope="module")
def newcomer(avp):
    return new_user_session(avp, "newcomer", "newcomer-Pw-16")


@pytest.fixture(scope="module")
def video(newcomer, clip):
    p = ok(call(newcomer, "POST", "/api/projects", json={"name": "first project"}), 201)
    return upload(newcomer, p["id"], clip)


def process(s, video, model_id):
    body = ok(call(s, "POST", "/api/videos/%d/process" % video,
                   json={"model_id": model_id, "every": EVERY}), 202)
    assert wait_task(s, body["task_id"])["state"] == "done"
    return body["run_id"]


@pytest.fixture(scope="module")
def run(newcomer, video, uploaded_model):
    return process(newcomer, video, uploaded_model["id"])


def detections(s, run_id):
    r = call(s, "GET", "/api/runs/%d/detections.ndjson" % run_id)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line]


def test_no_ground_truth_is_refused(newcomer, video, run):
    for box_on_skipped_frame in (False, True):
        if box_on_skipped_frame:
            ok(call(newcomer, "POST", "/api/videos/%d/ground-truth" % video,
                    json={"frame": 1, "t": 0.1, "class": "person", "x1": 1, "y1": 1,
                          "x2": 50, "y2": 50}), 201)
        r = call(newcomer, "POST", "/api/runs/%d/evaluate" % run, json={})
        assert_error(r, 409)
        assert r.json()["error"]["code"] == "no_ground_truth"
        assert "import" in r.json()["error"]["message"]
        assert_error(call(newcomer, "GET", "/api/runs/%d/evaluation" % run), 404)


def test_imported_ground_truth_is_named_with_its_counts(newcomer, video, run):
    r = call(newcomer, "POST", "/api/videos/%d/ground-truth/import" % video,
             params={"format": "coco", "file": "C:\\labels\\street gt.json"},
             data=json.dumps(COCO))
    assert r.status_code == 201, r.text
    ev = ok(call(newcomer, "POST", "/api/runs/%d/evaluate" % run, json={}), 201)
    gt = ev["manifest"]["ground_truth"]
    # Frame 5 is not one the run looked at (every 2nd); frame 1's hand box
    # neither.
    assert gt["boxes"] == 3 and gt["frames"] == 3, gt
    assert gt["sources"] == [{"kind": "import", "format": "coco", "file": "street gt.json",
                              "model_id": None, "model": None, "model_sha256": None,
                              "run_id": None, "boxes": 3, "frames": 3, "self": False}]
    assert gt["self_scored"] is False and gt["self_boxes"] == 0
    assert ev["self_scored"] is False and ev["ground_truth"] == gt
    assert ev["results"]["num_gt"] == 3
    assert ok(call(newcomer, "GET", "/api/runs/%d/evaluation" % run)) == ev


def test_ground_truth_the_model_made_is_flagged(newcomer, video, run, uploaded_model):
    body = ok(call(newcomer, "POST", "/api/videos/%d/auto-ground-truth" % video,
                   json={"model_id": uploaded_model["id"], "every": EVERY}), 202)
    assert wait_task(newcomer, body["task_id"])["state"] == "done"
    made = len(detections(newcomer, body["run_id"]))
    assert made, "auto ground truth made no box; nothing to flag"
    ev = ok(call(newcomer, "POST", "/api/runs/%d/evaluate" % run, json={}), 201)
    assert ev["self_scored"] is True and ev["ground_truth"]["self_boxes"] == made
    by_kind = {s["kind"]: s for s in ev["ground_truth"]["sources"]}
    assert set(by_kind) == {"import", "model"}
    m = by_kind["model"]
    assert (m["model_id"], m["model"], m["model_sha256"], m["run_id"], m["boxes"], m["self"]) == (
        uploaded_model["id"], uploaded_model["name"], uploaded_model["sha256"], body["run_id"],
        made, True)
    assert ev["ground_truth"]["boxes"] == made + 3


def test_timeline_counts_the_whole_run(newcomer, video, run):
    dets = detections(newcomer, run)
    gt_frames = [b["frame"] for b in all_boxes(newcomer, video, limit=200)]
    tl = ok(call(newcomer, "GET", "/api/runs/%d/timeline" % run, params={"buckets": 7}))
    assert (tl["frames"], tl["buckets"], tl["every"]) == (120, 7, EVERY)
    want = Counter(d["frame"] * 7 // 120 for d in dets)
    assert tl["detections"] == [want[b] for b in range(7)]
    want_gt = Counter(f * 7 // 120 for f in gt_frames)
    assert tl["ground_truth"] == [want_gt[b] for b in range(7)]
    # More buckets than frames: one frame each.
    tl = ok(call(newcomer, "GET", "/api/runs/%d/timeline" % run, params={"buckets": 4000}))
    assert tl["buckets"] == 120 and tl["frames_per_bucket"] == 1
    assert sum(tl["detections"]) == len(dets) and tl["detections"][1] == 0
    for bad in (0, 4001, "x"):
        assert_error(call(newcomer, "GET", "/api/runs/%d/timeline" % run,
                          params={"buckets": bad}), 400)


def test_class_counts_follow_the_filters(newcomer, run):
    dets = detections(newcomer, run)
    path = "/api/runs/%d/detections/classes" % run
    got = ok(call(newcomer, "GET", path))
    assert got["total"] == len(dets)
    assert {c["class_id"]: c["count"] for c in got["items"]} == Counter(d["class_id"] for d in dets)
    counts = [c["count"] for c in got["items"]]
    assert counts == sorted(counts, reverse=True)
    top = got["items"][0]["class_id"]
    kept = [d for d in dets if d["class_id"] == top and d["score"] >= 0.5 and 2 <= d["t"] <= 9]
    got = ok(call(newcomer, "GET", path, params={"class": top, "min_score": 0.5, "t0": 2, "t1": 9}))
    assert got == {"total": len(kept), "items": [{"class_id": top, "count": len(kept)}]
                   if kept else []}
    assert_error(call(newcomer, "GET", path, params={"min_score": 2}), 400)


def test_strangers_see_nothing(avp, run):
    stranger = new_user_session(avp, "stranger16", "stranger-Pw-16")
    for path in ("/api/runs/%d/timeline", "/api/runs/%d/detections/classes"):
        assert_error(call(stranger, "GET", path % run), 404)
    assert_error(call(stranger, "POST", "/api/runs/%d/evaluate" % run, json={}), 404)
    assert_error(call(stranger, "GET", "/api/runs/999999/timeline"), 404)
