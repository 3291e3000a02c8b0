"""Fault tolerance of the running platform (`avp up` with two workers):
a worker killed with SIGKILL mid-run, Redis restarted mid-run and
PostgreSQL restarted mid-run must each end with exactly the detections of
an uninterrupted run (the same clip through `avp detect`); an exhausted
database pool must answer 503 rather than hang; a second `avp up` on the
same data directory must say that one runs already."""
import hashlib
import json
import os
import signal
import subprocess
import threading
import time

import pytest
import requests

from conftest import PG_BIN

CONF, IOU = 0.25, 0.45


@pytest.fixture(scope="module")
def reference(avp, clip, model, tmp_path_factory):
    """Detections of the clip by `avp detect`, per frame, sorted."""
    out = str(tmp_path_factory.mktemp("ref") / "ref.jsonl")
    subprocess.run([os.environ["AVP_BIN"], "detect", "--model", model, "--conf", str(CONF),
                    "--iou", str(IOU), clip, "-o", out],
                   check=True, capture_output=True, timeout=300)
    rows = []
    with open(out) as f:
        for line in f:
            d = json.loads(line)
            rows.append((d["frame"], d["class"], d["score"], *d["box"]))
    assert rows, "the reference run found nothing; the comparison would be empty"
    return sorted(rows)


def stored(avp, run_id):
    rows = avp.psql("SELECT frame, class_id, score, x1, y1, x2, y2 FROM detections "
                    "WHERE run_id = %d" % run_id)
    return sorted((int(r[0]), int(r[1]), *map(float, r[2:])) for r in rows)


def assert_same_detections(avp, run_id, reference):
    got = stored(avp, run_id)
    assert len(got) == len(reference), "stored %d detections, reference %d" % (
        len(got), len(reference))
    for g, r in zip(got, reference):
        assert g[:2] == r[:2], (g, r)
        # JSONL prints scores with 5 decimals and boxes with 2.
        assert abs(g[2] - r[2]) < 1e-4 and all(abs(a - b) < 0.011 for a, b in zip(g[3:], r[3:])), (g, r)
    frames = avp.psql("SELECT frames_done, detections_count, state FROM detection_runs "
                      "WHERE id = %d" % run_id)[0]
    assert frames[2] == "done" and int(frames[1]) == len(reference)


_ids = {}


def submit_run(avp, clip, model):
    """A detect run of clip with model, queued as POST /process would: one
    transaction inserts the run and its task. The API's upload and process
    endpoints are the api helper's; until a test needs them, rows are
    inserted directly and the workers' reconciler enqueues the task."""
    if "project" not in _ids:
        sha = hashlib.sha256(open(model, "rb").read()).hexdigest()
        _ids["project"] = int(avp.psql(
            "INSERT INTO projects (name) VALUES ('faults') RETURNING id")[0][0])
        _ids["video"] = int(avp.psql(
            "INSERT INTO videos (project_id, filename, path, status) VALUES "
            "(%d, 'clip.mp4', '%s', 'ready') RETURNING id" % (_ids["project"], clip))[0][0])
        _ids["model"] = int(avp.psql(
            "INSERT INTO models (name, path, sha256, family, input_w, input_h, num_classes) "
            "VALUES ('yolox_nano', '%s', '%s', 'yolox', 416, 416, 80) RETURNING id"
            % (model, sha))[0][0])
    row = avp.psql(
        "WITH r AS (INSERT INTO detection_runs (video_id, model_id, conf, iou) "
        "VALUES (%d, %d, %g, %g) RETURNING id) "
        "INSERT INTO tasks (kind, payload, run_id, updated_at) "
        "SELECT 'detect', jsonb_build_object('run_id', id), id, now() - interval '1 hour' "
        "FROM r RETURNING run_id, id" % (_ids["video"], _ids["model"], CONF, IOU))[0]
    return int(row[0]), int(row[1])


def task_row(avp, task_id):
    r = avp.psql("SELECT state, frames_done, coalesce(frames_total, 0), coalesce(worker, ''), "
                 "attempts, coalesce(error, '') FROM tasks WHERE id = %d" % task_id)[0]
    return {"state": r[0], "frames_done": int(r[1]), "frames_total": int(r[2]),
            "worker": r[3], "attempts": int(r[4]), "error": r[5]}


