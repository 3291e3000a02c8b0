"""Shared fixtures of the platform tests: the real system, started once per
test file with `avp up` (private PostgreSQL and Redis in a temporary data
directory, the API server and two workers under the supervisor), a short
clip made with ffmpeg from darknet's photos, and the shared model.

The `avp` fixture yields a System with:
  url, admin_user, admin_password, data_dir, model_path (None if absent),
  session()        a requests.Session logged in as the admin
  api_up           whether `avp serve` answers /healthz
  psql(sql)        rows from the private database (for checks the API
                   does not offer, and to set up runs while it lacks them)
  pg_ctl(*args)    pg_ctl on the private cluster, as its owner
  pid_of(name)     pid of a supervised child from DATA/run/<name>.pid
  log_lines()      what `avp up` printed so far (children prefixed [name])
  start_redis()    starts the private Redis again after a test stopped it
  wait_log(regex)  waits for a line of that output

`second_server` yields the URL of another `avp serve` on the same
PostgreSQL and Redis; `serve(avp, web_dir, **env)` is that server as a
context manager, serving a web UI if given one.

Per test file (module scope): `admin`, a session of the admin user;
`project`, a project of the file's own, named after it; `uploaded_model`,
the shared model uploaded through the API (its JSON, plus its "path").
"""
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import json

import pytest
import requests

import runs
from client import METRICS_TOKEN, admin_session, call

PG_BIN = "/usr/lib/postgresql/15/bin"
ADMIN_PASSWORD = "platform-test-Pw1"


