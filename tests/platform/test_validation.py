"""Black-box tests of validation through the HTTP API (`avp serve` under
`avp up`, see conftest.py): ground-truth boxes (add, move, validate,
delete, each with its audit row, written in the same statement), access
rules, and evaluation of a finished run against ground truth, with
`avp eval --json` on the same data written as COCO files as the oracle."""
import hashlib
import json
import os
import subprocess
import time

import pytest
from client import all_boxes, api, assert_error, call, new_user_session, upload


# ---- helpers ---------------------------------------------------------------


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


BOX = {"frame": 4, "t": 0.4, "class": "person", "x1": 10, "y1": 20, "x2": 110, "y2": 220}


# ---- fixtures --------------------------------------------------------------

@pytest.fixture(scope="module")
def carol(avp, admin):
    return new_user_session(avp, "carol", "carol-password-1")


@pytest.fixture(scope="module")
def edit_video(admin, project, clip):
    return upload(admin, project, clip)


@pytest.fixture(scope="module")
def run(avp, admin, project, clip, uploaded_model):
    """A finished run (every 2nd frame, fast preprocessing) on a video of
    its own."""
    video_id = upload(admin, project, clip)
    r = call(admin, "POST", "/api/videos/%d/process" % video_id,
             json={"model_id": uploaded_model["id"], "conf": 0.25, "iou": 0.45, "every": 2,
                   "preprocess": "fast"})
    assert r.status_code == 202, r.text
    task_id, run_id = r.json()["task_id"], r.json()["run_id"]
    deadline = time.time() + 180
    while time.time() < deadline:
        st = call(admin, "GET", "/api/tasks/%d/status" % task_id).json()
        if st["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.3)
    assert st["state"] == "done", st
    run = call(admin, "GET", "/api/runs/%d" % run_id).json()
    r = call(admin, "GET", "/api/runs/%d/detections.ndjson" % run_id)
    dets = [json.loads(line) for line in r.text.splitlines() if line]
    assert dets, "the run found nothing; the evaluation would be empty"
    return {"id": run_id, "video_id": video_id, "dets": dets,
            "frames_done": int(avp.psql("SELECT frames_done FROM detection_runs "
                                        "WHERE id = %d" % run_id)[0][0]), "row": run}


def audit_rows(avp, box_id):
    return avp.psql("SELECT action, coalesce(user_id, 0), detail::text FROM audit_log "
                    "WHERE object_type = 'ground_truth' AND object_id = %d "
                    "ORDER BY id" % box_id)


# ---- ground-truth edits ----------------------------------------------------

def test_add_move_validate_delete_are_audited(avp, admin, edit_video):
    r = call(admin, "POST", "/api/videos/%d/ground-truth" % edit_video, json=BOX)
    assert r.status_code == 201, r.text
    box = r.json()
    assert {k: box[k] for k in BOX} == BOX
    assert box["source"] == "human" and box["validated"] is False and box["track_id"] is None
    assert [b["id"] for b in all_boxes(admin, edit_video, t0=0.3, t1=0.5)] == [box["id"]]
    assert all_boxes(admin, edit_video, t0=0.5, t1=9) == []

    r = call(admin, "PATCH", "/api/ground-truth/%d" % box["id"],
             json={"x1": 15, "x2": 120, "validated": True, "occluded": True})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert (moved["x1"], moved["x2"], moved["y1"], moved["validated"], moved["occluded"],
            moved["difficult"]) == (15, 120, 20, True, True, False)
    r = call(admin, "PATCH", "/api/ground-truth/%d" % box["id"], json={"class": "cyclist"})
    assert r.status_code == 200 and r.json()["class"] == "cyclist", r.text

    # An edit that would invert the box is refused, atomically: no audit row.
    assert_error(call(admin, "PATCH", "/api/ground-truth/%d" % box["id"], json={"x2": 5}), 400)
    assert call(admin, "DELETE", "/api/ground-truth/%d" % box["id"]).status_code == 204
    assert_error(call(admin, "DELETE", "/api/ground-truth/%d" % box["id"]), 404)
    assert_error(call(admin, "PATCH", "/api/ground-truth/%d" % box["id"], json={"x1": 1}), 404)
    assert all_boxes(admin, edit_video) == []

    rows = audit_rows(avp, box["id"])
    assert [a for a, _, _ in rows] == ["create", "update", "update", "delete"], rows
    assert all(int(u) == admin.user_id for _, u, _ in rows)
    first_update = json.loads(rows[1][2])
    assert first_update["changes"]["validated"] is True
    assert first_update["before"]["x1"] == 10 and first_update["before"]["validated"] is False
    assert json.loads(rows[3][2])["before"]["class"] == "cyclist"


def test_boxes_page_in_frame_order(admin, edit_video):
    ids = []
    for frame in (9, 3, 3, 7, 0):
        r = call(admin, "POST", "/api/videos/%d/ground-truth" % edit_video,
                 json=dict(BOX, frame=frame, t=frame / 10.0))
        assert r.status_code == 201, r.text
        ids.append((frame, r.json()["id"]))
    got = [(b["frame"], b["id"]) for b in all_boxes(admin, edit_video, limit=2)]
    assert got == sorted(ids)
    assert [(b["frame"], b["id"]) for b in all_boxes(admin, edit_video, limit=1000)] == sorted(ids)
    assert [b["frame"] for b in all_boxes(admin, edit_video, t0=0.3, t1=0.7)] == [3, 3, 7]
    for _, i in ids:
        assert call(admin, "DELETE", "/api/ground-truth/%d" % i).status_code == 204


def test_bad_boxes_are_400(admin, edit_video):
    path = "/api/videos/%d/ground-truth" % edit_video
    for body in ({k: v for k, v in BOX.items() if k != "class"}, dict(BOX, x2=1),
                 dict(BOX, frame=-1), dict(BOX, **{"class": ""}), dict(BOX, color="red"),
                 dict(BOX, x1="a")):
        assert_error(call(admin, "POST", path, json=body), 400)
    assert_error(call(admin, "GET", path, params={"limit": 0}), 400)
    assert_error(call(admin, "GET", path, params={"cursor": "garbage"}), 400)
    assert all_boxes(admin, edit_video) == []


def test_access_rules(avp, admin, carol, project, edit_video, run):
    r = call(admin, "POST", "/api/videos/%d/ground-truth" % edit_video, json=BOX)
    box = r.json()["id"]
    reads = [("GET", "/api/videos/%d/ground-truth" % edit_video, None),
             ("GET", "/api/runs/%d/evaluation" % run["id"], None)]
    writes = [("POST", "/api/videos/%d/ground-truth" % edit_video, BOX),
              ("PATCH", "/api/ground-truth/%d" % box, {"validated": True}),
              ("DELETE", "/api/ground-truth/%d" % box, None),
              ("POST", "/api/runs/%d/evaluate" % run["id"], {})]
    anonymous = api(avp)
    for method, path, body in reads + writes:
        assert_error(call(anonymous, method, path, json=body), 401)
        assert_error(call(carol, method, path, json=body), 404)
    r = call(admin, "POST", "/api/projects/%d/members" % project,
             json={"username": "carol", "role": "viewer"})
    assert r.status_code == 201, r.text
    try:
        assert call(carol, "GET", reads[0][1]).status_code == 200
        for method, path, body in writes:
            assert_error(call(carol, method, path, json=body), 403)
    finally:
        call(admin, "DELETE", "/api/projects/%d/members/%d" % (project, carol.user_id))
    assert len(all_boxes(admin, edit_video)) == 1
    assert [a for a, _, _ in audit_rows(avp, box)] == ["create"]
    assert call(admin, "DELETE", "/api/ground-truth/%d" % box).status_code == 204


# ---- evaluation ------------------------------------------------------------

def class_name(model, class_id):
    return model["class_names"][class_id]


def gt_from_detections(avp, run, model):
    """Ground truth equal to the run's detections, written in one statement."""
    avp.psql("DELETE FROM ground_truth_objects WHERE video_id = %d" % run["video_id"])
    avp.psql("INSERT INTO ground_truth_objects (video_id, frame, t, class, x1, y1, x2, y2, "
             "source) SELECT %d, d.frame, d.t, m.class_names->>d.class_id, d.x1, d.y1, d.x2, "
             "d.y2, 'import' FROM detections d JOIN detection_runs r ON r.id = d.run_id "
             "JOIN models m ON m.id = r.model_id WHERE d.run_id = %d"
             % (run["video_id"], run["id"]))


def evaluate(admin, run, **body):
    r = call(admin, "POST", "/api/runs/%d/evaluate" % run["id"], json=body)
    assert r.status_code == 201, r.text
    ev = r.json()
    got = call(admin, "GET", "/api/runs/%d/evaluation" % run["id"])
    assert got.status_code == 200 and got.json() == ev, got.text
    return ev


def test_perfect_ground_truth_scores_one(avp, admin, run, uploaded_model, clip):
    assert_error(call(admin, "GET", "/api/runs/%d/evaluation" % run["id"]), 404)
    gt_from_detections(avp, run, uploaded_model)
    ev = evaluate(admin, run)
    res, man = ev["results"], ev["manifest"]
    present = {class_name(uploaded_model, d["class_id"]) for d in run["dets"]}
    assert {c["class"] for c in res["classes"]} == present
    for c in res["classes"]:
        assert c["ap50"] == pytest.approx(1.0) and c["map"] == pytest.approx(1.0), c
        assert c["fp"] == 0 and c["fn"] == 0 and c["tp"] == c["num_gt"] == c["num_det"], c
        assert len(c["pr_curve"]["recall"]) == len(c["pr_curve"]["precision"]) == 101
        assert len(c["f1_curve"]["threshold"]) == len(c["f1_curve"]["f1"]) == 101
    assert res["overall"]["tp"] == len(run["dets"]) and res["overall"]["fp"] == 0
    assert res["overall"]["map"] == pytest.approx(1.0)
    assert res["coco_stats"][0] == pytest.approx(1.0) and len(res["coco_stats"]) == 12
    labels = res["confusion"]["labels"]
    assert labels[-1] == "background" and len(res["confusion"]["matrix"]) == len(labels)
    assert man["model_sha256"] == sha256(uploaded_model["path"]) == uploaded_model["sha256"]
    assert man["video_sha256"] == sha256(clip)
    assert man["score_threshold"] == 0.25 and man["iou_threshold"] == 0.5
    assert man["run_id"] == run["id"] and man["every"] == 2
    assert man["preprocess"] == run["row"]["preprocess"] == "fast"
    version = subprocess.run([os.environ["AVP_BIN"], "version"], capture_output=True,
                             text=True, timeout=30).stdout
    assert man["avp_version"] and man["avp_version"] in version
    assert man["frames"] == len(range(0, run["frames_done"], 2))
    stored = avp.psql("SELECT manifest->>'model_sha256', results->'overall'->>'tp' "
                      "FROM evaluations WHERE id = %d" % ev["id"])
    assert stored == [[uploaded_model["sha256"], str(len(run["dets"]))]]
    audit = avp.psql("SELECT user_id FROM audit_log WHERE action = 'evaluate' AND "
                     "object_type = 'run' AND object_id = %d" % run["id"])
    assert audit == [[str(admin.user_id)]]


def test_rules_are_applied_and_kept_in_the_manifest(avp, admin, run, uploaded_model):
    gt_from_detections(avp, run, uploaded_model)
    r = call(admin, "POST", "/api/runs/%d/evaluate" % run["id"],
             json={"rules": {"min_size": 3}})
    assert_error(r, 400)
    assert "rules: unknown rule 'min_size'" in r.json()["error"]["message"]
    # A region over the whole frame takes every box out: nothing is found,
    # nothing is a false alarm, nothing is missed.
    everywhere = [[-1e5, -1e5], [1e5, -1e5], [1e5, 1e5], [-1e5, 1e5]]
    ev = evaluate(admin, run, rules={"ignore_regions": [everywhere]})
    rules = ev["manifest"]["rules"]
    assert rules["rules"] == {"ignore_regions": [everywhere]}
    assert rules["detections_dropped"]["in_region"] == len(run["dets"])
    assert rules["gt_ignored"]["in_region"] == ev["results"]["num_gt"] > 0
    overall = ev["results"]["overall"]
    assert overall["tp"] == overall["fp"] == overall["fn"] == 0


def perturb(admin, run):
    """Deletes every 3rd box, moves every 4th by a few pixels and relabels
    every 7th through the API; adds a missed object and a box on a frame
    the run skipped (odd), which must count neither way."""
    boxes = all_boxes(admin, run["video_id"], limit=200)
    for i, b in enumerate(boxes):
        path = "/api/ground-truth/%d" % b["id"]
        if i % 3 == 0:
            assert call(admin, "DELETE", path).status_code == 204
        elif i % 4 == 1:
            r = call(admin, "PATCH", path, json={"x1": b["x1"] + 6, "y1": b["y1"] - 4,
                                                 "x2": b["x2"] + 9})
            assert r.status_code == 200, r.text
        elif i % 7 == 2:
            r = call(admin, "PATCH", path, json={"class": "dog" if b["class"] != "dog" else "cat"})
            assert r.status_code == 200, r.text
    for frame in (2, 3):
        r = call(admin, "POST", "/api/videos/%d/ground-truth" % run["video_id"],
                 json=dict(BOX, frame=frame, t=frame / 10.0))
        assert r.status_code == 201, r.text
    return all_boxes(admin, run["video_id"], limit=200)


def write_coco(tmp_path, run, model, boxes):
    """The evaluated frames, ground truth and detections as COCO files."""
    names = sorted({b["class"] for b in boxes} |
                   {class_name(model, d["class_id"]) for d in run["dets"]})
    cat = {n: i + 1 for i, n in enumerate(names)}
    frames = list(range(0, run["frames_done"], 2))
    anns = [{"id": b["id"], "image_id": b["frame"], "category_id": cat[b["class"]],
             "bbox": [b["x1"], b["y1"], b["x2"] - b["x1"], b["y2"] - b["y1"]],
             "area": (b["x2"] - b["x1"]) * (b["y2"] - b["y1"]), "iscrowd": 0}
            for b in boxes if b["frame"] in set(frames)]
    gt = {"images": [{"id": f} for f in frames], "annotations": anns,
          "categories": [{"id": i, "name": n} for n, i in cat.items()]}
    pred = [{"image_id": d["frame"], "category_id": cat[class_name(model, d["class_id"])],
             "bbox": [d["x1"], d["y1"], d["x2"] - d["x1"], d["y2"] - d["y1"]],
             "score": d["score"]} for d in run["dets"]]
    gt_path, pred_path = tmp_path / "gt.json", tmp_path / "pred.json"
    gt_path.write_text(json.dumps(gt))
    pred_path.write_text(json.dumps(pred))
    return str(gt_path), str(pred_path), len(anns)


def test_partial_ground_truth_matches_avp_eval(avp, admin, run, uploaded_model, tmp_path):
    gt_from_detections(avp, run, uploaded_model)
    boxes = perturb(admin, run)
    assert_error(call(admin, "POST", "/api/runs/%d/evaluate" % run["id"],
                      json={"score_threshold": 0.5, "iou_threshold": 0.7}), 400)
    ev = evaluate(admin, run, score_threshold=0.5, iou_threshold=0.5)
    gt_path, pred_path, num_gt = write_coco(tmp_path, run, uploaded_model, boxes)
    out = subprocess.run([os.environ["AVP_BIN"], "eval", "--gt", gt_path, "--pred", pred_path,
                          "--score-thr", "0.5", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    oracle = json.loads(out.stdout)
    res = ev["results"]
    assert ev["manifest"]["score_threshold"] == 0.5
    assert res["num_gt"] == num_gt == oracle["num_gt"] and res["num_det"] == oracle["num_det"]
    assert res["coco_stats"] == pytest.approx(oracle["coco_stats"], abs=1e-9)
    assert res["coco_stats"][0] < 0.99, "the perturbation changed nothing"
    # TIDE's error taxonomy: the API's equals avp eval's on the same boxes.
    assert res["tide"]["AP50"] == pytest.approx(oracle["tide"]["AP50"], abs=1e-9)
    for kind, e in oracle["tide"]["errors"].items():
        assert res["tide"]["errors"][kind] == pytest.approx(e, abs=1e-9), kind
    by_name = {c["name"]: c for c in oracle["per_class"]}
    assert {c["class"] for c in res["classes"]} == set(by_name)
    for c in res["classes"]:
        o = by_name[c["class"]]
        assert c["coco_stats"] == pytest.approx(o["coco_stats"], abs=1e-9), c["class"]
        assert (c["tp"], c["fp"], c["fn"]) == (o["tp"], o["fp"], o["fn"]), c["class"]
        # The API sends null where COCO writes -1 (a class without ground truth).
        assert c["ap50"] == (None if o["AP50"] < 0 else pytest.approx(o["AP50"], abs=1e-9))
        assert c["pr_curve"]["precision"] == pytest.approx(o["pr_curve"]["precision"], abs=1e-9)
    for k in ("tp", "fp", "fn", "precision", "recall", "f1"):
        assert res["overall"][k] == pytest.approx(oracle["overall"][k], abs=1e-9), k


def test_unfinished_or_missing_runs(admin, project, run, uploaded_model):
    assert_error(call(admin, "POST", "/api/runs/999999/evaluate", json={}), 404)
    assert_error(call(admin, "POST", "/api/runs/%d/evaluate" % run["id"],
                      json={"score_threshold": 2}), 400)
    r = call(admin, "POST", "/api/videos/%d/process" % run["video_id"],
             json={"model_id": uploaded_model["id"], "preprocess": "opencv"})
    assert_error(r, 400)
    assert "preprocess" in r.json()["error"]["message"], r.text
    r = call(admin, "POST", "/api/videos/%d/process" % run["video_id"],
             json={"model_id": uploaded_model["id"], "every": 1})
    assert r.status_code == 202, r.text
    q = r.json()
    assert call(admin, "GET", "/api/runs/%d" % q["run_id"]).json()["preprocess"] == "exact"
    call(admin, "POST", "/api/tasks/%d/cancel" % q["task_id"])
    assert_error(call(admin, "POST", "/api/runs/%d/evaluate" % q["run_id"], json={}), 409)


# ---- import ----------------------------------------------------------------

COCO_GT = {
    "images": [{"id": 1, "frame_id": 5, "t": 0.5}, {"id": 2, "frame_id": 6, "t": 0.6}],
    "categories": [{"id": 1, "name": "pedestrian"}, {"id": 2, "name": "cyclist"}],
    "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40]},
        {"id": 2, "image_id": 2, "category_id": 2, "bbox": [50, 60, 70, 80],
         "attributes": {"difficult": True}},
        {"id": 3, "image_id": 2, "category_id": 1, "bbox": [1, 2, 3, 4]},
    ],
}


GT_FIXTURES = os.path.join(os.path.dirname(__file__), "..", "gt", "fixtures")


def test_import_reports_what_it_read(avp, admin, project, clip):
    """CVAT for images (issue 14): the reply counts the frames (the image
    without boxes too), the box, and by kind the shapes that are not boxes."""
    video_id = upload(admin, project, clip)
    path = "/api/videos/%d/ground-truth/import" % video_id
    with open(os.path.join(GT_FIXTURES, "cvat_images.xml"), "rb") as f:
        r = call(admin, "POST", path, params={"format": "cvat"}, data=f.read())
    assert r.status_code == 201, r.text
    kinds = ("polygon", "polyline", "points", "mask", "skeleton")
    assert r.json() == {"imported": 1, "report": {
        "frames": 2, "boxes": 1, "tracks": 0,
        "notes": {"%s in image (not a box)" % k: 1 for k in kinds}}}, r.text
    assert [(b["frame"], b["class"]) for b in all_boxes(admin, video_id)] == [(1, "person")]


def test_import_is_all_or_nothing(avp, admin, carol, project, clip):
    video_id = upload(admin, project, clip)
    path = "/api/videos/%d/ground-truth/import" % video_id
    bad = json.loads(json.dumps(COCO_GT))
    bad["annotations"][2]["bbox"] = [1, 2, 3]
    r = call(admin, "POST", path, params={"format": "coco"}, data=json.dumps(bad))
    assert_error(r, 400)
    assert "annotations[2]" in r.json()["error"]["message"], r.text
    r = call(admin, "POST", path, params={"format": "mot"}, data=b"1,2,3\nx")
    assert_error(r, 400)
    # The message names the line, not the server's temporary file.
    assert r.json()["error"]["message"].startswith("line "), r.text
    assert avp.data_dir not in r.text and "/tmp" not in r.text, r.text
    assert_error(call(admin, "POST", path, params={"format": "yolo"}, data=b"0 .5 .5 .1 .1"), 400)
    assert_error(call(admin, "POST", path, params={"format": "coco"}, data=b"{"), 400)
    assert all_boxes(admin, video_id) == []
    assert_error(call(carol, "POST", path, params={"format": "coco"},
                      data=json.dumps(COCO_GT)), 404)

    r = call(admin, "POST", path, params={"format": "coco"}, data=json.dumps(COCO_GT))
    assert r.status_code == 201 and r.json()["imported"] == 3, r.text
    report = r.json()["report"]
    assert (report["boxes"], report["tracks"], report["notes"]) == (3, 0, {}), r.text
    got = [(b["frame"], b["class"], b["x1"], b["y1"], b["x2"], b["y2"], b["difficult"],
            b["source"]) for b in all_boxes(admin, video_id)]
    assert sorted(got) == [(5, "pedestrian", 10, 20, 40, 60, False, "import"),
                           (6, "cyclist", 50, 60, 120, 140, True, "import"),
                           (6, "pedestrian", 1, 2, 4, 6, False, "import")]
    audit = avp.psql("SELECT detail->>'format', detail->>'boxes', user_id FROM audit_log "
                     "WHERE action = 'import' AND object_id = %d" % video_id)
    assert audit == [["coco", "3", str(admin.user_id)]]


def test_import_frame_set_is_stored_and_evaluated(avp, admin, run, uploaded_model, tmp_path):
    """Issue 14: a COCO file's images are the frames its ground truth was
    annotated on. A dry run replies the report and writes nothing; the
    import stores the frame set; evaluation scores those frames only (the
    run's frames off it count neither way), an image without boxes as a
    real negative, and equals avp eval on the same frames."""
    vid = run["video_id"]
    avp.psql("DELETE FROM ground_truth_objects WHERE video_id = %d" % vid)
    frames = list(range(0, run["frames_done"], 4))  # half the run's frames
    boxed = set(frames[::2])  # the other half: annotated, nothing there
    names = sorted({class_name(uploaded_model, d["class_id"]) for d in run["dets"]})
    cat = {n: i + 3 for i, n in enumerate(names)}
    anns = [{"id": i + 1, "image_id": 1000 + d["frame"], "iscrowd": 0,
             "category_id": cat[class_name(uploaded_model, d["class_id"])],
             "bbox": [d["x1"] + 2, d["y1"], d["x2"] - d["x1"], d["y2"] - d["y1"]]}
            for i, d in enumerate(run["dets"]) if d["frame"] in boxed and d["score"] >= 0.5]
    gt = {"images": [{"id": 1000 + f, "frame_id": f, "file_name": "%d.jpg" % f}
                     for f in frames],
          "categories": [{"id": i, "name": n} for n, i in cat.items()], "annotations": anns}
    path = "/api/videos/%d/ground-truth/import" % vid
    report = {"frames": len(frames), "boxes": len(anns), "tracks": 0, "notes": {}}
    r = call(admin, "POST", path, params={"format": "coco", "dry_run": "1"}, data=json.dumps(gt))
    assert r.status_code == 200 and r.json() == {"dry_run": True, "imported": 0,
                                                 "report": report}, r.text
    assert all_boxes(admin, vid) == []
    assert avp.psql("SELECT gt_frames IS NULL FROM videos WHERE id = %d" % vid) == [["t"]]
    past = dict(gt, annotations=[], images=[{"id": 1, "frame_id": 0},
                                            {"id": 2, "frame_id": 4 * 10 ** 6}])
    r = call(admin, "POST", path, params={"format": "coco", "dry_run": "1"}, data=json.dumps(past))
    assert_error(r, 400)
    assert "outside the video" in r.json()["error"]["message"], r.text

    r = call(admin, "POST", path, params={"format": "coco"}, data=json.dumps(gt))
    assert r.status_code == 201 and r.json() == {"imported": len(anns), "report": report}, r.text
    stored = {"first": 0, "last": frames[-1], "step": 4}
    assert json.loads(avp.psql("SELECT gt_frames FROM videos WHERE id = %d" % vid)[0][0]) == stored
    ev = evaluate(admin, run, score_threshold=0.5)
    man, res = ev["manifest"], ev["results"]
    assert man["frames"] == len(frames) and man["gt_frames"] == stored
    off = [d for d in run["dets"] if d["frame"] % 4]
    assert man["detections_off_gt_frames"] == len(off)
    negatives = [d for d in run["dets"] if d["frame"] in set(frames) - boxed and d["score"] >= 0.5]
    assert negatives and res["overall"]["fp"] >= len(negatives)

    oracle_gt = dict(gt, images=[{"id": 1000 + f} for f in frames])
    pred = [{"image_id": 1000 + d["frame"], "score": d["score"],
             "category_id": cat[class_name(uploaded_model, d["class_id"])],
             "bbox": [d["x1"], d["y1"], d["x2"] - d["x1"], d["y2"] - d["y1"]]}
            for d in run["dets"] if d["frame"] % 4 == 0]
    (tmp_path / "gt.json").write_text(json.dumps(oracle_gt))
    (tmp_path / "pred.json").write_text(json.dumps(pred))
    out = subprocess.run([os.environ["AVP_BIN"], "eval", "--gt", str(tmp_path / "gt.json"),
                          "--pred", str(tmp_path / "pred.json"), "--score-thr", "0.5", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    oracle = json.loads(out.stdout)
    assert res["coco_stats"] == pytest.approx(oracle["coco_stats"], abs=1e-9)
    for k in ("tp", "fp", "fn"):
        assert res["overall"][k] == oracle["overall"][k], k


def test_import_reads_tool_archives(admin, project, clip):
    """Issue 14: a Roboflow/ultralytics YOLO zip (data.yaml beside
    train/labels/) and a CVAT COCO zip (annotations/instances_default.json)
    are read as uploaded; a zip that names a path outside is refused."""
    import io
    import zipfile
    video_id = upload(admin, project, clip)
    path = "/api/videos/%d/ground-truth/import" % video_id

    def zip_of(files):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, src in files:
                z.write(src, name) if os.path.exists(src) else z.writestr(name, src)
        return out.getvalue()
    yolo = os.path.join(GT_FIXTURES, "yolo_ultralytics")
    body = zip_of([(os.path.relpath(os.path.join(d, f), yolo), os.path.join(d, f))
                   for d, _, fs in os.walk(yolo) for f in fs])
    r = call(admin, "POST", path, params={"format": "yolo", "dry_run": "true"}, data=body)
    assert r.status_code == 200, r.text
    assert r.json()["report"] == {"frames": 3, "boxes": 3, "tracks": 0, "notes": {
        "yolo polygon row (read as its bounding box)": 2}}, r.text
    coco = zip_of([("annotations/instances_default.json",
                    os.path.join(GT_FIXTURES, "coco_lossless", "instances.json"))])
    r = call(admin, "POST", path, params={"format": "coco", "dry_run": "1"}, data=coco)
    assert r.status_code == 200 and r.json()["report"]["frames"] == 5, r.text
    assert r.json()["report"]["boxes"] == 14, r.text
    r = call(admin, "POST", path, params={"format": "coco"},
             data=zip_of([("../../x.json", "{}")]))
    assert_error(r, 400)
    assert "not allowed" in r.json()["error"]["message"], r.text
    assert all_boxes(admin, video_id) == []
