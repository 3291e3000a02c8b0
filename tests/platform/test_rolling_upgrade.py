"""Rolling upgrade and rollback (docs/DEPLOY.md) against the previous
release: the build just before the newest commit that changed
migrations/, exported with `git archive` and built once (avp and
avp-server, Release, no sanitizers) under the build folder, keyed by its
commit. On one database, following the written procedure:

  1. the old release migrates, serves, and its worker runs a task; with
     its worker stopped, the old server queues another one;
  2. upgrade: this build's `migrate --status` and `--dry-run` show the
     pending migrations and write nothing, then `migrate` expands the
     schema while the old server keeps running;
  3. this build's worker runs the task the old release queued, the old
     worker runs one the old server queued on the new schema, and after
     the servers are swapped it runs one that this build's server queued
     (a mixed fleet);
  4. rollback: this build's server and worker are replaced by the old
     ones on the migrated schema (no down migration); the old release's
     `migrate --status` counts this build's migration as newer, its
     `migrate` is a no-op, and its worker and server keep working.

Every run must end done in one attempt with its mark on the last frame.
Skipped, saying why, without git history. The time spent building the old
release is printed (run with -s)."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import requests

import runs
from conftest import ADMIN_PASSWORD, PG_BIN, free_port, wait_http
from topology import SOURCE, pg_script, redis_private, workdir

CLIP_SECONDS = 3  # 30 frames of the conftest clip: enough to compare runs


def git(*args):
    return subprocess.run(["git", "-C", SOURCE, *args], capture_output=True, text=True,
                          timeout=60)


def previous_release():
    """The commit before the newest schema change, or skip."""
    if git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("no git history in %s: cannot build the previous release" % SOURCE)
    newest = git("log", "-1", "--format=%H", "--", "migrations/").stdout.strip()
    old = git("rev-parse", "--verify", "-q", newest + "^1").stdout.strip() if newest else ""
    if not old:
        pytest.skip("git history has no commit before the newest change of migrations/ "
                    "(a shallow clone?): nothing to upgrade from")
    return old


@pytest.fixture(scope="session")
def old_bin():
    """avp of the previous release, built once per commit."""
    sha = previous_release()
    build_root = os.path.abspath(os.path.join(os.path.dirname(os.environ["AVP_BIN"]), "..", ".."))
    root = os.path.join(build_root, "compat", sha[:12])
    exe = os.path.join(root, "build", "src", "cli", "avp")
    t0 = time.time()
    if not os.access(exe, os.X_OK):
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.join(root, "src"))
        archive = subprocess.Popen(["git", "-C", SOURCE, "archive", sha], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", os.path.join(root, "src")], stdin=archive.stdout,
                       check=True, timeout=120)
        assert archive.wait() == 0
        subprocess.run(["cmake", "-S", root + "/src", "-B", root + "/build",
                        "-DCMAKE_BUILD_TYPE=Release"], check=True, capture_output=True, timeout=300)
        r = subprocess.run(["cmake", "--build", root + "/build", "-j2", "--target", "avp"],
                           capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    print("\nprevious release %s: built in %.0f s (0 when cached)" % (sha[:12], time.time() - t0))
    return exe


@pytest.fixture(scope="session")
def short_clip(clip, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("short") / "short.mp4")
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", clip, "-t", str(CLIP_SECONDS),
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", out], check=True, timeout=120)
    os.chmod(os.path.dirname(out), 0o755)
    return out


class Fleet:
    """Servers and workers of either release on one database, as separate
    processes; `url` is the server the API calls go to."""

    def __init__(self, root):
        self.root = root
        self.data_dir = os.path.join(root, "data")
        os.makedirs(self.data_dir)
        self.pg_url = pg_script("start", os.path.join(root, "pg"))
        self.redis_url = redis_private(root)
        self.procs, self.url = {}, None

    def env(self, **kw):
        return dict(os.environ, AVP_DATABASE_URL=self.pg_url, AVP_REDIS_URL=self.redis_url,
                    AVP_DATA_DIR=self.data_dir, AVP_WEB_DIR="", AVP_RECLAIM_IDLE_S="6", **kw)

    def cli(self, exe, *args, **env):
        r = subprocess.run([exe, *args], env=self.env(**env), capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def start(self, name, exe, *args, **env):
        log = open(os.path.join(self.root, name + ".log"), "ab")
        self.procs[name] = subprocess.Popen([exe, *args], env=self.env(**env), stdout=log,
                                            stderr=subprocess.STDOUT)

    def serve(self, name, exe):
        port = free_port()
        self.start(name, exe, "serve", AVP_PORT=str(port))
        self.url = "http://127.0.0.1:%d" % port
        assert wait_http(self.url, 60), "%s did not answer" % name

    def stop(self, name):
        p = self.procs.pop(name)
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=90) == 0, "%s exited with %s" % (name, p.returncode)

    def session(self):
        s = requests.Session()
        r = s.post(self.url + "/api/auth/login", timeout=10,
                   json={"username": "admin", "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        s.headers["Authorization"] = "Bearer " + r.cookies["avp_session"]
        return s

    def psql(self, sql):
        out = subprocess.run([PG_BIN + "/psql", "-X", "-q", "-t", "-A", "-F", "|", "-d",
                              self.pg_url, "-c", sql], check=True, capture_output=True,
                             text=True, timeout=30).stdout
        return [line.split("|") for line in out.splitlines() if line]

    def close(self):
        for p in self.procs.values():
            p.kill()
            p.wait()
        redis_private(self.root, "stop")
        pg_script("stop", os.path.join(self.root, "pg"))


@pytest.fixture
def fleet():
    f = Fleet(workdir("avp-ru-"))
    try:
        yield f
    finally:
        f.close()
        shutil.rmtree(f.root, ignore_errors=True)


def finished_once(fleet, run_id, task_id):
    """Waits for the task; its run's detections as (frame, class, box)."""
    t = runs.wait_done(fleet, task_id, timeout=300)
    assert t["attempts"] == 1, t
    frames, mark, count = map(int, fleet.psql(
        "SELECT v.frame_count, r.frames_done, r.detections_count FROM detection_runs r "
        "JOIN videos v ON v.id = r.video_id WHERE r.id = %d" % run_id)[0])
    rows = runs.streamed(fleet, run_id)
    assert mark == frames and count == len(rows) > 0, (mark, frames, count, len(rows))
    return [(d[0], d[1], *(round(x) for x in d[3:])) for d in rows]


