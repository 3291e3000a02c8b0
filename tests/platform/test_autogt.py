"""Black-box tests of auto ground truth, ground-truth export and the track
edits through the HTTP API of the real system (`avp up`, conftest.py):

- POST /api/videos/{id}/auto-ground-truth over ../shared/media/photos_720p.mp4
  with the real YOLOX-Nano: progress over WS to done, then the video's
  model-made boxes are exactly the run's detections (count, frames, classes,
  corners), linked into tracks, with one audit record; a second one
  replaces them (and their tracks) and leaves human and imported boxes be;
  a worker killed mid-run leaves a task that ends with the boxes once.
- GET /api/videos/{id}/ground-truth/export in every format, round-tripped
  through the import endpoint (file formats) or `avp gt convert` (the tar
  of YOLO and VOC).
- GET /api/runs/{id}/detections.coco.json against the run's NDJSON.
- POST /api/tracks/merge and /api/tracks/{id}/split.
- Bad format 400, non-members 404."""
import io
import json
import os
import signal
import struct
import subprocess
import tarfile
import time

import pytest
from client import assert_error, call, new_user_session, upload, wait_task, ws_connect

websocket = pytest.importorskip("websocket")  # python3-websocket


def shared_video():
    shared = os.environ.get("AVP_SHARED_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared")
    path = os.path.join(shared, "media", "photos_720p.mp4")
    if not os.path.exists(path):
        pytest.skip("../shared/media/photos_720p.mp4 is absent")
    return path


def all_boxes(s, video_id):
    items, cursor = [], None
    while True:
        params = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        r = call(s, "GET", "/api/videos/%d/ground-truth" % video_id, params=params)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def all_tracks(s, video_id):
    items, cursor = [], None
    while True:
        params = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        r = call(s, "GET", "/api/videos/%d/tracks" % video_id, params=params)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            return items


def run_detections(s, run_id):
    r = call(s, "GET", "/api/runs/%d/detections.ndjson" % run_id)
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line]


def start_auto_gt(s, video_id, model_id, **kw):
    r = call(s, "POST", "/api/videos/%d/auto-ground-truth" % video_id,
             json=dict(model_id=model_id, **kw))
    assert r.status_code == 202, r.text
    assert set(r.json()) == {"task_id", "run_id"}, r.json()
    return r.json()["task_id"], r.json()["run_id"]


def f32(v):
    """Both sides hold float32 values; their JSON texts differ in digits."""
    return struct.unpack("f", struct.pack("f", v))[0]


def box_key(b):
    return (b["frame"], b["class"], f32(b["x1"]), f32(b["y1"]), f32(b["x2"]), f32(b["y2"]))


def det_key(d, names):
    return (d["frame"], names[d["class_id"]], f32(d["x1"]), f32(d["y1"]), f32(d["x2"]),
            f32(d["y2"]))


def assert_model_gt_is_run(s, video_id, run_id, names):
    """The video's model-made boxes are the run's detections, in tracks of
    one class each, and the tracks are real rows."""
    model = [b for b in all_boxes(s, video_id) if b["source"] == "model"]
    dets = run_detections(s, run_id)
    assert dets, "the reference run found nothing; the test would be empty"
    assert sorted(box_key(b) for b in model) == sorted(det_key(d, names) for d in dets)
    assert all(b["track_id"] is not None for b in model)
    classes = {}
    for b in model:
        classes.setdefault(b["track_id"], set()).add(b["class"])
    assert all(len(c) == 1 for c in classes.values()), classes
    # Linked: the photos stay 60 frames each, so tracks hold many boxes.
    assert len(classes) < len(model) / 3, (len(classes), len(model))
    return model


# ---- fixtures --------------------------------------------------------------

@pytest.fixture(scope="module")
def dave(avp, admin):
    return new_user_session(avp, "dave", "dave-password-1")


@pytest.fixture(scope="module")
def video(admin, project):
    return upload(admin, project, shared_video())


