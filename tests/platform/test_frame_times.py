"""A video's frame times through the platform (issue 17): a run that
decodes every frame of a variable-frame-rate clip records each frame's
presentation time, which GET /api/videos/{id}/frame-times serves as
little-endian float64 seconds, equal to ffprobe's frame times; 204 before
any run and after a sampled one (it never saw every frame); 304 for the
ETag; 404 JSON for another user's video and for an unknown id."""
import struct
import subprocess

import pytest
from client import assert_error, call, new_user_session, upload, wait_task


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", *args], check=True,
                   timeout=300)


@pytest.fixture(scope="module")
def vfr(tmp_path_factory):
    """20 frames, every third one 40 ms late (web/e2e/frames.mjs's clip)."""
    d = tmp_path_factory.mktemp("vfr")
    src, out = str(d / "src.mp4"), str(d / "vfr.mp4")
    ffmpeg("-loop", "1", "-i", "/usr/share/darknet/data/dog.jpg", "-vf",
           "scale=320:240,format=yuv420p", "-r", "10", "-frames:v", "20",
           "-c:v", "libx264", "-preset", "ultrafast", src)
    ffmpeg("-i", src, "-vf", "setpts='(N*0.1+0.04*eq(mod(N,3),1))/TB'",
           "-fps_mode", "passthrough", "-enc_time_base", "1/1000",
           "-c:v", "libx264", "-preset", "ultrafast", out)
    d.chmod(0o755)
    return out


def ffprobe(path, entries):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         entries, "-of", "csv=p=0", path], check=True, capture_output=True,
        text=True, timeout=60).stdout
    return [float(v) for v in out.replace(",", " ").split()]


def process(s, video, model_id, every):
    r = call(s, "POST", "/api/videos/%d/process" % video,
             json={"model_id": model_id, "every": every})
    assert r.status_code == 202, r.text
    t = wait_task(s, r.json()["task_id"], timeout=600)
    assert t["state"] == "done", t


def frame_times(r):
    assert r.status_code == 200, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/octet-stream"
    assert len(r.content) % 8 == 0
    return [v for (v,) in struct.iter_unpack("<d", r.content)]


def test_a_whole_run_records_every_frame_time(avp, admin, project, uploaded_model, vfr):
    video = upload(admin, project, vfr)
    path = "/api/videos/%d/frame-times" % video
    r = call(admin, "GET", path)
    assert r.status_code == 204 and not r.content, (r.status_code, r.text)
    process(admin, video, uploaded_model["id"], 1)
    r = call(admin, "GET", path)
    got = frame_times(r)
    want = [k * 0.1 + (0.04 if k % 3 == 1 else 0) for k in range(20)]
    assert len(got) == 20
    assert got == pytest.approx(want, abs=1e-9)
    # The reference: ffprobe's frame times (its stream starts at 0 here,
    # so they are AVP's t, relative to the start).
    assert ffprobe(vfr, "stream=start_time") == [0]
    assert got == pytest.approx(ffprobe(vfr, "frame=best_effort_timestamp_time"), abs=1e-6)
    assert "no-cache" in r.headers["Cache-Control"]
    etag = r.headers["ETag"]
    r = call(admin, "GET", path, headers={"If-None-Match": etag})
    assert r.status_code == 304 and not r.content, r.status_code
    # Another run of the video keeps the same times.
    process(admin, video, uploaded_model["id"], 1)
    assert frame_times(call(admin, "GET", path)) == got


def test_a_sampled_run_records_none(avp, admin, project, uploaded_model, vfr):
    video = upload(admin, project, vfr)
    process(admin, video, uploaded_model["id"], 2)
    r = call(admin, "GET", "/api/videos/%d/frame-times" % video)
    assert r.status_code == 204, (r.status_code, r.text)


def test_other_users_and_unknown_videos_are_not_found(avp, admin, project, vfr):
    video = upload(admin, project, vfr)
    stranger = new_user_session(avp, "stranger_ft", "stranger-password-1")
    assert_error(call(stranger, "GET", "/api/videos/%d/frame-times" % video), 404)
    assert_error(call(admin, "GET", "/api/videos/999999/frame-times"), 404)
    r = call(admin, "GET", "/api/videos/0/frame-times")
    assert 400 <= r.status_code < 500 and r.json()["error"]["message"], r.text
