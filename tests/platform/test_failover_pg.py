"""PostgreSQL failover under a running platform (docs/DEPLOY.md): the
database URL names a primary and its streaming replica with
target_session_attrs=read-write; mid-run the primary is stopped and the
replica promoted (pg_ctl promote). The run must end with exactly the
detections of an uninterrupted run (nothing lost, nothing stored twice),
its progress mark on the last frame, and the API must answer 503 with a
JSON body while no server accepts writes and nothing but 200 before and
after. The outage is printed (run with -s to see it)."""
import os
import shutil
import threading
import time

import pytest
import requests

from runs import assert_same_detections, submit_run, wait_done, wait_mid_run
from topology import PgPair, platform, redis_private, workdir


@pytest.fixture(scope="session")
def avp():
    root = workdir("avp-fo-")
    pg = None
    try:
        pg = PgPair(os.path.join(root, "pg"))
        with platform(root, pg.url, redis_private(root)) as up:
            up.pg = pg
            yield up
    finally:
        if pg:
            pg.stop()
        redis_private(root, "stop")
        shutil.rmtree(root, ignore_errors=True)


class Probe:
    """GET path every 50 ms from a thread: (time, status, JSON or None)."""

    def __init__(self, session, url):
        self.session, self.url, self.seen = session, url, []
        self.quit = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.quit:
            t = time.time()
            try:
                r = self.session.get(self.url, timeout=10)
                try:
                    body = r.json()
                except ValueError:
                    body = None
                self.seen.append((t, r.status_code, body))
            except requests.RequestException as e:
                self.seen.append((t, repr(e), None))
            time.sleep(0.05)

    def first_ok_after(self, t0, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for t, status, _ in list(self.seen):
                if t >= t0 and status == 200:
                    return t
            time.sleep(0.05)
        raise AssertionError("the API did not answer 200 again within %d s" % timeout)

    def stop(self):
        self.quit = True
        self.thread.join(timeout=30)


def test_replica_promoted_mid_run_loses_and_repeats_nothing(avp, clip, model, reference):
    run_id, task_id = submit_run(avp, clip, model)
    wait_mid_run(avp, task_id)
    probe = Probe(avp.session(), avp.url + "/api/runs/%d" % run_id)
    time.sleep(0.5)
    t_stop = time.time()
    avp.pg.pg_ctl(avp.pg.a, "-m", "fast", "-w", "-t", "60", "stop")
    t_promote = time.time()
    avp.pg.pg_ctl(avp.pg.b, "-w", "-t", "60", "promote")
    t_promoted = time.time()
    t_back = probe.first_ok_after(t_promoted)
    time.sleep(1)
    probe.stop()

    done = wait_done(avp, task_id, timeout=300)
    assert_same_detections(avp, run_id, reference)
    frames = int(avp.psql("SELECT frame_count FROM videos v JOIN detection_runs r ON "
                          "r.video_id = v.id WHERE r.id = %d" % run_id)[0][0])
    mark = int(avp.psql("SELECT frames_done FROM detection_runs WHERE id = %d" % run_id)[0][0])
    assert mark == frames and done["frames_done"] == frames, (mark, frames, done)

    statuses = [(t, s, b) for t, s, b in probe.seen]
    assert {s for _, s, _ in statuses} <= {200, 503}, statuses
    for t, s, b in statuses:
        if s == 503:
            assert b and b.get("error"), "a 503 without a JSON error body: %r" % (b,)
            assert t_stop <= t <= t_back, "503 outside the switch (%.2f..%.2f): %.2f" % (
                t_stop, t_back, t)
    assert any(s == 200 for t, s, _ in statuses if t < t_stop), statuses[:5]
    unavailable = [t for t, s, _ in statuses if s == 503]
    print("\nPostgreSQL failover: stop %.2f s, promote %.2f s, API back %.2f s after the "
          "stop (%d answers 503, last %.2f s after the stop); run done, %d attempt(s)"
          % (t_promote - t_stop, t_promoted - t_promote, t_back - t_stop, len(unavailable),
             (unavailable[-1] - t_stop) if unavailable else 0, done["attempts"]))
