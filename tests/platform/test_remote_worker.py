"""A worker on another "host": its own network namespace and data folder,
joined to the server's namespace by a veth pair (slowed with tc so that a
transfer takes seconds). `avp up --workers 0` runs PostgreSQL, Redis and a
server with no worker; a second `avp serve` in the server's namespace holds
the same data folder and registers AVP_PUBLIC_URL; the worker finds it in
the database and fetches the video and the model over HTTP into its cache
(worker/blobs.c): a transfer killed halfway resumes, a file deleted from
the server's disk or corrupted there fails its task once with a message,
and the blob endpoint takes only a worker credential."""
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests

import runs
from client import METRICS_TOKEN
from conftest import ADMIN_PASSWORD, System, free_port, shared_model, stop, wait_http

NET = "10.213.%d" % (os.getpid() % 250)
SRV, WRK = "avps%d" % os.getpid(), "avpw%d" % os.getpid()


def sh(*args):
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def make_netns():
    if os.getuid() != 0 or not shutil.which("ip") or not shutil.which("tc"):
        pytest.skip("needs root, ip and tc for two network namespaces")
    try:
        sh("ip", "netns", "add", SRV)
    except subprocess.CalledProcessError as e:
        pytest.skip("network namespaces are unavailable here: %s" % e.stderr.decode().strip())
    sh("ip", "netns", "add", WRK)
    sh("ip", "link", "add", SRV + "v", "netns", SRV, "type", "veth", "peer", "name",
       WRK + "v", "netns", WRK)
    for ns, dev, host in ((SRV, SRV + "v", 1), (WRK, WRK + "v", 2)):
        sh("ip", "-n", ns, "addr", "add", "%s.%d/30" % (NET, host), "dev", dev)
        sh("ip", "-n", ns, "link", "set", dev, "up")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    # ~4 Mbit/s from the server: the model takes seconds to cross.
    sh("ip", "netns", "exec", SRV, "tc", "qdisc", "add", "dev", SRV + "v", "root", "tbf",
       "rate", "4mbit", "burst", "32kbit", "latency", "400ms")


def drop_netns():
    for ns in (SRV, WRK):
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


class Hosts:
    """The system, the registered server in SRV and the worker in WRK."""

    def __init__(self, system, worker_dir):
        self.system = system
        self.worker_dir = worker_dir
        self.worker = None
        self.worker_log = worker_dir + ".log"
        d = system.data_dir
        self.env = {**os.environ, "AVP_DATABASE_URL":
                    "postgresql:///avp?host=%s/pg/run&port=5432&user=avp" % d,
                    "AVP_REDIS_URL": "unix://%s/redis/redis.sock" % d,
                    "AVP_RECLAIM_IDLE_S": "6", "AVP_DB_POOL_MAX": "3"}

    def start_worker(self):
        env = dict(self.env, AVP_DATA_DIR=self.worker_dir, AVP_CACHE_MB="64")
        log = open(self.worker_log, "ab")
        self.worker = subprocess.Popen(["ip", "netns", "exec", WRK, os.environ["AVP_BIN"],
                                        "worker", "--name", "remote"],
                                       env=env, stdout=log, stderr=log)
        log.close()

    def stop_worker(self, sig=signal.SIGTERM):
        self.worker.send_signal(sig)
        self.worker.wait(timeout=60)

    def log(self):
        with open(self.worker_log, errors="replace") as f:
            return f.read()

    def cache(self, name):
        return os.path.join(self.worker_dir, "cache", name)


