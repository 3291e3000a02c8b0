"""Black-box tests of what a video's stored ground truth keeps of a COCO
file and how a stored evaluation (POST /api/runs/{id}/evaluate) scores
it (issue 14), through the HTTP API of the real system (conftest.py):

- a frame set that is not evenly spaced (a video COCO file's frame_id 0,
  2, 6, 8 and 5) is imported, stored (migrations/0020), exported and
  evaluated on exactly those frames;
- a frame set holding only negative frames (no box at all) is evaluated
  (every detection there a false positive), while a set none of whose
  frames the run looked at is refused (409 no_ground_truth);
- iscrowd and an area other than w * h are stored with each box
  (migrations/0021) and exported back, and the stored evaluation gives
  the 12 numbers of tests/oracle/cocoeval_ref.py (pycocotools' COCOeval
  in numpy) on the original file, to 1e-12."""
import json
import os
import struct
import subprocess

import pytest
from client import all_boxes, assert_error, call, ok, upload, wait_task

EVERY = 2
ORACLE = os.path.join(os.environ.get("AVP_SOURCE_DIR", "."), "tests", "oracle", "cocoeval_ref.py")


@pytest.fixture(scope="module")
def run(avp, admin, project, clip, uploaded_model):
    """A finished run over every 2nd frame of a video of its own, and its
    detections."""
    video = upload(admin, project, clip)
    body = ok(call(admin, "POST", "/api/videos/%d/process" % video,
                   json={"model_id": uploaded_model["id"], "every": EVERY,
                         "preprocess": "fast"}), 202)
    assert wait_task(admin, body["task_id"])["state"] == "done"
    r = call(admin, "GET", "/api/runs/%d/detections.ndjson" % body["run_id"])
    dets = [json.loads(line) for line in r.text.splitlines() if line]
    assert dets, "the run found nothing; the evaluation would be empty"
    names = uploaded_model["class_names"]
    for d in dets:
        d["name"] = names[d["class_id"]]
        # The NDJSON prints the stored 32-bit floats to 9 digits, which
        # name them but are not their values: these are.
        for k in ("x1", "y1", "x2", "y2", "score"):
            d[k] = struct.unpack("f", struct.pack("f", d[k]))[0]
    return {"id": body["run_id"], "video": video, "dets": dets}


def import_coco(admin, video, gt, status=201):
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % video,
             params={"format": "coco"}, data=json.dumps(gt))
    assert r.status_code == status, r.text
    return r.json()


def evaluate(admin, run, **body):
    return ok(call(admin, "POST", "/api/runs/%d/evaluate" % run["id"], json=body), 201)


def reset(avp, video):
    avp.psql("DELETE FROM ground_truth_objects WHERE video_id = %d; UPDATE videos SET "
             "gt_frames = NULL, gt_frame_list = NULL WHERE id = %d" % (video, video))