HUMAN = {"frame": 3, "t": 0.1, "class": "cyclist", "x1": 10, "y1": 20, "x2": 110, "y2": 220}
IMPORTED = {"images": [{"id": 5, "file_name": "frame_000005.jpg", "width": 1280,
                        "height": 720}],
            "annotations": [{"id": 1, "image_id": 5, "category_id": 1,
                             "bbox": [50, 60, 70, 80], "area": 5600, "iscrowd": 0}],
            "categories": [{"id": 1, "name": "pedestrian"}]}


@pytest.fixture(scope="module")
def auto_gt(avp, admin, video, uploaded_model):
    """A human box, an imported box, then auto ground truth (every 3rd
    frame) watched over WS until done."""
    r = call(admin, "POST", "/api/videos/%d/ground-truth" % video, json=HUMAN)
    assert r.status_code == 201, r.text
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % video,
             params={"format": "coco"}, data=json.dumps(IMPORTED))
    assert r.status_code == 201 and r.json()["imported"] == 1, r.text
    task_id, run_id = start_auto_gt(admin, video, uploaded_model["id"], every=3)
    ws = ws_connect(admin, avp.url.replace("http", "ws") + "/ws/progress/%d" % task_id,
                    timeout=300)
    states = []
    try:
        while not states or states[-1]["state"] not in ("done", "failed", "cancelled"):
            states.append(json.loads(ws.recv()))
    finally:
        ws.close()
    st = wait_task(admin, task_id)
    assert st["state"] == "done", st
    return {"task_id": task_id, "run_id": run_id, "states": states}


# ---- auto ground truth -------------------------------------------------------

def test_auto_gt_boxes_are_the_runs_detections(avp, admin, video, uploaded_model, auto_gt):
    states = auto_gt["states"]
    assert states[-1]["state"] == "done" and states[-1]["progress"] == 1, states[-1]
    assert all(m["task_id"] == auto_gt["task_id"] for m in states)
    # Progress counts the frames looked at: 240 frames, every 3rd.
    assert states[-1]["frames_done"] == states[-1]["frames_total"] == 80, states[-1]
    # A watcher arriving before the worker's first tick is greeted from the
    # task row, where the total is still unknown (null).
    running = [m for m in states if m["state"] == "running" and m["frames_total"] is not None]
    assert running and all(m["frames_done"] <= m["frames_total"] == 80 for m in running), states
    run = call(admin, "GET", "/api/runs/%d" % auto_gt["run_id"]).json()
    assert run["state"] == "done" and run["every"] == 3 and run["kind"] == "auto_gt", run
    model_boxes = assert_model_gt_is_run(admin, video, auto_gt["run_id"],
                                         uploaded_model["class_names"])
    assert run["detections_count"] == len(model_boxes)
    others = sorted(b["source"] for b in all_boxes(admin, video) if b["source"] != "model")
    assert others == ["human", "import"]
    audit = avp.psql("SELECT detail::text FROM audit_log WHERE action = 'auto_ground_truth' "
                     "AND object_type = 'video' AND object_id = %d" % video)
    assert len(audit) == 1, audit
    detail = json.loads(audit[0][0])
    assert detail["run_id"] == auto_gt["run_id"] and detail["boxes"] == len(model_boxes)
    # GET /api/videos/{id}/tracks: the tracks, whose extent is their boxes'.
    tracks = all_tracks(admin, video)
    by_track = {}
    for b in model_boxes:
        by_track.setdefault(b["track_id"], []).append(b)
    assert sorted(t["id"] for t in tracks) == sorted(by_track)
    for t in tracks:
        bs = by_track[t["id"]]
        assert (t["first_frame"], t["last_frame"], t["class"], t["boxes"]) == (
            min(b["frame"] for b in bs), max(b["frame"] for b in bs), bs[0]["class"], len(bs))


