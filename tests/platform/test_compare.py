"""Black-box tests of the project class map, per-frame outcomes of a run
evaluation and the comparison of two runs, through the HTTP API of the
real system (`avp up`, see conftest.py).

Two real YOLOX-Nano runs over the clip (conf .25 and .5, every 2nd frame)
are scored against ground truth posted box by box through the API, built
from run A's detections with known changes (boxes dropped, moved off,
flagged difficult, relabelled, objects added). The oracle is a short
greedy matcher written here (COCO's rules at IoU .5: score order, best
IoU, difficult boxes neither found nor missed) over the same detections
and boxes; comparisons are checked against the differences of the two
stored evaluations read separately."""
import json

import pytest
from client import all_boxes, api, assert_error, call, new_user_session, ok, upload
from runs import wait_done

SCORE_THR = 0.3


# ---- the oracle --------------------------------------------------------------


def iou(d, g):
    w = min(d[2], g[2]) - max(d[0], g[0])
    h = min(d[3], g[3]) - max(d[1], g[1])
    if w <= 0 or h <= 0:
        return 0.0
    i = w * h
    return i / ((d[2] - d[0]) * (d[3] - d[1]) + (g[2] - g[0]) * (g[3] - g[1]) - i)


def match_cell(gts, dets, thr):
    """(tp, fp, fn) of one frame and class. gts: [(box, difficult)],
    dets: [(box, score)] in stored order."""
    dets = sorted(dets, key=lambda d: -d[1])[:100]
    gts = [g for g in gts if not g[1]] + [g for g in gts if g[1]]
    taken = [False] * len(gts)
    tp = fp = 0
    for box, score in dets:
        if score < thr:
            continue
        best, m = 0.5, -1
        for j, (g, ignored) in enumerate(gts):
            if taken[j]:
                continue
            if m >= 0 and not gts[m][1] and ignored:
                break
            v = iou(box, g)
            if v >= best:
                best, m = v, j
        if m < 0:
            fp += 1
        else:
            taken[m] = True
            tp += not gts[m][1]
    return tp, fp, sum(not g[1] for g in gts) - tp


def mapper(cmap):
    """The class a label counts as under the map, None when left out."""
    def f(label):
        if not cmap:
            return label
        if label in cmap:
            return cmap[label]
        return label if label in cmap.values() else None
    return f


def oracle_frames(dets, names, gt, frames_done, every, cmap=None, thr=SCORE_THR):
    """[{frame, tp, fp, fn}] of the frames with a nonzero count."""
    m = mapper(cmap)
    cells = {}
    for d in dets:
        c = m(names[d["class_id"]])
        if c is not None:
            cells.setdefault((d["frame"], c), ([], []))[1].append(
                ((d["x1"], d["y1"], d["x2"], d["y2"]), d["score"]))
    for b in gt:
        c = m(b["class"])
        if c is not None and b["frame"] < frames_done and b["frame"] % every == 0:
            cells.setdefault((b["frame"], c), ([], []))[0].append(
                ((b["x1"], b["y1"], b["x2"], b["y2"]), b["difficult"]))
    per_frame = {}
    for (frame, _), (g, d) in cells.items():
        acc = per_frame.setdefault(frame, [0, 0, 0])
        for i, v in enumerate(match_cell(g, d, thr)):
            acc[i] += v
    return [{"frame": f, "tp": c[0], "fp": c[1], "fn": c[2]}
            for f, c in sorted(per_frame.items()) if any(c)]


# ---- fixtures ----------------------------------------------------------------


@pytest.fixture(scope="module")
def dave(avp, admin):
    """A second user, member of nothing until a test makes him one."""
    return new_user_session(avp, "compare_dave", "dave-password-1")


def start_run(admin, video_id, model, conf, every):
    r = ok(call(admin, "POST", "/api/videos/%d/process" % video_id,
                json={"model_id": model["id"], "conf": conf, "iou": 0.45,
                      "every": every}), 202)
    return r["run_id"], r["task_id"]


def finished(avp, admin, run_id, task_id):
    wait_done(avp, task_id, timeout=300)
    run = ok(call(admin, "GET", "/api/runs/%d" % run_id))
    r = call(admin, "GET", "/api/runs/%d/detections.ndjson" % run_id)
    assert r.status_code == 200, r.text
    run["dets"] = [json.loads(line) for line in r.text.splitlines() if line]
    run["frames_done"] = int(avp.psql("SELECT frames_done FROM detection_runs "
                                      "WHERE id = %d" % run_id)[0][0])
    return run


