"""Fault tolerance of the running platform (`avp up` with two workers):
a worker killed with SIGKILL mid-run, Redis restarted mid-run and
PostgreSQL restarted mid-run must each end with exactly the detections of
an uninterrupted run (the same clip through `avp detect`); an exhausted
database pool must answer 503 rather than hang."""
import os
import signal
import subprocess
import threading
import time

import requests

from conftest import PG_BIN
from runs import assert_same_detections, submit_run, wait_done, wait_mid_run


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
    avp.start_redis()
    deadline = time.time() + 10
    while not avp.redis_ping():
        assert time.time() < deadline, "redis did not come back"
        time.sleep(0.1)
    wait_done(avp, task_id)
    assert_same_detections(avp, run_id, reference)
    if avp.api_up:
        assert requests.get(avp.url + "/readyz", timeout=5).status_code == 200


def test_postgres_restart_mid_run_pool_recovers(avp, clip, model, reference):
    run_id, task_id = submit_run(avp, clip, model)
    wait_mid_run(avp, task_id)
    log = os.path.join(avp.data_dir, "pg", "log", "postgres.log")
    avp.pg_ctl("-m", "fast", "-w", "-t", "60", "-l", log, "restart")
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