def test_replace_keeps_human_and_imported_boxes(avp, admin, video, uploaded_model, auto_gt):
    old_tracks = {b["track_id"] for b in all_boxes(admin, video) if b["source"] == "model"}
    task_id, run_id = start_auto_gt(admin, video, uploaded_model["id"], every=5, conf=0.4)
    assert wait_task(admin, task_id)["state"] == "done"
    model_boxes = assert_model_gt_is_run(admin, video, run_id, uploaded_model["class_names"])
    assert not old_tracks & {b["track_id"] for b in model_boxes}
    left = avp.psql("SELECT count(*) FROM tracks WHERE id IN (%s)"
                    % ",".join(str(t) for t in old_tracks))
    assert left == [["0"]], "the replaced boxes' tracks are deleted"
    others = sorted((b["source"], b["class"]) for b in all_boxes(admin, video)
                    if b["source"] != "model")
    assert others == [("human", "cyclist"), ("import", "pedestrian")]

    # replace false adds beside what is there.
    before = len(model_boxes)
    task_id, run_id2 = start_auto_gt(admin, video, uploaded_model["id"], every=20, replace=False)
    assert wait_task(admin, task_id)["state"] == "done"
    added = len(run_detections(admin, run_id2))
    assert added > 0
    model_now = [b for b in all_boxes(admin, video) if b["source"] == "model"]
    assert len(model_now) == before + added


def test_killed_worker_leaves_the_boxes_once(avp, admin, project, uploaded_model, clip):
    """A worker killed (SIGKILL) mid-run: the other worker reclaims the task,
    resumes it and converts it once."""
    video = upload(admin, project, clip)
    task_id, run_id = start_auto_gt(admin, video, uploaded_model["id"])
    deadline = time.time() + 120
    while time.time() < deadline:
        row = avp.psql("SELECT state, frames_done, coalesce(worker, '') FROM tasks "
                       "WHERE id = %d" % task_id)[0]
        if row[0] != "queued" and row[2] and int(row[1]) >= 8:
            break
        time.sleep(0.05)
    assert row[0] == "running", row
    os.kill(avp.pid_of(row[2]), signal.SIGKILL)
    assert wait_task(admin, task_id, timeout=300)["state"] == "done"
    boxes = assert_model_gt_is_run(admin, video, run_id, uploaded_model["class_names"])
    assert len(boxes) == len(run_detections(admin, run_id))
    assert avp.psql("SELECT count(*) FROM audit_log WHERE action = 'auto_ground_truth' "
                    "AND object_id = %d" % video) == [["1"]]


# ---- detections as COCO results -------------------------------------------------

def test_run_detections_as_coco_results(admin, auto_gt):
    r = call(admin, "GET", "/api/runs/%d/detections.coco.json" % auto_gt["run_id"])
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    got = r.json()
    dets = run_detections(admin, auto_gt["run_id"])
    assert len(got) == len(dets)
    for c, d in zip(got, dets):
        assert set(c) == {"image_id", "category_id", "bbox", "score"}
        assert (c["image_id"], c["category_id"], c["score"]) == (d["frame"], d["class_id"],
                                                                  d["score"])
        want = [d["x1"], d["y1"], d["x2"] - d["x1"], d["y2"] - d["y1"]]
        assert all(abs(a - b) < 1e-3 for a, b in zip(c["bbox"], want)), (c, d)


# ---- export ------------------------------------------------------------------

def gt_of(s, video_id, classes=None):
    """The video's boxes; classes renames them (MOT's numbers)."""
    classes = classes or {}
    return sorted((b["frame"], classes.get(b["class"], b["class"]), round(b["x1"], 1),
                   round(b["y1"], 1), round(b["x2"], 1), round(b["y2"], 1), b["occluded"])
                  for b in all_boxes(s, video_id))


def avp_json(boxes):
    """An AVP ground-truth file (src/gt/fmt_avp.c) of boxes (frame, class,
    x, y, w, h, track), one of them occluded (a flag every file format
    carries)."""
    return json.dumps({"format": "avp-gt", "version": 1,
                       "video": {"width": 640, "height": 480, "fps": 10, "num_frames": 120},
                       "labels": sorted({b[1] for b in boxes}),
                       "boxes": [{"frame": f, "t": f / 10, "label": c, "box": [x, y, w, h],
                                  "score": 1, "occluded": f == 9, "source": "import",
                                  "track_id": t} for f, c, x, y, w, h, t in boxes]})


