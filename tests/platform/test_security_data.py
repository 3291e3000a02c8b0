"""What a logged-in user must not be able to do to data: destroy runs and
evaluations of a project they are not a member of by deleting a model
they uploaded (models are shared by every project), put ground truth on
frames a video does not have (a box far past the end costs every viewer's
YOLO export a file per frame up to it), ask for thumbnails of such frames,
or fill the disk with thumbnails."""
import os
import shutil
import subprocess

import pytest
from client import assert_error, call, new_user_session, ok, upload, wait_task

from conftest import serve

FRAMES = 120  # the clip's (conftest.py)
LONG_FRAMES = 240
FORMATS = ["avp", "coco", "cvat", "mot", "yolo", "voc"]
BOX = {"t": 0, "class": "car", "x1": 10, "y1": 20, "x2": 110, "y2": 220}


def new_project(s, name):
    return ok(call(s, "POST", "/api/projects", json={"name": name}), 201)["id"]


@pytest.fixture(scope="module")
def alice(avp):
    return new_user_session(avp, "alice-data", "alice-data-Pw1")


@pytest.fixture(scope="module")
def bob(avp):
    return new_user_session(avp, "bob-data", "bob-data-Pw1")


def run_model(s, video, model_id):
    """A done run of the model on the video (every 10th frame), evaluated."""
    body = ok(call(s, "POST", "/api/videos/%d/process" % video,
                   json={"model_id": model_id, "every": 10}), 202)
    assert wait_task(s, body["task_id"])["state"] == "done"
    ok(call(s, "POST", "/api/videos/%d/ground-truth" % video, json=dict(BOX, frame=0)), 201)
    ok(call(s, "POST", "/api/runs/%d/evaluate" % body["run_id"], json={}), 201)
    return body["run_id"]


# ---- a shared model ------------------------------------------------------


def test_a_model_in_use_is_not_deleted(avp, admin, alice, bob, model, clip):
    """Alice uploads a model; Bob uses it in his project, Alice in hers.
    Alice's delete answers 409 counting Bob's run without naming his
    project; his run and its evaluation are intact, and so is hers. Once
    no run uses it, it goes."""
    with open(model, "rb") as f:
        m = ok(call(alice, "POST", "/api/models", params={"name": "shared"}, data=f), 201)
    secret = "bob's secret project"
    bob_project = new_project(bob, secret)
    bob_video = upload(bob, bob_project, clip)
    bob_run = run_model(bob, bob_video, m["id"])
    alice_project = new_project(alice, "alice's own")
    alice_video = upload(alice, alice_project, clip)
    run_model(alice, alice_video, m["id"])

    r = call(alice, "DELETE", "/api/models/%d" % m["id"])
    assert_error(r, 409)
    e = r.json()["error"]
    assert e["runs"] == 2 and e["other_runs"] == 1 and e["other_projects"] == 1, e
    assert e["projects"] == [{"id": alice_project, "name": "alice's own", "runs": 1}], e
    assert "used by 2 runs" in e["message"] and "alice's own" in e["message"], e
    assert "1 in 1 project you are not a member of" in e["message"], e
    assert "secret" not in r.text, r.text

    # Nothing was deleted: the model, Bob's run, detections and evaluation.
    ok(call(alice, "GET", "/api/models/%d" % m["id"]))
    assert ok(call(bob, "GET", "/api/runs/%d" % bob_run))["state"] == "done"
    ok(call(bob, "GET", "/api/runs/%d/evaluation" % bob_run))
    assert avp.psql("SELECT count(*) FROM evaluations WHERE run_id = %d" % bob_run) == [["1"]]
    assert os.path.exists(os.path.join(avp.data_dir, avp.psql(
        "SELECT path FROM models WHERE id = %d" % m["id"])[0][0]))

    # An admin sees every project, and is refused all the same.
    e = call(admin, "DELETE", "/api/models/%d" % m["id"]).json()["error"]
    assert e["code"] == "conflict" and e["other_projects"] == 0, e
    assert sorted(p["name"] for p in e["projects"]) == ["alice's own", secret], e

    # PostgreSQL itself refuses the cascade now.
    assert avp.psql("SELECT confdeltype FROM pg_constraint WHERE conname = "
                    "'detection_runs_model_id_fkey'") == [["r"]]

    # A run goes with its video; then the model can go.
    assert call(alice, "DELETE", "/api/videos/%d" % alice_video).status_code == 204
    e = call(alice, "DELETE", "/api/models/%d" % m["id"]).json()["error"]
    assert e["runs"] == 1 and e["projects"] == [], e
    assert call(bob, "DELETE", "/api/videos/%d" % bob_video).status_code == 204
    assert call(alice, "DELETE", "/api/models/%d" % m["id"]).status_code == 204
    assert_error(call(alice, "GET", "/api/models/%d" % m["id"]), 404)


# ---- frames outside the video ---------------------------------------------


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory):
    """A 240-frame clip, twice the length of conftest's."""
    if not shutil.which("ffmpeg"):
        pytest.skip("needs ffmpeg")
    out = str(tmp_path_factory.mktemp("long") / "long.mp4")
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=size=640x480:rate=10", "-t", "24", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", out], check=True, timeout=120)
    os.chmod(os.path.dirname(out), 0o755)
    return out


@pytest.fixture(scope="module")
def videos(admin, clip, long_clip):
    """(the 120-frame clip, a 240-frame clip), in a project of their own."""
    p = new_project(admin, "security data frames")
    short, long_ = upload(admin, p, clip), upload(admin, p, long_clip)
    assert ok(call(admin, "GET", "/api/videos/%d" % short))["frame_count"] == FRAMES
    assert ok(call(admin, "GET", "/api/videos/%d" % long_))["frame_count"] == LONG_FRAMES
    return short, long_