@pytest.fixture(scope="module")
def runs(avp, admin, project, clip, uploaded_model):
    """Runs A (conf .25) and B (conf .5) on one video, every 2nd frame, and
    a short run on another upload of the clip."""
    video = upload(admin, project, clip)
    other_video = upload(admin, project, clip)
    started = [start_run(admin, video, uploaded_model, 0.25, 2),
               start_run(admin, video, uploaded_model, 0.5, 2),
               start_run(admin, other_video, uploaded_model, 0.25, 30)]
    a, b, other = (finished(avp, admin, *s) for s in started)
    assert a["dets"] and b["dets"], "the runs found nothing"
    assert len(b["dets"]) < len(a["dets"]), "conf .5 kept every box of conf .25"
    return {"video": video, "a": a, "b": b, "other": other}


def post_box(admin, video, frame, t, cls, box, **flags):
    body = dict(frame=frame, t=t, x1=box[0], y1=box[1], x2=box[2], y2=box[3], **flags)
    body["class"] = cls
    return ok(call(admin, "POST", "/api/videos/%d/ground-truth" % video, json=body), 201)


@pytest.fixture(scope="module")
def gt(admin, runs, uploaded_model):
    """Ground truth from run A's detections, with known changes: every 5th
    dropped (A's false positive), every 5th + 1 moved off by its own width
    (a miss and a false positive), every 7th + 3 difficult, every 6th + 2
    person relabelled "pedestrian" (only the class map makes it match), an
    extra object on frames 0 and 10 (misses) and a box on a skipped odd
    frame (counts neither way)."""
    names = uploaded_model["class_names"]
    video = runs["video"]
    for i, d in enumerate(sorted(runs["a"]["dets"], key=lambda d: (d["frame"], d["id"]))):
        box = [d["x1"], d["y1"], d["x2"], d["y2"]]
        cls = names[d["class_id"]]
        if i % 5 == 0:
            continue
        if i % 5 == 1:
            w = box[2] - box[0]
            box = [box[0] + w, box[1], box[2] + w, box[3]]
        if i % 6 == 2 and cls == "person":
            cls = "pedestrian"
        post_box(admin, video, d["frame"], d["t"], cls, box, difficult=i % 7 == 3)
    for frame in (0, 10):
        post_box(admin, video, frame, frame / 10.0, "person", [1, 1, 40, 90])
    post_box(admin, video, 3, 0.3, "dog", [5, 5, 60, 60])
    return all_boxes(admin, video, limit=200)


def evaluate(admin, run_id):
    ev = ok(call(admin, "POST", "/api/runs/%d/evaluate" % run_id,
                 json={"score_threshold": SCORE_THR}), 201)
    assert ok(call(admin, "GET", "/api/runs/%d/evaluation" % run_id)) == ev
    return ev


def frames_of(admin, run_id):
    page = ok(call(admin, "GET", "/api/runs/%d/evaluation/frames" % run_id))
    ev = ok(call(admin, "GET", "/api/runs/%d/evaluation" % run_id))
    assert page["next_cursor"] is None and page["evaluation_id"] == ev["id"]
    return page["items"]


def set_map(admin, project, cmap):
    return ok(call(admin, "PUT", "/api/projects/%d/class-map" % project, json={"map": cmap}))


# ---- class map ---------------------------------------------------------------


def test_class_map_put_get_audit_and_cache(avp, admin, project):
    path = "/api/projects/%d/class-map" % project
    assert ok(call(admin, "GET", path)) == {"map": {}}  # cached from here on
    cmap = {"person": "pedestrian", "bicycle": "cyclist"}
    assert set_map(admin, project, cmap) == {"map": cmap}
    assert ok(call(admin, "GET", path)) == {"map": cmap}
    assert set_map(admin, project, {"car": "vehicle"}) == {"map": {"car": "vehicle"}}
    assert ok(call(admin, "GET", path)) == {"map": {"car": "vehicle"}}
    rows = avp.psql("SELECT user_id, detail::text FROM audit_log WHERE action = 'class_map' "
                    "AND object_type = 'project' AND object_id = %d ORDER BY id" % project)
    assert len(rows) == 2 and all(int(u) == admin.user_id for u, _ in rows)
    last = json.loads(rows[1][1])
    assert last == {"before": cmap, "after": {"car": "vehicle"}}
    assert set_map(admin, project, {}) == {"map": {}}
    assert ok(call(admin, "GET", path)) == {"map": {}}