def test_upgrade_then_rollback(fleet, old_bin, short_clip, model):
    new_bin = os.environ["AVP_BIN"]
    runs._ids.clear()
    # 1. The previous release writes the database.
    assert "applied" in fleet.cli(old_bin, "migrate")
    fleet.cli(old_bin, "user", "add", "admin", "--admin", AVP_PASSWORD=ADMIN_PASSWORD)
    fleet.serve("old-serve", old_bin)
    fleet.start("old-worker", old_bin, "worker", "--name", "old-1")
    old_run = finished_once(fleet, *runs.submit_run(fleet, short_clip, model))
    fleet.stop("old-worker")
    queued_by_old = runs.submit_run(fleet, short_clip, model)

    # 2. Upgrade step one: expand the schema under the running old server.
    before = fleet.cli(new_bin, "migrate", "--status")
    pending = re.findall(r"^(\S+) +pending", before, re.M)
    assert pending, "the previous release has every migration: nothing to test\n" + before
    dry = fleet.cli(new_bin, "migrate", "--dry-run")
    assert all("would apply %s" % name in dry for name in pending), dry
    assert fleet.cli(new_bin, "migrate", "--status") == before, "--dry-run wrote something"
    assert "%d migration" % len(pending) in fleet.cli(new_bin, "migrate")
    assert not re.findall(r"^(\S+) +pending", fleet.cli(new_bin, "migrate", "--status"), re.M)

    # 3. This build's worker on what the old release queued; the old worker
    # on the new schema, for the old server and then for this build's.
    fleet.start("new-worker", new_bin, "worker", "--name", "new-1")
    assert finished_once(fleet, *queued_by_old) == old_run  # both the run's 'fast' pixels
    fleet.stop("new-worker")
    fleet.start("old-worker", old_bin, "worker", "--name", "old-2")
    assert finished_once(fleet, *runs.submit_run(fleet, short_clip, model)) == old_run
    fleet.stop("old-serve")
    fleet.serve("new-serve", new_bin)
    new_run = runs.submit_run(fleet, short_clip, model)
    finished_once(fleet, *new_run)

    # 4. Rollback: the old binaries on the migrated schema.
    fleet.stop("new-serve")
    status = fleet.cli(old_bin, "migrate", "--status") if "--status" in fleet.cli(
        old_bin, "migrate", "--help") else ""
    assert not status or "%d applied by a newer release" % len(pending) in status, status
    assert "0 migrations applied" in fleet.cli(old_bin, "migrate")
    fleet.serve("old-serve-2", old_bin)
    runs._ids.pop("session", None)
    assert finished_once(fleet, *runs.submit_run(fleet, short_clip, model)) == old_run
    assert runs.streamed(fleet, new_run[0])  # the old server reads what the new one wrote
    fleet.stop("old-serve-2")
    fleet.stop("old-worker")