BOXES = [(0, "car", 10, 20, 30, 40, 1), (1, "car", 12, 21, 30, 40, 1),
         (1, "person", 100, 50, 20, 60, 2), (7, "person", 104, 52, 20, 60, 2),
         (9, "person", 300.5, 200.5, 41, 81, -1)]


@pytest.fixture(scope="module")
def export_video(admin, project, clip):
    """A clip whose ground truth is BOXES, imported as AVP JSON."""
    video = upload(admin, project, clip)
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % video,
             params={"format": "avp"}, data=avp_json(BOXES))
    assert r.status_code == 201, r.text
    return video


def test_avp_import_is_what_was_sent(admin, export_video):
    got = [(b[0], b[1], b[2], b[3], b[4] - b[2], b[5] - b[3]) for b in gt_of(admin, export_video)]
    assert got == sorted((f, c, x, y, w, h) for f, c, x, y, w, h, _ in BOXES)


@pytest.mark.parametrize("fmt", ["avp", "coco", "cvat", "mot"])
def test_file_export_round_trips_through_import(admin, project, clip, export_video, fmt):
    r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % export_video,
             params={"format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    other = upload(admin, project, clip)
    r2 = call(admin, "POST", "/api/videos/%d/ground-truth/import" % other,
              params={"format": fmt}, data=r.content)
    assert r2.status_code == 201, r2.text
    assert r2.json()["imported"] == len(BOXES)
    # MOTChallenge has class numbers: 1-based in order of first appearance.
    classes = {"car": "1", "person": "2"} if fmt == "mot" else None
    assert gt_of(admin, other) == gt_of(admin, export_video, classes)
    again = call(admin, "GET", "/api/videos/%d/ground-truth/export" % other,
                 params={"format": fmt})
    assert again.status_code == 200
    if fmt != "avp":  # AVP JSON keeps the source, which import changed
        assert again.content == r.content


def mot_ids(body):
    """(frame, track id, x) of each row of a MOTChallenge export."""
    rows = [line.split(",") for line in body.decode().splitlines()]
    return sorted((int(r[0]) - 1, int(r[1]), float(r[2])) for r in rows)


def test_export_writes_file_track_ids_and_numbers_avp_tracks_past_them(
        admin, project, clip):
    video = upload(admin, project, clip)
    # Track 5 on frames 0-3, track 0 on frames 2-5 (ids as the file gave).
    mot = "".join("%d,%d,%d,20,30,40,1,1,1\n" % (f + 1, tid, x0 + 5 * f)
                  for tid, x0, frames in ((5, 10, range(0, 4)), (0, 200, range(2, 6)))
                  for f in frames)
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % video,
             params={"format": "mot"}, data=mot)
    assert r.status_code == 201, r.text
    five = [k for k, frames in tracks_of(admin, video).items() if sorted(frames) == [0, 1, 2, 3]]
    r = call(admin, "POST", "/api/tracks/%d/split" % five[0], json={"frame": 2})
    assert r.status_code == 200, r.text
    made = r.json()["new_track"]["id"]  # made in AVP: no file id
    out = call(admin, "GET", "/api/videos/%d/ground-truth/export" % video,
               params={"format": "mot"})
    assert out.status_code == 200, out.text
    expect = sorted([(f, 5, 10 + 5 * f) for f in (0, 1)] +
                    [(f, made + 5, 10 + 5 * f) for f in (2, 3)] +
                    [(f, 0, 200 + 5 * f) for f in range(2, 6)])
    assert mot_ids(out.content) == expect
    other = upload(admin, project, clip)
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % other,
             params={"format": "mot"}, data=out.content)
    assert r.status_code == 201, r.text
    again = call(admin, "GET", "/api/videos/%d/ground-truth/export" % other,
                 params={"format": "mot"})
    assert again.content == out.content
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % other,
             params={"format": "avp"}, data=avp_json([(0, "car", 1, 1, 5, 5, 2**60)]))
    assert_error(r, 400)
    assert "track id" in r.json()["error"]["message"], r.text