def boxes_of(s, video):
    return ok(call(s, "GET", "/api/videos/%d/ground-truth" % video,
                   params={"limit": 200}))["items"]


def assert_frame_refused(r, frame, frames=FRAMES):
    assert_error(r, 400)
    msg = r.json()["error"]["message"]
    assert "frame %d" % frame in msg and "%d frames" % frames in msg, msg


def test_box_frames_outside_the_video_are_refused(admin, videos):
    short, _ = videos
    last = ok(call(admin, "POST", "/api/videos/%d/ground-truth" % short,
                   json=dict(BOX, frame=FRAMES - 1)), 201)
    for frame in (FRAMES, 50000, 2 ** 31 - 1):
        r = call(admin, "POST", "/api/videos/%d/ground-truth" % short, json=dict(BOX, frame=frame))
        assert_frame_refused(r, frame)
        r = call(admin, "PATCH", "/api/ground-truth/%d" % last["id"], json={"frame": frame})
        assert_frame_refused(r, frame)
    assert_error(call(admin, "POST", "/api/videos/%d/ground-truth" % short,
                      json=dict(BOX, frame=-1)), 400)
    assert [(b["id"], b["frame"]) for b in boxes_of(admin, short)] == [(last["id"], FRAMES - 1)]
    # Moving a box within the video still works.
    assert ok(call(admin, "PATCH", "/api/ground-truth/%d" % last["id"],
                   json={"frame": 3}))["frame"] == 3
    assert call(admin, "DELETE", "/api/ground-truth/%d" % last["id"]).status_code == 204


@pytest.fixture(scope="module")
def exports(admin, videos):
    """The 240-frame clip's ground truth, a box on frame 0 and one on frame
    200, exported in every format."""
    _, long_ = videos
    for frame in (0, 200):
        ok(call(admin, "POST", "/api/videos/%d/ground-truth" % long_,
                json=dict(BOX, frame=frame)), 201)
    out = {}
    for fmt in FORMATS:
        r = call(admin, "GET", "/api/videos/%d/ground-truth/export" % long_,
                 params={"format": fmt})
        assert r.status_code == 200, r.text
        out[fmt] = r.content
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_imports_with_frames_outside_the_video_are_refused(admin, videos, exports, fmt):
    """The 120-frame clip refuses each file whole; the 240-frame clip, whose
    export it is, takes it."""
    short, long_ = videos
    path = "/api/videos/%d/ground-truth/import"
    refused = call(admin, "POST", path % short, params={"format": fmt}, data=exports[fmt])
    assert_frame_refused(refused, 200)
    assert boxes_of(admin, short) == []
    taken = call(admin, "POST", path % long_, params={"format": fmt}, data=exports[fmt])
    assert taken.status_code == 201 and taken.json()["imported"] == 2, taken.text


def test_auto_ground_truth_outside_the_video_is_refused(avp, admin, clip, uploaded_model):
    """The frame count is the probe's (duration times rate where the
    container has none); when decoding finds frames past it, auto ground
    truth writes nothing and its task says why. The count is lowered in the
    database to stand for such an estimate."""
    video = upload(admin, new_project(admin, "security data auto"), clip)
    avp.psql("UPDATE videos SET frame_count = 60 WHERE id = %d" % video)
    body = ok(call(admin, "POST", "/api/videos/%d/auto-ground-truth" % video,
                   json={"model_id": uploaded_model["id"], "every": 2}), 202)
    st = wait_task(admin, body["task_id"])
    assert st["state"] == "failed", st
    assert "outside video %d, which has 60 frames" % video in st["error"], st
    assert boxes_of(admin, video) == []


# ---- thumbnails -------------------------------------------------------------


def thumbnail(url, s, video, frame):
    return s.get(url + "/api/videos/%d/thumbnail" % video, params={"frame": frame},
                 timeout=120)


def test_thumbnail_frames_outside_the_video_are_refused(avp, admin, videos):
    short, _ = videos
    r = thumbnail(avp.url, admin, short, FRAMES - 1)
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/jpeg", r.text
    for frame in (FRAMES, 10 ** 9):
        assert_frame_refused(thumbnail(avp.url, admin, short, frame), frame)
    assert not os.path.exists(os.path.join(avp.data_dir, "thumbs", "%d-%d.jpg" % (short, FRAMES)))


def test_thumbnail_cache_is_bounded(avp, admin, videos):
    """A server keeping 5 thumbnails: after 12 distinct frames the folder
    holds 5, the least recently used gone first (frame 0, used again, stays;
    frame 1 goes), and an evicted frame is simply made again."""
    short, _ = videos
    folder = os.path.join(avp.data_dir, "thumbs")

    def kept():
        return sorted(n for n in os.listdir(folder) if not n.startswith("."))

    with serve(avp, AVP_THUMB_CACHE="5") as url:
        for frame in range(12):
            assert thumbnail(url, admin, short, frame).status_code == 200
            assert thumbnail(url, admin, short, 0).status_code == 200
            assert len(kept()) <= 5, kept()
        assert "%d-0.jpg" % short in kept() and "%d-11.jpg" % short in kept(), kept()
        assert "%d-1.jpg" % short not in kept(), kept()
        r = thumbnail(url, admin, short, 1)
        assert r.status_code == 200 and r.content[:2] == b"\xff\xd8", r.text
        assert len(kept()) == 5, kept()