@pytest.fixture(scope="module")
def hosts():
    exe = os.environ.get("AVP_BIN")
    if not exe:
        pytest.skip("AVP_BIN is not set to the built avp binary (run through ctest)")
    if not shared_model():
        pytest.skip("../shared/models/yolox_nano.onnx is absent")
    make_netns()
    top = tempfile.mkdtemp(prefix="avp-rw-", dir="/tmp")
    os.chmod(top, 0o755)
    data_dir, worker_dir = os.path.join(top, "srv"), os.path.join(top, "wrk")
    os.mkdir(data_dir)
    os.chmod(data_dir, 0o755)
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AVP_DATABASE_URL", "AVP_REDIS_URL", "AVP_DATA_DIR", "AVP_PORT")}
    env.update(AVP_ADMIN_PASSWORD=ADMIN_PASSWORD, AVP_METRICS_TOKEN=METRICS_TOKEN,
               AVP_DB_POOL_MAX="3", AVP_RECLAIM_IDLE_S="6", AVP_WEB_DIR="")
    proc = subprocess.Popen([exe, "up", "--data", data_dir, "--port", str(port),
                             "--workers", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    system = System(proc, data_dir, port)
    h = Hosts(system, worker_dir)
    served = None
    try:
        system.wait_log(r"^avp up: http://", timeout=120)
        system.api_up = wait_http(system.url, 30)
        served = subprocess.Popen(
            ["ip", "netns", "exec", SRV, exe, "serve", "--listen", NET + ".1", "--port", "8080"],
            env=dict(h.env, AVP_DATA_DIR=data_dir, AVP_PUBLIC_URL="http://%s.1:8080" % NET),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 30
        while not system.psql("SELECT url FROM api_servers") and time.time() < deadline:
            time.sleep(0.3)
        h.start_worker()
        yield h
    finally:
        if h.worker and h.worker.poll() is None:
            h.stop_worker()
        if served:
            served.send_signal(signal.SIGTERM)
            err = served.communicate(timeout=60)[1].decode(errors="replace")
            assert "ERROR: AddressSanitizer" not in err and "runtime error:" not in err, err
        stop(system)
        drop_netns()
        shutil.rmtree(top, ignore_errors=True)


def sha_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def small_video(tmp_path, photo):
    """Ten frames of one of darknet's photos (each test its own file)."""
    src = "/usr/share/darknet/data/%s.jpg" % photo
    if not os.path.exists(src) or not shutil.which("ffmpeg"):
        pytest.skip("needs ffmpeg and darknet's photos in /usr/share/darknet/data")
    out = str(tmp_path / (photo + ".mp4"))
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-loop", "1", "-framerate", "5",
                    "-t", "2", "-i", src,
                    "-vf", "scale=320:240", "-c:v", "libx264", "-pix_fmt", "yuv420p", out],
                   check=True, timeout=60)
    return out


def process(h, video_id):
    """A run over every fifth frame (two of the ten: ASan runs the model
    slowly): its (run_id, task_id)."""
    r = runs._call(h.system, "POST", "/api/videos/%d/process" % video_id,
                   json={"model_id": runs._model(h.system, shared_model()), "conf": runs.CONF,
                         "iou": runs.IOU, "every": 5})
    assert r.status_code == 202, r.text
    return r.json()["run_id"], r.json()["task_id"]


def server_file(h, sha):
    rel = h.system.psql("SELECT path FROM videos WHERE sha256 = '%s' UNION ALL "
                        "SELECT path FROM models WHERE sha256 = '%s'" % (sha, sha))[0][0]
    return rel if rel.startswith("/") else os.path.join(h.system.data_dir, rel)


def test_worker_finds_the_registered_server(hosts):
    assert hosts.system.psql("SELECT url FROM api_servers") == [["http://%s.1:8080" % NET]]


def test_killed_transfer_resumes_and_the_remote_worker_processes(hosts, tmp_path):
    model = shared_model()
    model_sha = sha_of(model)
    video = small_video(tmp_path, "person")
    run_id, task_id = process(hosts, runs.upload_video(hosts.system, video))
    part = hosts.cache(".%s.part" % model_sha)
    deadline = time.time() + 120  # claim and the video first, under ASan too
    while not (os.path.exists(part) and os.path.getsize(part) > 256 << 10):
        assert time.time() < deadline, hosts.log()
        time.sleep(0.05)
    hosts.stop_worker(signal.SIGKILL)
    kept = os.path.getsize(part)
    assert 0 < kept < os.path.getsize(model), kept
    hosts.start_worker()
    t = runs.wait_done(hosts.system, task_id, timeout=240)
    assert t["worker"] == "remote", t  # `avp up --workers 0` ran none of its own
    assert "resuming %s at byte %d" % (model_sha, kept) in hosts.log(), hosts.log()
    assert sha_of(hosts.cache(model_sha)) == model_sha
    assert not os.path.exists(part)
    assert sha_of(hosts.cache(sha_of(video))) == sha_of(video)
    run = runs._call(hosts.system, "GET", "/api/runs/%d" % run_id).json()
    assert run["detections_count"] > 0, run


def failed_once(h, task_id):
    t = runs.wait_task(h.system, task_id, lambda t: t["state"] in ("done", "failed"), 120,
                       "an end state")
    assert t["state"] == "failed" and t["attempts"] == 1, t
    return t["error"]


def test_file_deleted_from_the_server_fails_its_task_once(hosts, tmp_path):
    video = small_video(tmp_path, "dog")
    vid = runs.upload_video(hosts.system, video)
    os.unlink(server_file(hosts, sha_of(video)))
    _, task_id = process(hosts, vid)
    error = failed_once(hosts, task_id)
    assert "missing from that server's disk" in error, error
    assert hosts.worker.poll() is None, "the worker died"


def test_corrupt_file_is_refused(hosts, tmp_path):
    video = small_video(tmp_path, "horses")
    sha = sha_of(video)
    vid = runs.upload_video(hosts.system, video)
    with open(server_file(hosts, sha), "r+b") as f:
        f.seek(os.path.getsize(video) // 2)
        f.write(b"\0corrupt\0")
    _, task_id = process(hosts, vid)
    error = failed_once(hosts, task_id)
    assert "is corrupt" in error, error
    assert not os.path.exists(hosts.cache(sha))
    assert not os.path.exists(hosts.cache(".%s.part" % sha))


def test_blob_endpoint_takes_only_a_worker_credential(hosts):
    s = hosts.system.session()
    sha = sha_of(shared_model())
    url = hosts.system.url + "/api/blobs"
    for who in (s, requests):
        r = who.get(url, params={"sha256": sha}, timeout=10)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized", r.text
    bad = {"X-AVP-Worker-Token": "avpw_guessed"}
    assert requests.get(url, params={"sha256": sha}, headers=bad, timeout=10).status_code == 401
    token = "avpw_test-%d" % os.getpid()
    hosts.system.psql("INSERT INTO worker_credentials VALUES ('\\x%s', 'test', now() + "
                      "interval '1 minute')" % hashlib.sha256(token.encode()).hexdigest())
    good = {"X-AVP-Worker-Token": token}
    r = requests.get(url, params={"sha256": "G" * 64}, headers=good, timeout=10)
    assert r.status_code == 400, r.text
    r = requests.get(url, params={"sha256": sha}, headers=dict(good, Range="bytes=10-19"),
                     timeout=10)
    assert r.status_code == 206 and r.headers["Content-Type"] == "application/octet-stream"
    with open(shared_model(), "rb") as f:
        assert r.content == f.read()[10:20]
    hosts.system.psql("UPDATE worker_credentials SET expires_at = now() - interval '1 s'")
    assert requests.get(url, params={"sha256": sha}, headers=good, timeout=10).status_code == 401