def oracle(tmp_path, gt, dets, image_of, thr=0.25):
    """cocoeval_ref.py on gt and the run's detections on its images."""
    cats = {c["name"]: c["id"] for c in gt["categories"]}
    pred = [{"image_id": image_of[d["frame"]], "category_id": cats[d["name"]], "score": d["score"],
             "bbox": [d["x1"], d["y1"], d["x2"] - d["x1"], d["y2"] - d["y1"]]}
            for d in dets if d["frame"] in image_of]
    (tmp_path / "gt.json").write_text(json.dumps(gt))
    (tmp_path / "pred.json").write_text(json.dumps(pred))
    out = subprocess.run([os.environ.get("AVP_PYTHON", "/usr/bin/python3"), ORACLE,
                          str(tmp_path / "gt.json"), str(tmp_path / "pred.json"), str(thr)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def categories(run):
    """Every class the run detected, with ids that are neither contiguous
    nor in order (COCO's ids are the file's own)."""
    names = sorted({d["name"] for d in run["dets"]})
    return [{"id": 90 - 3 * i, "name": n} for i, n in enumerate(names)]


def test_uneven_frame_set(avp, admin, run, tmp_path):
    """Frames 0, 2, 5, 6, 8 (5 one the run skipped, 2 and 6 without
    boxes): imported as they are, stored as a list, exported back, and
    evaluated on 0, 2, 6 and 8 only."""
    reset(avp, run["video"])
    frames, boxed = [0, 2, 5, 6, 8], {0, 8}
    cats = categories(run)
    cat = {c["name"]: c["id"] for c in cats}
    anns = [{"id": i + 1, "image_id": 500 + d["frame"], "category_id": cat[d["name"]],
             "iscrowd": 0, "bbox": [round(d["x1"]) + 2, round(d["y1"]),
                                    round(d["x2"] - d["x1"]), round(d["y2"] - d["y1"])]}
            for i, d in enumerate(run["dets"]) if d["frame"] in boxed and d["score"] >= 0.4]
    assert anns, "no confident detection on frames 0 and 8 to make ground truth from"
    for a in anns:
        a["area"] = a["bbox"][2] * a["bbox"][3]
    gt = {"images": [{"id": 500 + f, "frame_id": f, "file_name": "%06d.jpg" % f,
                      "width": 640, "height": 480} for f in frames],
          "annotations": anns, "categories": cats}
    report = import_coco(admin, run["video"], gt)["report"]
    assert report["frames"] == 5 and report["boxes"] == len(anns), report
    row = avp.psql("SELECT gt_frames::text, gt_frame_list::text FROM videos WHERE id = %d"
                   % run["video"])[0]
    assert json.loads(row[0]) == {"first": 0, "last": 8} and row[1] == "{0,2,5,6,8}", row

    r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % run["video"],
             params={"format": "coco"})
    assert r.status_code == 200, r.text
    assert [im["frame_id"] for im in r.json()["images"]] == frames

    ev = evaluate(admin, run)
    man, res = ev["manifest"], ev["results"]
    assert man["gt_frames"] == {"first": 0, "last": 8, "list": frames}, man["gt_frames"]
    assert man["frames"] == 4  # 0, 2, 6, 8: the set's frames the run looked at
    off = [d for d in run["dets"] if d["frame"] not in frames]
    assert off and man["detections_off_gt_frames"] == len(off)
    looked = {f: 500 + f for f in frames if f % EVERY == 0}
    ref = oracle(tmp_path, dict(gt, images=[{"id": i} for i in looked.values()]),
                 run["dets"], looked)
    assert max(abs(a - b) for a, b in zip(res["coco_stats"], ref["coco_stats"])) <= 1e-12


def test_negative_frames_only(avp, admin, run):
    """A set of frames that hold nothing: evaluated, every detection on
    them a false positive; a set of frames the run never looked at (odd
    ones, the run took every 2nd): refused."""
    reset(avp, run["video"])
    frames = [10, 12, 14]
    gt = {"images": [{"id": f, "frame_id": f, "file_name": "%d.jpg" % f} for f in frames],
          "annotations": [], "categories": categories(run)}
    assert import_coco(admin, run["video"], gt)["imported"] == 0
    assert all_boxes(admin, run["video"]) == []
    ev = evaluate(admin, run, score_threshold=0.25)
    on = [d for d in run["dets"] if d["frame"] in frames and d["score"] >= 0.25]
    assert on, "no detection on the negative frames: the test would prove nothing"
    res = ev["results"]
    assert res["num_gt"] == 0 and ev["manifest"]["frames"] == len(frames)
    assert res["overall"]["tp"] == 0 and res["overall"]["fp"] == len(on)
    assert res["coco_stats"] == [-1.0] * 12

    reset(avp, run["video"])
    import_coco(admin, run["video"], dict(gt, images=[{"id": 1, "frame_id": 11}]))
    r = call(admin, "POST", "/api/runs/%d/evaluate" % run["id"], json={})
    assert_error(r, 409)
    assert r.json()["error"]["code"] == "no_ground_truth"


def test_crowd_and_area_match_pycocotools(avp, admin, run, tmp_path):
    """COCO ground truth with crowd regions and areas other than w * h on
    the run's frames 0-8: each box keeps both in the database and in the
    export, and the stored evaluation's 12 numbers are the oracle's on the
    original file."""
    reset(avp, run["video"])
    frames = [0, 2, 4, 6, 8]
    cats = categories(run)
    cat = {c["name"]: c["id"] for c in cats}
    anns = []
    for d in run["dets"]:
        if d["frame"] not in frames or d["score"] < 0.3:
            continue
        k = len(anns)
        x, y = round(d["x1"]) + k % 3, round(d["y1"])
        w, h = round(d["x2"] - d["x1"]), round(d["y2"] - d["y1"])
        a = {"id": 7000 - k, "image_id": 300 + 11 * d["frame"], "category_id": cat[d["name"]],
             "bbox": [x, y, w, h], "iscrowd": int(k % 4 == 1),
             # A segment's area: smaller than its box, across the 32^2 and
             # 96^2 bounds for some.
             "area": w * h * (0.3 if k % 3 == 0 else 1.0)}
        if a["iscrowd"]:  # a crowd region covers more than one object
            a["bbox"] = [max(0, x - 20), max(0, y - 20), w + 40, h + 40]
        anns.append(a)
    assert sum(a["iscrowd"] for a in anns) >= 1 and len(anns) >= 4, anns
    gt = {"images": [{"id": 300 + 11 * f, "frame_id": f, "file_name": "%d.jpg" % f,
                      "width": 640, "height": 480} for f in frames],
          "annotations": anns, "categories": cats}
    import_coco(admin, run["video"], gt)
    stored = avp.psql("SELECT count(*) FILTER (WHERE crowd), count(area) FROM "
                      "ground_truth_objects WHERE video_id = %d" % run["video"])[0]
    own_area = [a for a in anns if a["area"] != a["bbox"][2] * a["bbox"][3]]
    assert own_area and stored == [str(sum(a["iscrowd"] for a in anns)), str(len(own_area))]

    r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % run["video"],
             params={"format": "coco"})
    assert r.status_code == 200, r.text
    # Image ids are not stored (a frame is): compared by frame.
    frame_of = {im["id"]: im["frame_id"] for im in r.json()["images"]}
    back = sorted((frame_of[a["image_id"]], a["bbox"], a["iscrowd"], a["area"])
                  for a in r.json()["annotations"])
    assert back == sorted(((a["image_id"] - 300) // 11, a["bbox"], a["iscrowd"], a["area"])
                          for a in anns)

    ev = evaluate(admin, run, score_threshold=0.25)
    ref = oracle(tmp_path, gt, run["dets"], {f: 300 + 11 * f for f in frames})
    got = ev["results"]["coco_stats"]
    assert len(got) == 12 and max(abs(a - b) for a, b in zip(got, ref["coco_stats"])) <= 1e-12, \
        (got, ref["coco_stats"])
    # The crowd regions and areas matter: scored as plain boxes, the
    # numbers move.
    plain = dict(gt, annotations=[dict(a, iscrowd=0, area=a["bbox"][2] * a["bbox"][3])
                                  for a in anns])
    moved = oracle(tmp_path, plain, run["dets"], {f: 300 + 11 * f for f in frames})
    assert max(abs(a - b) for a, b in zip(got, moved["coco_stats"])) > 1e-3


def differences(a, b, path="", tol=1e-12):
    """The paths where two JSON values differ (reals by more than tol:
    the two sides sum the same terms, not always in the same order), with
    both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            yield from differences(a.get(k), b.get(k), path + "." + k, tol)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, "%s[%d]" % (path, i), tol)
    elif isinstance(a, float) and isinstance(b, float):
        if not abs(a - b) <= tol:
            yield path, a, b
    elif a != b or type(a) is not type(b):
        yield path, a, b


def cvat_video(run, step=2, last=118):
    """CVAT for video 1.1 as its XML format documentation describes it: a
    task over frames 0..last taking every `step`-th, a track per
    confident detection of each photo's first frame (the clip shows each
    photo for 10 frames), drifting a pixel a frame and closed by an
    outside="1" box, the way CVAT ends a track."""
    names = sorted({d["name"] for d in run["dets"]})
    tracks, tid = [], 0
    for start in range(0, last + 1, 10):
        for d in run["dets"]:
            if d["frame"] != start or d["score"] < 0.5:
                continue
            x, y = round(d["x1"]), round(d["y1"])
            w, h = round(d["x2"] - d["x1"]), round(d["y2"] - d["y1"])
            boxes = []
            for f in range(start, min(start + 10, last + 1), step):
                k = f - start
                boxes.append('<box frame="%d" outside="0" occluded="0" keyframe="1" xtl="%d" '
                             'ytl="%d" xbr="%d" ybr="%d" z_order="0"></box>'
                             % (f, x + k, y, x + k + w, y + h))
            if start + 10 <= last:
                boxes.append('<box frame="%d" outside="1" occluded="0" keyframe="1" xtl="%d" '
                             'ytl="%d" xbr="%d" ybr="%d" z_order="0"></box>'
                             % (start + 10, x, y, x + w, y + h))
            tracks.append('<track id="%d" label="%s" source="manual">%s</track>'
                          % (tid, d["name"], "".join(boxes)))
            tid += 1
    labels = "".join("<label><name>%s</name><color>#ff0000</color><type>rectangle</type>"
                     "<attributes></attributes></label>" % n for n in names)
    return ('<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version><meta>'
            '<task><id>3</id><name>clip</name><size>%d</size><mode>interpolation</mode>'
            '<overlap>5</overlap><start_frame>0</start_frame><stop_frame>%d</stop_frame>'
            '<frame_filter>step=%d</frame_filter><labels>%s</labels><original_size>'
            '<width>640</width><height>480</height></original_size></task></meta>%s'
            '</annotations>' % (last // step + 1, last, step, labels, "".join(tracks)), tid)


def test_tracking_equals_avp_eval_track(avp, admin, run, tmp_path):
    """{"tracking": true}: HOTA, CLEAR MOT and IDF1 of the run's detections,
    linked as `avp eval track --link` links them, against the tracks of a
    CVAT for video file, stored with the evaluation; equal to `avp eval
    track --json` on the exported ground truth and the run's detections.
    Ground truth without tracks is refused with a 409 naming it."""
    reset(avp, run["video"])
    xml, ntracks = cvat_video(run)
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % run["video"],
             params={"format": "cvat"}, data=xml)
    assert r.status_code == 201 and r.json()["report"]["tracks"] == ntracks >= 3, r.text
    ev = evaluate(admin, run, tracking=True)
    got = ev["results"]["tracking"]
    stored = ok(call(admin, "GET", "/api/runs/%d/evaluation" % run["id"]))
    assert stored["results"]["tracking"] == got

    r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % run["video"],
             params={"format": "avp"})
    assert r.status_code == 200, r.text
    (tmp_path / "gt.json").write_text(r.text)
    names = sorted({d["name"] for d in run["dets"]})
    res = {"format": "avp-gt", "version": 1, "labels": names,
           "boxes": [{"frame": d["frame"], "t": d["t"], "label": d["name"], "score": d["score"],
                      "source": "model", "box": [d["x1"], d["y1"], d["x2"] - d["x1"],
                                                 d["y2"] - d["y1"]]} for d in run["dets"]]}
    (tmp_path / "res.json").write_text(json.dumps(res))
    out = subprocess.run([os.environ["AVP_BIN"], "eval", "track", str(tmp_path / "gt.json"),
                          str(tmp_path / "res.json"), "--link", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    cli = json.loads(out.stdout)
    assert not list(differences(got, cli)), list(differences(got, cli))
    seq = got["sequence"]
    assert seq["frames"] == 60 and seq["gt_ids"] == ntracks and 0 < got["HOTA"]["HOTA"] < 1, got
    assert seq["tracker_dets_off_gt_frames"] == 0 and got["Identity"]["IDTP"] > 0, got

    reset(avp, run["video"])
    import_coco(admin, run["video"], {"images": [{"id": 1, "frame_id": 0}], "categories": [
        {"id": 1, "name": "person"}], "annotations": [
        {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 50, 50], "iscrowd": 0}]})
    r = call(admin, "POST", "/api/runs/%d/evaluate" % run["id"], json={"tracking": True})
    assert_error(r, 409)
    assert r.json()["error"]["code"] == "untracked_ground_truth"
    assert "track" in r.json()["error"]["message"]
