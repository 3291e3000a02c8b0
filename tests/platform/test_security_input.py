"""What a hostile logged-in user or a local OS user must not be able to do:
expand an XML entity in the server's memory through a ground-truth import,
or reach the private PostgreSQL and Redis of `avp up` from another local
account."""
import os
import pwd
import stat
import subprocess

import pytest
from client import admin_session, assert_error, call, wait_counted

from conftest import PG_BIN

PROBE_USER = "avp-sec-probe"


@pytest.fixture(scope="module")
def admin(avp):
    return admin_session(avp)


@pytest.fixture(scope="module")
def video_id(admin, clip):
    r = call(admin, "POST", "/api/projects", json={"name": "security input"})
    assert r.status_code == 201, r.text
    with open(clip, "rb") as f:
        r = call(admin, "POST", "/api/projects/%d/videos" % r.json()["id"],
                 params={"filename": os.path.basename(clip)}, data=f)
    assert r.status_code == 201, r.text
    return wait_counted(admin, r.json()["id"])["id"]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


def entity_bomb(size=100 * 1000, refs=1000):
    """One ~100 KB internal entity referenced `refs` times: ~100 MB once
    expanded (libxml2 caps nested entities, not this)."""
    return ('<?xml version="1.0"?><!DOCTYPE annotations [<!ENTITY e "%s">]>'
            "<annotations><meta><task><labels><label><name>%s</name></label>"
            "</labels></task></meta><track id=\"0\" label=\"&e;\"><box frame=\"0\" "
            'xtl="1" ytl="2" xbr="5" ybr="9"/></track></annotations>'
            % ("x" * size, "&e;" * refs)).encode()


def test_cvat_with_a_dtd_is_refused_without_expanding(avp, admin, video_id):
    pid = avp.pid_of("serve")
    before = rss_kb(pid)
    r = call(admin, "POST", "/api/videos/%d/ground-truth/import" % video_id,
             params={"format": "cvat"}, data=entity_bomb())
    assert_error(r, 400)
    assert "DTD" in r.json()["error"]["message"], r.text
    grew = rss_kb(pid) - before
    assert grew < 32 * 1024, "the server grew by %d KB on a 100 KB import" % grew
    r = call(admin, "GET", "/api/videos/%d/ground-truth" % video_id)
    assert r.status_code == 200 and r.json()["items"] == [], r.text


# ---- the private services, from another local account ----------------------

@pytest.fixture(scope="module")
def probe_user():
    """An unprivileged local user (created for the test, removed after)."""
    if os.getuid() != 0:
        pytest.skip("needs root to create a second local user (CI runs as root)")
    created = False
    try:
        pwd.getpwnam(PROBE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", PROBE_USER], check=True)
        created = True
    yield PROBE_USER
    if created:
        subprocess.run(["userdel", PROBE_USER], check=False)


def psql_select(avp, as_user=None):
    cmd = [PG_BIN + "/psql", "-X", "-t", "-A", "-h", os.path.join(avp.data_dir, "pg", "run"),
           "-p", "5432", "-U", "avp", "-d", "avp", "-c", "SELECT 'reached'"]
    if as_user:
        cmd = ["runuser", "-u", as_user, "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd="/")


def redis_ping(avp, as_user=None):
    cmd = ["redis-cli", "-s", os.path.join(avp.data_dir, "redis", "redis.sock"), "ping"]
    if as_user:
        cmd = ["runuser", "-u", as_user, "--"] + cmd
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd="/")


def test_postgres_only_for_the_user_avp_runs_as(avp, admin, probe_user):
    # The same command works for the user AVP runs as ...
    own = psql_select(avp)
    assert own.returncode == 0 and own.stdout.strip() == "reached", own.stderr
    # ... and not for another local user, superuser or otherwise.
    other = psql_select(avp, probe_user)
    assert other.returncode != 0 and "reached" not in other.stdout, other.stdout
    hba = subprocess.run(["cat", os.path.join(avp.data_dir, "pg", "data", "pg_hba.conf")],
                         capture_output=True, text=True).stdout
    assert "trust" not in hba, hba


def test_redis_only_for_the_user_avp_runs_as(avp, admin, probe_user):
    assert redis_ping(avp).stdout.strip() == "PONG"
    other = redis_ping(avp, probe_user)
    assert "PONG" not in other.stdout, other.stdout


def test_service_folders_are_private(avp):
    for sub in ("pg", "pg/data", "pg/run", "pg/log", "redis"):
        mode = stat.S_IMODE(os.stat(os.path.join(avp.data_dir, sub)).st_mode)
        assert mode == 0o700, "%s is %o" % (sub, mode)


def test_platform_still_works(avp, admin, video_id):
    r = call(admin, "GET", "/api/videos/%d" % video_id)
    assert r.status_code == 200, r.text
    assert avp.psql("SELECT count(*) FROM users WHERE username = 'admin'") == [["1"]]