def wait_task(avp, task_id, pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            t = task_row(avp, task_id)
            if pred(t):
                return t
        except subprocess.CalledProcessError:
            pass  # the database is restarting
        time.sleep(0.2)
    raise AssertionError("task %d: %s not reached in %d s: %s" % (
        task_id, what, timeout, task_row(avp, task_id)))


def wait_mid_run(avp, task_id):
    return wait_task(avp, task_id, lambda t: t["state"] == "running" and
                     8 <= t["frames_done"] < t["frames_total"] - 30, 120, "mid-run")


def wait_done(avp, task_id, timeout=180):
    t = wait_task(avp, task_id, lambda t: t["state"] in ("done", "failed", "cancelled"),
                  timeout, "an end state")
    assert t["state"] == "done", t
    return t


def test_worker_killed_mid_run_is_restarted_and_run_is_exact(avp, clip, model, reference):
    run_id, task_id = submit_run(avp, clip, model)
    t = wait_mid_run(avp, task_id)
    worker = t["worker"]
    pid = avp.pid_of(worker)
    start = len(avp.log_lines())
    os.kill(pid, signal.SIGKILL)
    avp.wait_log(r"avp up: %s \(pid %d\) killed by signal 9 .*restart #\d+ in \d+ s"
                 % (worker, pid), start=start)
    avp.wait_log(r"avp up: %s restarted \(pid \d+\)" % worker, start=start)
    done = wait_done(avp, task_id)
    assert done["attempts"] == 2, done  # the killed attempt and the one that finished
    assert_same_detections(avp, run_id, reference)


def redis_ping(sock):
    r = subprocess.run(["redis-cli", "-s", sock, "ping"], capture_output=True, text=True)
    return r.stdout.strip() == "PONG"


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_redis_restart_mid_run(avp, clip, model, reference):
    rdir = os.path.join(avp.data_dir, "redis")
    run_id, task_id = submit_run(avp, clip, model)
    wait_mid_run(avp, task_id)
    pid = int(open(os.path.join(rdir, "redis.pid")).read())
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 10
    while not gone(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert gone(pid)
    if avp.api_up:  # the API answers while Redis is down
        assert requests.get(avp.url + "/healthz", timeout=5).status_code == 200
        assert avp.session().get(avp.url + "/api/auth/me", timeout=5).status_code == 200
    time.sleep(2)
    subprocess.run(["redis-server", os.path.join(rdir, "redis.conf")], check=True)
    deadline = time.time() + 10
    while not redis_ping(os.path.join(rdir, "redis.sock")):
        assert time.time() < deadline, "redis did not come back"
        time.sleep(0.1)
    wait_done(avp, task_id)
    assert_same_detections(avp, run_id, reference)
    if avp.api_up:
        assert requests.get(avp.url + "/readyz", timeout=5).status_code == 200


def pg_ctl(avp, *args):
    cmd = [PG_BIN + "/pg_ctl", "-D", os.path.join(avp.data_dir, "pg", "data")] + list(args)
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "avp", "--"] + cmd
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)


def test_postgres_restart_mid_run_pool_recovers(avp, clip, model, reference):
    run_id, task_id = submit_run(avp, clip, model)
    wait_mid_run(avp, task_id)
    log = os.path.join(avp.data_dir, "pg", "log", "postgres.log")
    pg_ctl(avp, "-m", "fast", "-w", "-t", "60", "-l", log, "restart")
    wait_done(avp, task_id)
    assert_same_detections(avp, run_id, reference)
    if avp.api_up:  # the server's pool reconnects by itself
        deadline = time.time() + 20
        while requests.get(avp.url + "/readyz", timeout=5).status_code != 200:
            assert time.time() < deadline, "readyz stayed failing after the restart"
            time.sleep(0.3)
        assert avp.session().get(avp.url + "/api/auth/me", timeout=5).status_code == 200


def test_exhausted_pool_answers_503_not_hang(avp):
    """AVP_DB_POOL_MAX is 3: with the sessions table locked, requests that
    authenticate hold their connections inside PostgreSQL, and the ones that
    find no free connection must get 503 + Retry-After, not wait forever."""
    s = avp.session()
    locker = subprocess.Popen(
        [PG_BIN + "/psql", "-X", "-q", "-t", "-A", "-h", os.path.join(avp.data_dir, "pg", "run"),
         "-p", "5432", "-U", "avp", "-d", "avp"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    locker.stdin.write("BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
    locker.stdin.flush()
    assert locker.stdout.readline().strip() == "locked"
    results = []

    def call():
        t0 = time.time()
        try:
            r = s.get(avp.url + "/api/auth/me", timeout=40)
            results.append((r.status_code, r.headers.get("Retry-After"), time.time() - t0))
        except requests.RequestException as e:
            results.append((repr(e), None, time.time() - t0))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(12)  # longer than the pool's acquire timeout
    locker.stdin.write("ROLLBACK;\n")
    locker.stdin.close()
    locker.wait(timeout=10)
    for t in threads:
        t.join(timeout=60)
    codes = [r[0] for r in results]
    assert len(results) == 8 and set(codes) <= {200, 503}, results
    busy = [r for r in results if r[0] == 503]
    assert busy, "no request was refused while the pool was exhausted: %s" % results
    assert all(r[1] for r in busy), "503 without Retry-After: %s" % results
    assert all(r[2] < 12 for r in busy), "a 503 came only after the lock went: %s" % results
    assert s.get(avp.url + "/api/auth/me", timeout=5).status_code == 200


def test_second_up_on_same_data_dir_says_running(avp):
    r = subprocess.run([os.environ["AVP_BIN"], "up", "--data", avp.data_dir, "--port", "1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "already running" in r.stderr and avp.url in r.stderr, r.stderr
    assert avp.proc.poll() is None