def avp_bin():
    path = os.environ.get("AVP_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("AVP_BIN is not set to the built avp binary (run through ctest)")
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_model():
    shared = os.environ.get("AVP_SHARED_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "..", "shared")
    path = os.path.abspath(os.path.join(shared, "models", "yolox_nano.onnx"))
    return path if os.path.exists(path) else None


class System:
    def __init__(self, proc, data_dir, port):
        self.proc = proc
        self.data_dir = data_dir
        self.url = "http://127.0.0.1:%d" % port
        self.admin_user = "admin"
        self.admin_password = ADMIN_PASSWORD
        self.model_path = shared_model()
        self.api_up = False
        self._lines = []
        self._cv = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            with self._cv:
                self._lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._cv.notify_all()

    def log_lines(self):
        with self._cv:
            return list(self._lines)

    def wait_log(self, pattern, timeout=60, start=0):
        """Index of the first line at or after `start` matching pattern."""
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        with self._cv:
            while True:
                for i in range(start, len(self._lines)):
                    if rx.search(self._lines[i]):
                        return i
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    raise AssertionError("no line matching %r in avp up output:\n%s"
                                         % (pattern, "\n".join(self._lines[-40:])))
                self._cv.wait(min(left, 0.5))

    def pid_of(self, name):
        with open(os.path.join(self.data_dir, "run", name + ".pid")) as f:
            return int(f.read())

    def psql(self, sql):
        out = subprocess.run(
            [PG_BIN + "/psql", "-X", "-q", "-t", "-A", "-F", "|", "-v", "ON_ERROR_STOP=1",
             "-h", os.path.join(self.data_dir, "pg", "run"), "-p", "5432",
             "-U", "avp", "-d", "avp", "-c", sql],
            check=True, capture_output=True, text=True, timeout=30).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def pg_ctl(self, *args):
        """pg_ctl on the private cluster, as its owner."""
        cmd = [PG_BIN + "/pg_ctl", "-D", os.path.join(self.data_dir, "pg", "data")] + list(args)
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "avp", "--"] + cmd
        subprocess.run(cmd, check=True, capture_output=True, timeout=120, cwd="/")

    def start_redis(self):
        """Starts the private Redis again (after a test stopped it) as
        `avp up` does: as the user that owns its folder."""
        rdir = os.path.join(self.data_dir, "redis")
        cmd = ["redis-server", os.path.join(rdir, "redis.conf")]
        owner = os.stat(rdir).st_uid
        if owner != os.getuid():
            cmd = ["setpriv", "--reuid=%d" % owner, "--regid=%d" % os.stat(rdir).st_gid,
                   "--clear-groups"] + cmd
        subprocess.run(cmd, check=True, timeout=30, cwd="/")

    def redis_ping(self):
        """Whether the private Redis answers."""
        out = subprocess.run(["redis-cli", "-s", os.path.join(self.data_dir, "redis", "redis.sock"),
                              "ping"], capture_output=True, text=True)
        return out.stdout.strip() == "PONG"

    def session(self):
        if not self.api_up:
            pytest.skip("avp serve does not answer yet (API not built)")
        s = requests.Session()
        r = s.post(self.url + "/api/auth/login", timeout=10,
                   json={"username": self.admin_user, "password": self.admin_password})
        assert r.status_code == 200, r.text
        s.headers["Authorization"] = "Bearer " + r.cookies["avp_session"]
        return s


def wait_http(url, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.3)
    return False


@pytest.fixture(scope="session")
def avp():
    exe = avp_bin()
    # Short and traversable: PostgreSQL runs as user avp when we are root
    # and its socket path must fit in 107 bytes.
    data_dir = tempfile.mkdtemp(prefix="avp-pt-", dir="/tmp")
    os.chmod(data_dir, 0o755)
    port = free_port()
    env = dict(os.environ)
    for k in ("AVP_DATABASE_URL", "AVP_REDIS_URL", "AVP_DATA_DIR", "AVP_PORT"):
        env.pop(k, None)
    env.update(AVP_ADMIN_PASSWORD=ADMIN_PASSWORD, AVP_METRICS_TOKEN=METRICS_TOKEN,
               AVP_DB_POOL_MAX="3",
               AVP_RECLAIM_IDLE_S="6", AVP_WEB_DIR="")
    proc = subprocess.Popen([exe, "up", "--data", data_dir, "--port", str(port),
                             "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    system = System(proc, data_dir, port)
    try:
        system.wait_log(r"^avp up: http://", timeout=120)
        system.api_up = wait_http(system.url, 30)
        yield system
        stop(system)
        check_logs(data_dir)
    finally:
        stop(system)
        shutil.rmtree(data_dir, ignore_errors=True)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def check_logs(data_dir):
    """In a sanitizer build the children report to their logs, not to us."""
    logs = os.path.join(data_dir, "logs")
    for name in sorted(os.listdir(logs)):
        with open(os.path.join(logs, name), errors="replace") as f:
            text = f.read()
        for mark in SANITIZER_MARKS:
            assert mark not in text, "%s reports %r:\n%s" % (name, mark, text[-3000:])


def stop(system):
    """Ctrl-C semantics: SIGTERM, then everything must be gone."""
    if system.proc.poll() is None:
        system.proc.send_signal(signal.SIGTERM)
        try:
            system.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            system.proc.kill()
            system.proc.wait()
            raise AssertionError("avp up did not stop within 90 s")
    assert system.proc.returncode == 0, "\n".join(system.log_lines()[-30:])
    # The private services were stopped cleanly (both remove their pid file).
    for pidfile in (("pg", "data", "postmaster.pid"), ("redis", "redis.pid")):
        path = os.path.join(system.data_dir, *pidfile)
        assert not os.path.exists(path), path + " remains: service still running"


PHOTOS = ["person", "dog", "horses", "giraffe", "eagle", "kite"]


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """A 640x480 H.264 clip at 10 fps: darknet's six photos, one second
    each, twice over (120 frames)."""
    photos = ["/usr/share/darknet/data/%s.jpg" % p for p in PHOTOS]
    if not all(os.path.exists(p) for p in photos) or not shutil.which("ffmpeg"):
        pytest.skip("needs ffmpeg and darknet's photos in /usr/share/darknet/data")
    out = str(tmp_path_factory.mktemp("clip") / "clip.mp4")
    args, chains = [], []
    for i, p in enumerate(photos * 2):
        args += ["-loop", "1", "-framerate", "10", "-t", "1", "-i", p]
        chains.append("[%d:v]scale=640:480,setsar=1[v%d]" % (i, i))
    inputs = "".join("[v%d]" % i for i in range(len(photos) * 2))
    graph = ";".join(chains) + ";%sconcat=n=%d:v=1:a=0[out]" % (inputs, len(photos) * 2)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error"] + args +
                   ["-filter_complex", graph, "-map", "[out]", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", out], check=True, timeout=120)
    os.chmod(os.path.dirname(out), 0o755)
    return out


@pytest.fixture(scope="session")
def model(avp):
    if not avp.model_path:
        pytest.skip("../shared/models/yolox_nano.onnx is absent")
    return avp.model_path


@pytest.fixture(scope="module")
def admin(avp):
    """A session of the admin user."""
    return admin_session(avp)


@pytest.fixture(scope="module")
def project(admin, request):
    """A project of the test file's own, named after it."""
    name = request.module.__name__.replace("test_", "", 1).replace("_", " ") + " test"
    r = call(admin, "POST", "/api/projects", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def uploaded_model(admin, model):
    """The shared model uploaded through the API: its JSON, plus "path"."""
    with open(model, "rb") as f:
        r = call(admin, "POST", "/api/models", params={"name": "yolox_nano"}, data=f)
    assert r.status_code == 201, r.text
    m = r.json()
    m["path"] = model
    return m


@pytest.fixture(scope="session")
def reference(avp, clip, model, tmp_path_factory):
    """Detections of the clip by `avp detect`, per frame, sorted."""
    out = str(tmp_path_factory.mktemp("ref") / "ref.jsonl")
    subprocess.run([os.environ["AVP_BIN"], "detect", "--model", model, "--conf", str(runs.CONF),
                    "--iou", str(runs.IOU), clip, "-o", out],
                   check=True, capture_output=True, timeout=300)
    rows = []
    with open(out) as f:
        for line in f:
            d = json.loads(line)
            rows.append((d["frame"], d["class"], d["score"], *d["box"]))
    assert rows, "the reference run found nothing; the comparison would be empty"
    return sorted(rows)


@contextlib.contextmanager
def serve(avp, web_dir="", args=(), ca=None, **env):
    """Another `avp serve` on the same PostgreSQL and Redis, serving the web
    UI in web_dir if given, with env added to its environment and more
    options in args (with --tls-cert, ca is the certificate that checks it):
    its URL."""
    port = free_port()
    env = {**os.environ, "AVP_METRICS_TOKEN": METRICS_TOKEN, **env,
           "AVP_PORT": str(port), "AVP_DATA_DIR": avp.data_dir, "AVP_WEB_DIR": web_dir,
           "AVP_DATABASE_URL": "postgresql:///avp?host=%s/pg/run&port=5432&user=avp"
           % avp.data_dir,
           "AVP_REDIS_URL": "unix://%s/redis/redis.sock" % avp.data_dir}
    proc = subprocess.Popen([os.environ["AVP_BIN"], "serve", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = "%s://127.0.0.1:%d" % ("https" if ca else "http", port)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=2, verify=ca or True).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    try:
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        err = proc.communicate(timeout=60)[1].decode(errors="replace")
        assert proc.returncode == 0, err
        assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err


@pytest.fixture
def second_server(avp):
    """A second instance, as behind a load balancer."""
    with serve(avp) as url:
        yield url
