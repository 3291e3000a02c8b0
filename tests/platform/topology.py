"""Services laid out as on more than one machine (docs/DEPLOY.md), for the
failover and upgrade tests: a PostgreSQL primary with a streaming replica,
a Redis master with a replica watched by three sentinels, and `avp up`
(server and workers under the supervisor) pointed at them by URL instead
of starting private ones. Everything is private to a temporary folder:
Unix sockets for PostgreSQL, 127.0.0.1 ports for Redis (sentinels hand
out host:port addresses)."""
import contextlib
import os
import shutil
import subprocess
import tempfile
import time

import pytest

from client import METRICS_TOKEN
from conftest import ADMIN_PASSWORD, PG_BIN, System, check_logs, free_port, stop, wait_http

SOURCE = os.environ.get("AVP_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
PG_PRIVATE = os.path.join(SOURCE, "scripts", "pg-private.sh")
REDIS_PRIVATE = os.path.join(SOURCE, "scripts", "redis-private.sh")


def workdir(prefix):
    """A short, traversable folder (PostgreSQL runs as user avp as root)."""
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chmod(d, 0o755)
    return d


def as_pg(cmd, d):
    """cmd run as the owner of the cluster folder d."""
    return ["runuser", "-u", "avp", "--"] + cmd if os.getuid() == 0 and os.stat(d).st_uid != 0 else cmd


def pg_script(*args):
    r = subprocess.run([PG_PRIVATE, *args], capture_output=True, text=True, timeout=180)
    if r.returncode == 77:
        pytest.skip(r.stderr.strip())
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


class PgPair:
    """A primary in DIR/a and a streaming replica in DIR/b (pg_basebackup
    -R), both on their own socket folders."""

    def __init__(self, root):
        self.root = root
        self.a, self.b = os.path.join(root, "a"), os.path.join(root, "b")
        os.makedirs(root, mode=0o755)
        os.chmod(root, 0o755)
        pg_script("start", self.a)
        os.makedirs(self.b, mode=0o700)
        if os.getuid() == 0:
            shutil.chown(self.b, "avp", "avp")
        subprocess.run(as_pg([PG_BIN + "/pg_basebackup", "-h", self.a + "/run", "-p", "5432",
                              "-U", "avp", "-D", self.b + "/data", "-R", "-X", "stream",
                              "-c", "fast"], self.b),
                       check=True, capture_output=True, timeout=180, cwd="/")
        pg_script("start", self.b)
        # libpq tries the hosts in order and keeps the one that accepts
        # writes: the primary, then whichever was promoted.
        self.url = ("postgresql:///avp?host=%s/run,%s/run&port=5432,5432&user=avp"
                    "&target_session_attrs=read-write" % (self.a, self.b))

    def pg_ctl(self, d, *args):
        subprocess.run(as_pg([PG_BIN + "/pg_ctl", "-D", d + "/data", *args], d),
                       check=True, capture_output=True, timeout=120, cwd="/")

    def stop(self):
        for d in (self.a, self.b):
            subprocess.run([PG_PRIVATE, "stop", d], capture_output=True, timeout=120)


class Up(System):
    """`avp up` on external services: the conftest System, with psql going
    through the same URL the platform uses."""

    def __init__(self, database_url, redis_url, workers=2, exe=None, data_dir=None, env=None):
        self.database_url, self.redis_url = database_url, redis_url
        data_dir = data_dir or workdir("avp-up-")
        port = free_port()
        e = dict(os.environ)
        e.update(AVP_ADMIN_PASSWORD=ADMIN_PASSWORD, AVP_METRICS_TOKEN=METRICS_TOKEN,
                 AVP_RECLAIM_IDLE_S="6", AVP_WEB_DIR="", AVP_DATABASE_URL=database_url,
                 AVP_REDIS_URL=redis_url, **(env or {}))
        e.pop("AVP_DATA_DIR", None)
        proc = subprocess.Popen([exe or os.environ["AVP_BIN"], "up", "--data", data_dir,
                                 "--port", str(port), "--workers", str(workers)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=e)
        super().__init__(proc, data_dir, port)
        self.wait_log(r"^avp up: http://", timeout=120)
        self.api_up = wait_http(self.url, 30)

    def psql(self, sql):
        out = subprocess.run([PG_BIN + "/psql", "-X", "-q", "-t", "-A", "-F", "|",
                              "-v", "ON_ERROR_STOP=1", "-d", self.database_url, "-c", sql],
                             check=True, capture_output=True, text=True, timeout=30).stdout
        return [line.split("|") for line in out.splitlines() if line]


@contextlib.contextmanager
def platform(root, database_url, redis_url):
    """`avp up` on the given services in root/up; at the end it must stop
    cleanly (exit status 0, no sanitizer report in its children's logs)."""
    up = Up(database_url, redis_url, data_dir=os.path.join(root, "up"))
    try:
        yield up
    finally:
        stop(up)
    check_logs(up.data_dir)


def redis_private(root, cmd="start"):
    """The private Redis in root/redis on a 127.0.0.1 port (reachable by
    the user `avp up` runs its children as): its URL."""
    args = [REDIS_PRIVATE, cmd, os.path.join(root, "redis")] + (
        [str(free_port())] if cmd == "start" else [])
    return subprocess.run(args, check=cmd == "start", capture_output=True, text=True,
                          timeout=60).stdout.strip()


def redis_conf(d, port, extra=""):
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "redis.conf")
    with open(path, "w") as f:
        f.write("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s/redis.log\n"
                "appendonly yes\nappendfsync everysec\nsave \"\"\n%s"
                % (port, d, d, extra))
    return path


class RedisSentinels:
    """A Redis master and a replica, watched by three sentinels that call
    the master down after 1 s."""
    NAME = "avpmaster"

    def __init__(self, root):
        if not shutil.which("redis-server") or not shutil.which("redis-sentinel"):
            pytest.skip("needs Debian's redis-server and redis-sentinel (scripts/deps.sh)")
        self.procs = {}
        self.master_port, self.replica_port = free_port(), free_port()
        self.start("master", redis_conf(os.path.join(root, "master"), self.master_port))
        self.start("replica", redis_conf(os.path.join(root, "replica"), self.replica_port,
                                         "replicaof 127.0.0.1 %d\n" % self.master_port))
        self.sentinel_ports = []
        for i in range(3):
            p = free_port()
            d = os.path.join(root, "sentinel%d" % i)
            path = redis_conf(d, p, "sentinel monitor %s 127.0.0.1 %d 2\n"
                              "sentinel down-after-milliseconds %s 1000\n"
                              "sentinel failover-timeout %s 10000\n"
                              % (self.NAME, self.master_port, self.NAME, self.NAME))
            # A sentinel rewrites its file; appendonly is not its business.
            with open(path) as f:
                text = f.read().replace("appendonly yes\nappendfsync everysec\n", "")
            with open(path, "w") as f:
                f.write(text)
            self.start("sentinel%d" % i, path, sentinel=True)
            self.sentinel_ports.append(p)
        self.url = "redis-sentinel://%s/%s" % (
            ",".join("127.0.0.1:%d" % p for p in self.sentinel_ports), self.NAME)
        self.wait_synced()

    def start(self, name, conf, sentinel=False):
        cmd = ["redis-sentinel", conf] if sentinel else ["redis-server", conf]
        self.procs[name] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)

    def cli(self, port, *args):
        return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                              text=True, timeout=10).stdout.strip()

    def wait_synced(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            info = self.cli(self.replica_port, "info", "replication")
            known = all(self.cli(p, "sentinel", "get-master-addr-by-name", self.NAME)
                        for p in self.sentinel_ports)
            if "master_link_status:up" in info and known:
                return
            time.sleep(0.2)
        raise AssertionError("the replica or the sentinels did not come up")

    def master(self):
        """The port the sentinels name now."""
        out = self.cli(self.sentinel_ports[0], "sentinel", "get-master-addr-by-name", self.NAME)
        return int(out.split()[1]) if out else None

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
