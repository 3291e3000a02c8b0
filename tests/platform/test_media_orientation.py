"""A phone's portrait clip through the platform (issue 17): stored turned,
with a display matrix that turns it back. AVP must take it as displayed:
the upload's probe (size, stored size, rotation), the thumbnail and
`avp detect`'s boxes, the last compared with an upright lossless twin of
the same picture, which must give the very same detections. Also a clip
cut short: its run goes on to the damage and says what it lost."""
import json
import os
import subprocess

import pytest
import runs
from client import call

cv2 = pytest.importorskip("cv2")  # python3-opencv, to read the thumbnail


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True,
                   timeout=300)


@pytest.fixture(scope="module")
def twins(clip, tmp_path_factory):
    """(upright, turned): the clip re-encoded losslessly, and the same
    pixels stored turned clockwise with ffmpeg's rotate=90 (90 degrees
    counterclockwise for display: what ffmpeg's own player applies)."""
    d = tmp_path_factory.mktemp("orient")
    up, stored, turned = (str(d / n) for n in ("up.mp4", "stored.mp4", "turned.mp4"))
    lossless = ["-c:v", "libx264", "-preset", "ultrafast", "-qp", "0"]
    ffmpeg("-i", clip, *lossless, up)
    ffmpeg("-i", up, "-vf", "transpose=clock", *lossless, stored)
    ffmpeg("-i", stored, "-c", "copy", "-metadata:s:v", "rotate=90", turned)
    os.chmod(str(d), 0o755)
    return up, turned


def test_upload_probes_the_displayed_size(admin, project, twins):
    _, turned = twins
    with open(turned, "rb") as f:
        r = call(admin, "POST", "/api/projects/%d/videos" % project,
                 params={"filename": "portrait.mp4"}, data=f)
    assert r.status_code == 201, r.text
    v = r.json()
    assert (v["width"], v["height"]) == (640, 480), v
    assert (v["stored_width"], v["stored_height"]) == (480, 640), v
    assert (v["rotation"], v["mirrored"]) == (270, False), v
    r = call(admin, "GET", "/api/videos/%d" % v["id"])
    assert r.status_code == 200 and r.json()["rotation"] == 270, r.text
    r = call(admin, "GET", "/api/videos/%d/thumbnail" % v["id"])
    assert r.status_code == 200, r.text
    img = cv2.imdecode(__import__("numpy").frombuffer(r.content, "uint8"),
                       cv2.IMREAD_COLOR)
    assert img.shape[:2] == (240, 320)  # landscape, as displayed


def detections(model, path, out):
    subprocess.run([os.environ["AVP_BIN"], "detect", "--model", model,
                    "--every", "10", path, "-o", out],
                   check=True, capture_output=True, timeout=300)
    with open(out) as f:
        return [json.loads(line) for line in f]


def test_detect_boxes_match_the_upright_twin(model, twins, tmp_path):
    up, turned = twins
    want = detections(model, up, str(tmp_path / "up.jsonl"))
    got = detections(model, turned, str(tmp_path / "turned.jsonl"))
    assert want, "no detections on the upright clip: the comparison would be empty"
    assert got == want


def test_damaged_video_run_says_what_it_lost(avp, model, tmp_path):
    full, cut = str(tmp_path / "full.mp4"), str(tmp_path / "cut.mp4")
    ffmpeg("-loop", "1", "-i", "/usr/share/darknet/data/kite.jpg", "-vf",
           "scale=320:240,format=yuv420p", "-frames:v", "20", "-r", "10",
           "-c:v", "libx264", "-preset", "ultrafast", "-g", "5",
           "-movflags", "+faststart", full)
    with open(full, "rb") as f, open(cut, "wb") as g:
        data = f.read()
        g.write(data[:len(data) * 2 // 3])  # the index survives, frames do not
    os.chmod(str(tmp_path), 0o755)
    run_id, task_id = runs.submit_run(avp, None, model, runs.upload_video(avp, cut))
    done = runs.wait_done(avp, task_id, timeout=600)  # minutes under ASan
    r = runs._call(avp, "GET", "/api/runs/%d" % run_id)
    assert r.status_code == 200, r.text
    damage = r.json()["damage"]
    assert damage and damage["message"], r.text
    # The index lists all 20 frames: the lost ones are those never decoded.
    assert damage["frames_lost"] > 0 and damage["frames_lost"] + done["frames_done"] == 20, (damage, done)
    clean_run, clean_task = runs.submit_run(avp, None, model, runs.upload_video(avp, full))
    runs.wait_done(avp, clean_task, timeout=600)
    assert runs._call(avp, "GET", "/api/runs/%d" % clean_run).json()["damage"] is None
