"""Redis failover under a running platform (docs/DEPLOY.md): AVP_REDIS_URL
is redis-sentinel://... naming three sentinels that watch a master and its
replica. With tasks queued and one running, the master is killed
(SIGKILL); the sentinels promote the replica and AVP must follow: every
queued task runs exactly once (one attempt each in the database, the
detections of an uninterrupted run) and a progress WebSocket, reconnected
when the server closes it, keeps delivering until the task is done. The
time until the sentinels name the new master is printed (run with -s)."""
import json
import os
import shutil
import signal
import threading
import time

import pytest

from client import admin_session, ws_connect
from runs import assert_same_detections, submit_run, wait_done, wait_mid_run
from topology import RedisSentinels, pg_script, platform, workdir

websocket = pytest.importorskip("websocket")  # python3-websocket

TASKS = 4


@pytest.fixture(scope="session")
def avp():
    root = workdir("avp-rs-")
    redis = None
    try:
        pg_url = pg_script("start", os.path.join(root, "pg"))
        redis = RedisSentinels(os.path.join(root, "redis"))
        with platform(root, pg_url, redis.url) as up:
            up.redis = redis
            yield up
    finally:
        if redis:
            redis.stop()
        pg_script("stop", os.path.join(root, "pg"))
        shutil.rmtree(root, ignore_errors=True)


class Watcher:
    """Reads a task's progress WebSocket from a thread, connecting again
    whenever it closes before the task is done."""

    def __init__(self, session, url):
        self.session, self.url = session, url
        self.msgs, self.connects = [], 0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        deadline = time.time() + 600
        while time.time() < deadline:
            try:
                ws = ws_connect(self.session, self.url, timeout=60)
                self.connects += 1
                while True:
                    text = ws.recv()
                    if not text:
                        break
                    m = json.loads(text)
                    self.msgs.append((time.time(), m))
                    if m.get("state") == "done":
                        return
            except (websocket.WebSocketException, OSError, ValueError):
                time.sleep(0.2)


def test_master_killed_mid_queue_every_task_runs_once(avp, clip, model, reference):
    tasks = [submit_run(avp, clip, model) for _ in range(TASKS)]
    run_id, task_id = tasks[0]
    wait_mid_run(avp, task_id)
    queued = [t for _, t in tasks if avp.psql("SELECT state FROM tasks WHERE id = %d" % t)[0][0]
              == "queued"]
    assert queued, "every task had started: nothing was queued when the master died"
    watcher = Watcher(admin_session(avp), avp.url.replace("http", "ws") + "/ws/progress/%d" % task_id)
    deadline = time.time() + 30
    while not watcher.msgs:
        assert time.time() < deadline, "no progress message before the failover"
        time.sleep(0.1)

    old = avp.redis.master()
    t_kill = time.time()
    avp.redis.procs["master"].send_signal(signal.SIGKILL)
    while avp.redis.master() == old:
        assert time.time() < t_kill + 60, "the sentinels did not promote the replica"
        time.sleep(0.1)
    t_promoted = time.time()

    for rid, tid in tasks:
        wait_done(avp, tid, timeout=600)
        assert_same_detections(avp, rid, reference)
    attempts = {int(t): int(a) for t, a in avp.psql(
        "SELECT id, attempts FROM tasks WHERE id IN (%s)" % ",".join(str(t) for _, t in tasks))}
    assert set(attempts.values()) == {1}, attempts

    watcher.thread.join(timeout=60)
    after = [m for t, m in watcher.msgs if t > t_promoted]
    assert after and after[-1]["state"] == "done", watcher.msgs[-5:]
    print("\nRedis failover: the sentinels named the new master %.2f s after the kill; %d task(s) "
          "were queued; the progress WebSocket connected %d time(s), %d messages after it"
          % (t_promoted - t_kill, len(queued), watcher.connects, len(after)))
