"""What a hostile file, a broken database or a stranger with a browser must
not get from the processes of `avp up`: root (every child runs as the
system user avp), other local users' eyes on the data (0600 files, 0700
folders), an unbounded or networked decoder (children under limits and a
seccomp filter), PostgreSQL's words in a reply (a request id instead), and
/metrics or the Web Vitals collector without a credential."""
import os
import pwd
import re
import stat
import subprocess
import threading
import time

import pytest
import requests
from client import METRICS_TOKEN, api, assert_error, call, new_user_session, upload

from conftest import free_port, serve


@pytest.fixture(scope="module")
def video(admin, project, clip):
    return upload(admin, project, clip)


def status_of(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


def limits_of(pid):
    """{"Max cpu time": "120", ...}: the soft limit of each resource."""
    out = {}
    with open("/proc/%d/limits" % pid) as f:
        for line in f.readlines()[1:]:
            m = re.match(r"(Max [a-z ]+?)\s{2,}(\S+)", line)
            if m:
                out[m.group(1)] = m.group(2)
    return out


def pid_file(path):
    with open(path) as f:
        return int(f.readline())


def sanitized(pid):
    """Whether the process is an AddressSanitizer build, where memory limits
    are not applied (its shadow memory would count against them)."""
    with open("/proc/%d/maps" % pid) as f:
        return "libasan" in f.read()


def avp_uid():
    return pwd.getpwnam("avp").pw_uid


# ---- who runs as what -------------------------------------------------------

def test_no_process_of_avp_up_runs_as_root(avp):
    if os.getuid() != 0:
        pytest.skip("avp up drops to the user avp only when started as root")
    d = avp.data_dir
    pids = {"serve": avp.pid_of("serve"), "worker-1": avp.pid_of("worker-1"),
            "worker-2": avp.pid_of("worker-2"),
            "redis": pid_file(os.path.join(d, "redis", "redis.pid")),
            "postgres": pid_file(os.path.join(d, "pg", "data", "postmaster.pid"))}
    for name, pid in pids.items():
        uids = status_of(pid)["Uid"].split()
        gids = status_of(pid)["Gid"].split()
        assert uids == [str(avp_uid())] * 4, (name, uids)
        assert "0" not in gids and status_of(pid)["Groups"].strip() in ("", gids[0]), \
            (name, gids, status_of(pid)["Groups"])


def test_workers_run_under_limits(avp):
    for name in ("worker-1", "worker-2"):
        pid = avp.pid_of(name)
        lim = limits_of(pid)
        assert lim["Max open files"] == "4096", (name, lim)
        if not sanitized(pid):
            assert lim["Max data size"] == str(8192 << 20), (name, lim)


# ---- what it writes ---------------------------------------------------------

def test_everything_stored_is_private(avp, admin, video, uploaded_model):
    r = call(admin, "GET", "/api/videos/%d/thumbnail?frame=3" % video)
    assert r.status_code == 200, r.text
    seen = {"videos": 0, "models": 0, "thumbs": 0}
    for root, dirs, files in os.walk(avp.data_dir):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
                continue  # sockets are 0700 themselves (test_security_input)
            want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
            assert stat.S_IMODE(st.st_mode) == want, "%s is %o" % (path, stat.S_IMODE(st.st_mode))
            top = os.path.relpath(path, avp.data_dir).split(os.sep)[0]
            if stat.S_ISREG(st.st_mode) and top in seen:
                seen[top] += 1
                if os.getuid() == 0:
                    assert st.st_uid == avp_uid(), path
    assert stat.S_IMODE(os.stat(avp.data_dir).st_mode) == 0o700
    assert all(seen.values()), seen


# ---- the children that read uploads -----------------------------------------

def children_of(ppid):
    found = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == ppid:
                found.append(int(d))
    return found


def confined(st):
    return st.get("Seccomp", "").strip() == "2"


def confined_view(pid):
    """limits and status of a child once it has confined itself (first
    thing in main, after the dynamic loader: rlimits, then the seccomp
    filter), or None if it exited before."""
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            lim, st = limits_of(pid), status_of(pid)
        except (OSError, ValueError):
            return None
        if confined(st) or st.get("State", "").startswith("Z"):
            return lim, st
        time.sleep(0.001)
    return None


def test_decoder_children_run_confined(avp, admin, video):
    """Catches `avp media thumbnail` children of the server while a burst
    of thumbnails runs, and reads their limits and seccomp state."""
    serve_pid = avp.pid_of("serve")
    stop = threading.Event()

    def burst():
        frame = 0
        while not stop.is_set():
            frame = frame % 110 + 1
            call(admin, "GET", "/api/videos/%d/thumbnail?frame=%d" % (video, frame))

    t = threading.Thread(target=burst, daemon=True)
    t.start()
    views, deadline = [], time.time() + 90
    try:
        while not views and time.time() < deadline:
            for pid in children_of(serve_pid):
                v = confined_view(pid)
                if v and confined(v[1]):
                    views.append(v)
    finally:
        stop.set()
        t.join(timeout=150)
    assert views, "caught no confined child of the server in 90 s"
    lim, st = views[0]
    assert lim["Max cpu time"] == "120", lim
    assert lim["Max open files"] == "64", lim
    assert lim["Max file size"] == str(64 << 20), lim
    if not sanitized(serve_pid):
        assert lim["Max data size"] == str(2048 << 20), lim
    assert st["NoNewPrivs"].strip() == "1", st


def test_a_child_has_no_network(avp):
    """The seccomp filter the children get refuses every socket but a Unix
    one: `avp --limits net=off` cannot even reach PostgreSQL over TCP."""
    env = dict(os.environ, AVP_DATABASE_URL="postgresql://avp@127.0.0.1:1/avp")
    r = subprocess.run([os.environ["AVP_BIN"], "--limits", "net=off,cpu=30", "migrate"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "Permission denied" in r.stderr or "could not create socket" in r.stderr, r.stderr
    r = subprocess.run([os.environ["AVP_BIN"], "--limits", "cpu=-3", "version"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cpu=-3" in r.stderr, r.stderr


# ---- PostgreSQL's words stay in the log --------------------------------------

LEAKS = ("PGSQL", "socket", "SQL", "postgres", "connection to server", "/tmp", "FATAL")


def test_database_errors_give_a_request_id_not_their_text(avp, admin, project):
    r = call(admin, "GET", "/api/projects/%d" % project)
    assert r.status_code == 200 and re.fullmatch("[0-9a-f]{16}", r.headers["X-Request-Id"])
    start = len(avp.log_lines())
    avp.pg_ctl("-m", "immediate", "-w", "stop")
    try:
        for method, path in (("POST", "/api/projects"), ("GET", "/api/auth/keys"),
                             ("GET", "/readyz")):
            r = call(admin, method, path, json={"name": "down"} if method == "POST" else None)
            assert r.status_code >= 500, (path, r.status_code, r.text)
            err = r.json()["error"]
            rid = r.headers["X-Request-Id"]
            assert err["request_id"] == rid and rid in err["message"], r.text
            assert err["code"] in ("unavailable", "internal"), r.text
            for word in LEAKS:
                assert word not in r.text, (word, r.text)
            # The operator finds the whole story under that id.
            i = avp.wait_log(r"^\[serve\] .*request %s %s %s: " % (rid, method, re.escape(path)),
                             timeout=10, start=start)
            assert "try again" not in avp.log_lines()[i], avp.log_lines()[i]
    finally:
        avp.pg_ctl("-l", os.path.join(avp.data_dir, "pg", "log", "postgres.log"), "-w", "start")
    deadline = time.time() + 30
    while call(admin, "GET", "/api/projects/%d" % project).status_code != 200:
        assert time.time() < deadline, "the server did not recover"
        time.sleep(0.5)


# ---- /metrics and the Web Vitals collector ----------------------------------

@pytest.fixture(scope="module")
def member(avp):
    return new_user_session(avp, "sec-process-user", "sec-process-Pw1")


def test_metrics_need_a_credential_on_the_api_port(avp, admin, member):
    url = avp.url + "/metrics"
    assert_error(requests.get(url, timeout=10), 401)
    assert_error(requests.get(url, timeout=10, headers={"Authorization": "Bearer x" + METRICS_TOKEN}),
                 401)
    assert_error(call(member, "GET", "/metrics"), 403)
    for r in (call(admin, "GET", "/metrics"),
              requests.get(url, timeout=10, headers={"Authorization": "Bearer " + METRICS_TOKEN})):
        assert r.status_code == 200 and "avp_db_pool_connections" in r.text, r.text[:200]


def test_metrics_address_serves_only_metrics(avp):
    port = free_port()
    with serve(avp, AVP_METRICS_LISTEN="127.0.0.1:%d" % port) as url:
        metrics = "http://127.0.0.1:%d" % port
        r = requests.get(metrics + "/metrics", timeout=10)
        assert r.status_code == 200 and "avp_db_pool_connections" in r.text, r.text[:200]
        for path in ("/api/projects", "/healthz", "/api/auth/me"):
            assert_error(requests.get(metrics + path, timeout=10), 404)
        assert_error(requests.get(url + "/metrics", timeout=10), 401)


VITAL = {"name": "LCP", "value": 1234.5, "rating": "good", "page": "/projects"}


def test_vitals_need_a_login_and_a_valid_measurement(avp, member):
    assert_error(call(api(avp), "POST", "/api/vitals", json=VITAL), 401)
    for bad in ({"name": "XSS", "value": 1}, dict(VITAL, rating="great"),
                dict(VITAL, page="https://evil.example/"), dict(VITAL, value=-1),
                dict(VITAL, value=1e12)):
        r = call(member, "POST", "/api/vitals", json=bad)
        assert_error(r, 400)
    assert call(member, "POST", "/api/vitals", json=VITAL).status_code == 204


def test_vitals_flood_is_rate_limited_per_user(avp, admin):
    flooder = new_user_session(avp, "sec-process-flood", "sec-process-Pw2")
    if time.time() % 60 > 50:  # the budget is per minute of the clock
        time.sleep(61 - time.time() % 60)
    codes = [call(flooder, "POST", "/api/vitals", json=VITAL).status_code for _ in range(80)]
    assert codes.count(204) <= 60 and codes[-1] == 429, codes
    r = call(flooder, "POST", "/api/vitals", json=VITAL)
    assert_error(r, 429)
    assert int(r.headers["Retry-After"]) > 0
    # Another user is not held back by the flood.
    assert call(admin, "POST", "/api/vitals", json=VITAL).status_code == 204
