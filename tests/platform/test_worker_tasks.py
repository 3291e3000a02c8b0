"""The worker's side of the task protocol, end to end under `avp up`:
progress in the task row and in Redis, cancellation, retries that end in
failure with the error kept, and a graceful stop (SIGTERM) that hands the
task back without counting the attempt."""
import json
import os
import signal
import subprocess

from runs import (assert_same_detections, cancel, submit_run, task_row, upload_video,
                  wait_done, wait_mid_run, wait_task)


def latest_progress(avp, task_id):
    sock = os.path.join(avp.data_dir, "redis", "redis.sock")
    out = subprocess.run(["redis-cli", "-s", sock, "GET", "avp:progress:%d" % task_id],
                         capture_output=True, text=True, check=True).stdout.strip()
    return json.loads(out) if out else None


def test_done_run_reports_progress_and_fps(avp, clip, model, reference):
    run_id, task_id = submit_run(avp, clip, model)
    mid = wait_mid_run(avp, task_id)
    live = latest_progress(avp, task_id)
    assert live and live["state"] == "running" and 0 < live["progress"] < 1, live
    assert live["frames_total"] == mid["frames_total"] == 120
    done = wait_done(avp, task_id)
    assert done["frames_done"] == 120 and done["attempts"] == 1 and not done["error"]
    fps, progress = avp.psql("SELECT fps, progress FROM tasks WHERE id = %d" % task_id)[0]
    assert float(fps) > 0 and float(progress) == 1.0
    final = latest_progress(avp, task_id)
    assert final["state"] == "done" and final["progress"] == 1 and final["eta"] is not None
    assert_same_detections(avp, run_id, reference)


def test_cancel_stops_the_run(avp, clip, model):
    run_id, task_id = submit_run(avp, clip, model)
    wait_mid_run(avp, task_id)
    cancel(avp, task_id)
    t = wait_task(avp, task_id, lambda t: t["state"] != "running", 30, "not running")
    assert t["state"] == "cancelled" and t["frames_done"] < 120, t
    run = avp.psql("SELECT state, frames_done FROM detection_runs WHERE id = %d" % run_id)[0]
    assert run[0] == "cancelled" and int(run[1]) < 120
    assert latest_progress(avp, task_id)["state"] == "cancelled"


def test_failing_task_is_retried_then_failed_with_error(avp, clip, model):
    """The video's file vanishes from the data directory after upload."""
    video_id = upload_video(avp, clip, "vanishing.mp4")
    path = avp.psql("SELECT path FROM videos WHERE id = %d" % video_id)[0][0]
    os.unlink(path if path.startswith("/") else os.path.join(avp.data_dir, path))
    run_id, task_id = submit_run(avp, clip, model, video_id=video_id)
    t = wait_task(avp, task_id, lambda t: t["state"] == "failed", 90, "failed")
    assert t["attempts"] == 3, t  # max_attempts, with backoff between
    assert os.path.basename(path) in t["error"], t
    run = avp.psql("SELECT state FROM detection_runs WHERE id = %d" % run_id)[0]
    assert run[0] == "failed"


def test_sigterm_hands_the_task_back(avp, clip, model, reference):
    run_id, task_id = submit_run(avp, clip, model)
    worker = wait_mid_run(avp, task_id)["worker"]
    pid = avp.pid_of(worker)
    start = len(avp.log_lines())
    os.kill(pid, signal.SIGTERM)
    avp.wait_log(r"avp up: %s \(pid %d\) exited with code 0" % (worker, pid), start=start)
    avp.wait_log(r"\[%s\] worker %s: task %d handed back" % (worker, worker, task_id),
                 start=start)
    done = wait_done(avp, task_id)
    assert done["attempts"] == 1, done  # the interrupted attempt is not counted
    assert_same_detections(avp, run_id, reference)
    assert task_row(avp, task_id)["state"] == "done"