def test_bad_class_maps_are_400(avp, admin, project):
    path = "/api/projects/%d/class-map" % project
    set_map(admin, project, {"person": "pedestrian"})
    audits = avp.psql("SELECT count(*) FROM audit_log WHERE action = 'class_map'")
    many = {"c%d" % i: "x" for i in range(1001)}
    for body in ({}, {"map": []}, {"map": {"a": 1}}, {"map": {"a": ""}}, {"map": {"": "b"}},
                 {"map": {"a": "x" * 129}}, {"map": {"a": "b", "b": "c"}}, {"map": many},
                 {"map": {"a": "b"}, "extra": 1}, {"mapping": {"a": "b"}}):
        assert_error(call(admin, "PUT", path, json=body), 400)
    assert ok(call(admin, "GET", path)) == {"map": {"person": "pedestrian"}}
    assert avp.psql("SELECT count(*) FROM audit_log WHERE action = 'class_map'") == audits
    # The limits themselves are fine: 1000 entries, 128 characters, a -> a.
    del many["c0"]
    assert len(set_map(admin, project, many)["map"]) == 1000
    assert set_map(admin, project, {"é" * 128: "p", "p": "p"})["map"] == {"é" * 128: "p", "p": "p"}
    set_map(admin, project, {})


def test_class_map_access(avp, admin, dave, project):
    path = "/api/projects/%d/class-map" % project
    assert_error(call(api(avp), "GET", path), 401)
    assert_error(call(dave, "GET", path), 404)
    assert_error(call(dave, "PUT", path, json={"map": {}}), 404)
    assert_error(call(admin, "GET", "/api/projects/999999/class-map"), 404)
    ok(call(admin, "POST", "/api/projects/%d/members" % project,
            json={"username": "compare_dave", "role": "viewer"}), 201)
    try:
        assert ok(call(dave, "GET", path)) == {"map": {}}
        assert_error(call(dave, "PUT", path, json={"map": {"a": "b"}}), 403)
    finally:
        call(admin, "DELETE", "/api/projects/%d/members/%d" % (project, dave.user_id))
    assert ok(call(admin, "GET", path)) == {"map": {}}


# ---- per-frame outcomes --------------------------------------------------------


def test_not_evaluated(admin, runs):
    a, other = runs["a"]["id"], runs["other"]["id"]
    r = call(admin, "GET", "/api/runs/%d/evaluation/frames" % a)
    assert_error(r, 404)
    assert r.json()["error"]["code"] == "not_evaluated"
    r = call(admin, "GET", "/api/runs/%d/compare/%d" % (a, runs["b"]["id"]))
    assert_error(r, 409)
    assert r.json()["error"]["code"] == "not_evaluated"
    assert_error(call(admin, "GET", "/api/runs/999999/evaluation/frames"), 404)
    assert_error(call(admin, "GET", "/api/runs/%d/compare/999999" % other), 404)


def check_frames(admin, run, model, gt, cmap=None):
    ev = evaluate(admin, run["id"])
    got = frames_of(admin, run["id"])
    want = oracle_frames(run["dets"], model["class_names"], gt, run["frames_done"], 2, cmap)
    assert [{k: f[k] for k in ("frame", "tp", "fp", "fn")} for f in got] == want
    assert want, "no frame has any count"
    times = {d["frame"]: d["t"] for d in run["dets"]}
    times.update({b["frame"]: b["t"] for b in gt})
    assert all(f["t"] == pytest.approx(times[f["frame"]]) for f in got)
    overall = ev["results"]["overall"]
    for k in ("tp", "fp", "fn"):
        assert sum(f[k] for f in got) == overall[k], k
    assert ev["manifest"]["class_map"] == (cmap or {})
    return ev


def test_frames_match_the_oracle(admin, project, runs, uploaded_model, gt):
    set_map(admin, project, {})
    ev = check_frames(admin, runs["a"], uploaded_model, gt)
    o = ev["results"]["overall"]
    assert o["tp"] and o["fp"] and o["fn"], o  # the changes show
    check_frames(admin, runs["b"], uploaded_model, gt)