@pytest.mark.parametrize("fmt", ["yolo", "voc"])
def test_per_frame_export_is_a_tar_avp_gt_convert_reads(admin, export_video, fmt, tmp_path):
    r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % export_video,
             params={"format": fmt})
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/x-tar"
    assert r.headers["Content-Disposition"].endswith('.tar"')
    with tarfile.open(fileobj=io.BytesIO(r.content), format=tarfile.USTAR_FORMAT) as t:
        names = t.getnames()
        t.extractall(tmp_path)
    ext = ".txt" if fmt == "yolo" else ".xml"
    assert names == ["classes.txt"] + ["%s/frame_%06d%s" % (fmt, f, ext) for f in range(120)]
    out = tmp_path / "back.json"
    subprocess.run([os.environ["AVP_BIN"], "gt", "convert", "--from", fmt, "--to", "avp",
                    str(tmp_path / fmt), str(out), "--names", str(tmp_path / "classes.txt"),
                    "--width", "640", "--height", "480", "--fps", "10"],
                   check=True, capture_output=True, timeout=60)
    back = json.loads(out.read_text())
    got = sorted((b["frame"], b["label"], *[round(v, 1) for v in b["box"]])
                 for b in back["boxes"])
    assert got == sorted((f, c, float(x), float(y), float(w), float(h))
                         for f, c, x, y, w, h, _ in BOXES)


@pytest.mark.parametrize("fmt", ["yolo", "voc"])
def test_per_frame_export_round_trips_through_import(admin, project, clip, export_video, fmt):
    r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % export_video,
             params={"format": fmt})
    assert r.status_code == 200, r.text
    other = upload(admin, project, clip)
    r2 = call(admin, "POST", "/api/videos/%d/ground-truth/import" % other,
              params={"format": fmt}, data=r.content)
    assert r2.status_code == 201, r2.text
    assert r2.json()["imported"] == len(BOXES)

    def plain(boxes):  # YOLO carries no flags
        return [b[:6] + ((b[6] if fmt == "voc" else None),) for b in boxes]
    assert plain(gt_of(admin, other)) == plain(gt_of(admin, export_video))
    again = call(admin, "GET", "/api/videos/%d/ground-truth/export" % other,
                 params={"format": fmt})
    assert again.status_code == 200
    files = []
    for body in (r.content, again.content):
        with tarfile.open(fileobj=io.BytesIO(body)) as t:
            files.append({m.name: t.extractfile(m).read() for m in t.getmembers()})
    assert files[0] == files[1]


def test_bad_tar_imports_nothing(avp, admin, export_video):
    def tar_of(entries):
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
            for name, data in entries:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        return out.getvalue()
    frame = b"0 0.5 0.5 0.1 0.1\n"
    before = gt_of(admin, export_video)
    cases = [
        (tar_of([("classes.txt", b"car\n"), ("../frame_000001.txt", frame)]), "not allowed"),
        # Hidden files (a Mac's ._ files) are not frames: nothing is left.
        (tar_of([("classes.txt", b"car\n"), (".hidden", frame)]), "found 0"),
        (tar_of([("yolo/frame_000001.txt", frame)]), "class names"),
        (tar_of([("classes.txt", b"car\n"), ("yolo/frame_000001.txt", b"7 0.5 0.5 0.1 0.1\n")]),
         "frame_000001.txt"),
        (tar_of([("classes.txt", b"car\n"), ("a/frame_000001.txt", frame),
                 ("a/frame_000001.txt", frame)]), "twice"),
        (tar_of([("classes.txt", b"car\n"), ("a/frame_000001.txt", frame),
                 ("b/frame_000001.txt", frame)]), "found 2: a, b"),
        (b"not a tar archive" * 40, "archive"),
        (tar_of([("classes.txt", b"car\n")])[:700], "Truncated"),
    ]
    for body, words in cases:
        r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % export_video,
                 params={"format": "yolo"}, data=body)
        assert_error(r, 400)
        assert words in r.json()["error"]["message"], (words, r.text)
        assert avp.data_dir not in r.text, r.text
    assert gt_of(admin, export_video) == before
    left = [n for n in os.listdir(os.path.join(avp.data_dir, "videos")) if n.startswith(".")]
    assert left == [], left


