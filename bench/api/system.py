"""system.py - what the API benchmarks share: a private PostgreSQL and Redis
(scripts/pg-private.sh, scripts/redis-private.sh) and one `avp serve`
against them, without workers, so that the numbers are the API's alone
(processing requests only enqueue). Everything lives in a temporary
directory that close() removes. Debian's python3 (requests)."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "bench-password-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class System:
    def __init__(self, avp_bin, pool_max=8, max_upload=None, extra_env=None):
        self.avp = avp_bin
        self.dir = tempfile.mkdtemp(prefix="avp-bench-api-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.serve = None
        pg = self._script("pg-private.sh", "pg")
        redis = self._script("redis-private.sh", "redis")
        # wrk and the load runs come from one address, 127.0.0.1, with up to
        # 500 connections: more than one address may hold by default.
        self.env = dict(os.environ, AVP_DATABASE_URL=pg, AVP_REDIS_URL=redis,
                        AVP_DATA_DIR=self.dir + "/data", AVP_DB_POOL_MAX=str(pool_max),
                        AVP_WEB_DIR="", AVP_PASSWORD=PASSWORD, AVP_CONNS_PER_ADDR="1024")
        self.env.update(extra_env or {})
        if max_upload:
            self.env["AVP_MAX_UPLOAD"] = str(max_upload)
        subprocess.run([self.avp, "migrate"], env=self.env, check=True,
                       capture_output=True)
        subprocess.run([self.avp, "user", "add", "bench", "--admin"], env=self.env,
                       check=True, capture_output=True)
        self.start_serve()

    def _script(self, name, sub):
        out = subprocess.run([ROOT + "/scripts/" + name, "start", self.dir + "/" + sub],
                             check=True, capture_output=True, text=True)
        return out.stdout.strip().splitlines()[-1]

    def start_serve(self):
        self.log = open(self.dir + "/serve.log", "ab")
        self.serve = subprocess.Popen([self.avp, "serve", "--port", str(self.port)],
                                      env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("avp serve did not become ready; see " + self.dir)

    def restart_serve(self, env):
        """Runs `avp serve` again over the same database and Redis, with env
        added to its environment (bench/api/run caches: the caches on and
        off against the same data)."""
        self.stop_serve()
        self.env.update(env)
        self.start_serve()

    def stop_serve(self):
        if self.serve and self.serve.poll() is None:
            self.serve.send_signal(signal.SIGTERM)
            try:
                self.serve.wait(30)
            except subprocess.TimeoutExpired:
                self.serve.kill()
                self.serve.wait()
        self.log.close()

    def token(self):
        r = requests.post(self.url + "/api/auth/login", timeout=30,
                          json={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        return r.cookies["avp_session"]

    def rss_mb(self, field="VmRSS"):
        """Resident memory of the server; field "RssAnon" leaves out the
        pages of files (shared libraries), which other processes share."""
        with open("/proc/%d/status" % self.serve.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
        return 0.0

    def psql(self, sql):
        url = self.env["AVP_DATABASE_URL"]
        return subprocess.run(["/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-t", "-A",
                               "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                              check=True, capture_output=True, text=True).stdout

    def close(self):
        if self.serve:
            self.stop_serve()
        for name, sub in (("redis-private.sh", "redis"), ("pg-private.sh", "pg")):
            subprocess.run([ROOT + "/scripts/" + name, "stop", self.dir + "/" + sub],
                           capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def session(system, token):
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + token
    return s


def make_clip(path, seconds=3, size="640x480", bitrate=None):
    """A test-pattern H.264 clip (ffmpeg's testsrc2)."""
    args = ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
            "testsrc2=size=%s:rate=30" % size, "-t", str(seconds), "-c:v", "libx264",
            "-pix_fmt", "yuv420p"]
    if bitrate:
        args += ["-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate, "-preset", "ultrafast"]
    subprocess.run(args + [path], check=True)
    return path