def test_compare_is_the_difference(admin, project, runs, uploaded_model, gt):
    set_map(admin, project, {})
    a, b = runs["a"]["id"], runs["b"]["id"]
    ea, eb = evaluate(admin, a), evaluate(admin, b)
    c = ok(call(admin, "GET", "/api/runs/%d/compare/%d" % (a, b)))
    # Hand-drawn ground truth: neither side is scored against its own output.
    assert c["a"] == {"run_id": a, "evaluation_id": ea["id"], "overall": ea["results"]["overall"],
                      "self_scored": False}
    assert c["b"] == {"run_id": b, "evaluation_id": eb["id"], "overall": eb["results"]["overall"],
                      "self_scored": False}
    oa, ob = ea["results"]["overall"], eb["results"]["overall"]
    for k in ("precision", "recall", "f1", "ap50", "ap75", "map"):
        assert c["delta"]["overall"][k] == pytest.approx(ob[k] - oa[k], abs=1e-12), k
    ca = {x["class"]: x for x in ea["results"]["classes"]}
    cb = {x["class"]: x for x in eb["results"]["classes"]}
    assert {d["class"] for d in c["delta"]["classes"]} == set(ca) | set(cb)
    for d in c["delta"]["classes"]:
        for k in ("precision", "recall", "f1", "ap50", "map"):
            x, y = ca.get(d["class"], {}).get(k), cb.get(d["class"], {}).get(k)
            if x is None or y is None or x < 0 or y < 0:
                assert d[k] is None, (d, k)
            else:
                assert d[k] == pytest.approx(y - x, abs=1e-12), (d, k)
    assert c["delta"]["overall"]["recall"] < 0  # conf .5 misses more
    fa = {f["frame"]: f for f in frames_of(admin, a)}
    fb = {f["frame"]: f for f in frames_of(admin, b)}
    zero = {"tp": 0, "fp": 0, "fn": 0}
    want = []
    for frame in sorted(set(fa) | set(fb)):
        x = {k: fa.get(frame, zero)[k] for k in zero}
        y = {k: fb.get(frame, zero)[k] for k in zero}
        if (x["fp"], x["fn"]) != (y["fp"], y["fn"]):
            want.append({"frame": frame, "a": x, "b": y})
    assert want, "the two runs differ on no frame"
    assert [{k: f[k] for k in ("frame", "a", "b")} for f in c["frames"]] == want
    assert c["frames_truncated"] is False
    # Swapped, every delta changes sign.
    back = ok(call(admin, "GET", "/api/runs/%d/compare/%d" % (b, a)))
    assert back["delta"]["overall"]["f1"] == pytest.approx(-c["delta"]["overall"]["f1"])


def test_class_map_changes_the_numbers(admin, project, runs, uploaded_model, gt):
    a = runs["a"]
    set_map(admin, project, {})
    plain = evaluate(admin, a["id"])["results"]
    cmap = {"person": "pedestrian"}
    set_map(admin, project, cmap)
    try:
        ev = check_frames(admin, a, uploaded_model, gt, cmap)
    finally:
        set_map(admin, project, {})
    res = ev["results"]
    assert [c["class"] for c in res["classes"]] == ["pedestrian"]
    person = next(c for c in plain["classes"] if c["class"] == "person")
    ped = res["classes"][0]
    # The boxes relabelled "pedestrian" were misses (and their detections
    # false positives) without the map; with it they are hits, and every
    # class but person is left out on both sides.
    assert any(b["class"] == "pedestrian" for b in gt)
    assert ped["num_det"] == person["num_det"]
    assert ped["tp"] > person["tp"] and ped["fp"] < person["fp"], (ped, person)
    others = sum(1 for d in a["dets"] if uploaded_model["class_names"][d["class_id"]] != "person")
    assert others, "the run saw only persons; the map would leave nothing out"
    assert ev["manifest"]["unmapped_detections"] == others
    assert res["num_det"] == len(a["dets"]) - others


def test_compare_needs_one_video(admin, runs, gt):
    other = runs["other"]["id"]
    # Its video needs ground truth of its own to be evaluated at all.
    post_box(admin, runs["other"]["video_id"], 0, 0.0, "person", [1, 1, 40, 90])
    evaluate(admin, other)
    r = call(admin, "GET", "/api/runs/%d/compare/%d" % (runs["a"]["id"], other))
    assert_error(r, 409)
    assert "video" in r.json()["error"]["message"]


def test_compare_access(avp, admin, dave, runs):
    path = "/api/runs/%d/compare/%d" % (runs["a"]["id"], runs["b"]["id"])
    assert_error(call(api(avp), "GET", path), 401)
    assert_error(call(dave, "GET", path), 404)
    assert_error(call(dave, "GET", "/api/runs/%d/evaluation/frames" % runs["a"]["id"]), 404)