def test_export_refuses_bad_format_and_strangers(admin, dave, export_video, auto_gt):
    for bad in ({"format": "xls"}, {}, {"format": "coco", "x": "1"}):
        assert_error(call(admin, "GET", "/api/videos/%d/ground-truth/export" % export_video,
                          params=bad), 400)
    assert_error(call(dave, "GET", "/api/videos/%d/ground-truth/export" % export_video,
                      params={"format": "coco"}), 404)
    assert_error(call(dave, "GET", "/api/runs/%d/detections.coco.json" % auto_gt["run_id"]), 404)
    assert_error(call(dave, "GET", "/api/videos/%d/tracks" % export_video), 404)
    assert_error(call(dave, "POST", "/api/videos/%d/auto-ground-truth" % export_video,
                      json={"model_id": 1}), 404)
    assert_error(call(admin, "POST", "/api/videos/%d/auto-ground-truth" % export_video,
                      json={"model_id": 1, "colour": 1}), 400)
    assert_error(call(admin, "GET", "/api/videos/999999/ground-truth/export",
                      params={"format": "coco"}), 404)


# ---- track edits ---------------------------------------------------------------

def tracks_of(s, video_id):
    out = {}
    for b in all_boxes(s, video_id):
        if b["track_id"] is not None:
            out.setdefault(b["track_id"], []).append(b["frame"])
    return out


def test_merge_and_split_tracks(avp, admin, dave, video, auto_gt):
    tracks = tracks_of(admin, video)
    same_class = {}
    for b in all_boxes(admin, video):
        if b["track_id"] is not None:
            same_class.setdefault(b["class"], set()).add(b["track_id"])
    cls, ids = max(same_class.items(), key=lambda kv: len(kv[1]))
    assert len(ids) >= 2, same_class
    into, frm = sorted(ids)[:2]
    n_into, n_from = len(tracks[into]), len(tracks[frm])

    assert_error(call(dave, "POST", "/api/tracks/merge", json={"into": into, "from": [frm]}), 404)
    assert_error(call(admin, "POST", "/api/tracks/merge", json={"into": into, "from": []}), 400)
    assert_error(call(admin, "POST", "/api/tracks/merge", json={"into": into, "from": [into]}), 400)
    assert_error(call(admin, "POST", "/api/tracks/merge",
                      json={"into": into, "from": [frm], "x": 1}), 400)
    r = call(admin, "POST", "/api/tracks/merge", json={"into": into, "from": [frm]})
    assert r.status_code == 200, r.text
    merged = r.json()
    assert merged["id"] == into and merged["boxes"] == n_into + n_from, merged
    frames = sorted(tracks[into] + tracks[frm])
    assert (merged["first_frame"], merged["last_frame"]) == (frames[0], frames[-1])
    now = tracks_of(admin, video)
    assert frm not in now and sorted(now[into]) == frames
    assert avp.psql("SELECT count(*) FROM tracks WHERE id = %d" % frm) == [["0"]]

    cut = frames[len(frames) // 2]
    while cut == frames[0]:
        cut += 1
    r = call(admin, "POST", "/api/tracks/%d/split" % into, json={"frame": cut})
    assert r.status_code == 200, r.text
    new = r.json()["new_track"]
    now = tracks_of(admin, video)
    assert sorted(now[new["id"]]) == [f for f in frames if f >= cut]
    assert sorted(now[into]) == [f for f in frames if f < cut]
    assert r.json()["track"]["last_frame"] < cut <= new["first_frame"]
    assert_error(call(admin, "POST", "/api/tracks/%d/split" % into, json={"frame": 0}), 400)
    assert_error(call(admin, "POST", "/api/tracks/999999/split", json={"frame": 1}), 404)
    actions = avp.psql("SELECT action FROM audit_log WHERE object_type = 'track' "
                       "AND object_id = %d ORDER BY id" % into)
    assert actions == [["merge"], ["split"]]
