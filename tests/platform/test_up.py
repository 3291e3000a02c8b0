"""`avp up` as a command: its children's logs and pid files, a second
`avp up` on the same data directory, bad options, `avp migrate`, and a
stop/start cycle that reuses the data directory (generated admin password
saved in the data directory, kept across restarts)."""
import os
import signal
import subprocess
import tempfile

import requests

from conftest import System, free_port, wait_http


def test_children_have_logs_and_pid_files(avp):
    for name in ("serve", "worker-1", "worker-2"):
        avp.wait_log(r"^\[%s\] " % name)  # it has said something by now
        pid = avp.pid_of(name)
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read().split(b"\0")
        assert argv[1] == name.split("-")[0].encode(), argv
        log = os.path.join(avp.data_dir, "logs", name + ".log")
        assert os.path.getsize(log) > 0, log


def test_server_maps_no_decoder_or_inference_library(avp):
    """avp-server leaves libav* and OpenBLAS to child `avp` processes, so
    its hundreds of threads and its shared-library pages stay few."""
    with open("/proc/%d/maps" % avp.pid_of("serve")) as f:
        libs = {os.path.basename(line.split()[-1]) for line in f if ".so" in line}
    assert not [x for x in libs if x.startswith(("libav", "libsw", "libopenblas"))], libs
    assert any(x.startswith("libpq.so") for x in libs), libs
    assert any(x.startswith("libcivetweb") for x in libs), libs


def test_second_up_on_same_data_dir_says_running(avp):
    r = subprocess.run([os.environ["AVP_BIN"], "up", "--data", avp.data_dir, "--port", "1"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "already running" in r.stderr and avp.url in r.stderr, r.stderr
    assert avp.proc.poll() is None


def test_bad_port_is_a_usage_error(avp):
    r = subprocess.run([os.environ["AVP_BIN"], "up", "--data", avp.data_dir, "--port", "70000"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "--port" in r.stderr and "70000" in r.stderr, r.stderr
    env = dict(os.environ, AVP_PORT="http")
    r = subprocess.run([os.environ["AVP_BIN"], "worker"], env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and "AVP_PORT" in r.stderr, r.stderr
    env = dict(os.environ, AVP_ENGINE_MAX="lots")
    r = subprocess.run([os.environ["AVP_BIN"], "serve"], env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 2 and "AVP_ENGINE_MAX: 'lots'" in r.stderr, r.stderr


def test_cache_switches_are_on_or_off(avp):
    for name in ("AVP_LIST_CACHE", "AVP_AUTH_CACHE"):
        r = subprocess.run([os.environ["AVP_BIN"], "serve"], env=dict(os.environ, **{name: "no"}),
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2 and name + ": 'no' is not on or off" in r.stderr, r.stderr


def test_migrate_is_idempotent(avp):
    env = dict(os.environ, AVP_DATABASE_URL=(
        "postgresql:///avp?host=%s/pg/run&port=5432&user=avp" % avp.data_dir))
    r = subprocess.run([os.environ["AVP_BIN"], "migrate"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "0 migrations applied" in r.stdout, (r.stdout, r.stderr)
    applied = avp.psql("SELECT count(*) FROM schema_migrations")[0][0]
    assert int(applied) >= 3


def start_up(data_dir, port):
    env = {k: v for k, v in os.environ.items()
           if k not in ("AVP_DATABASE_URL", "AVP_REDIS_URL", "AVP_ADMIN_PASSWORD")}
    proc = subprocess.Popen([os.environ["AVP_BIN"], "up", "--data", data_dir, "--port",
                             str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    system = System(proc, data_dir, port)
    system.wait_log(r"^avp up: http://", timeout=120)
    return system


def stop_up(system):
    system.proc.send_signal(signal.SIGTERM)
    assert system.proc.wait(timeout=90) == 0, "\n".join(system.log_lines()[-20:])
    lines = system.log_lines()
    assert any("private services stopped" in line for line in lines), lines[-10:]


def login_ok(url, password):
    r = requests.post(url + "/api/auth/login", timeout=30,
                      json={"username": "admin", "password": password})
    return r.status_code == 200


def test_restart_reuses_data_dir_and_admin():
    data_dir = tempfile.mkdtemp(prefix="avp-up-", dir="/tmp")
    os.chmod(data_dir, 0o755)
    port = free_port()
    first = start_up(data_dir, port)
    try:
        first.wait_log(r"admin user 'admin', password generated into ")
        with open(os.path.join(data_dir, "admin-password")) as f:
            password = f.read().strip()
        api = wait_http(first.url, 30)
        assert not api or login_ok(first.url, password)
    finally:
        stop_up(first)
    second = start_up(data_dir, port)
    try:
        # The admin line follows the URL line that start_up waited for.
        second.wait_log(r"as generated into ", timeout=30)
        lines = second.log_lines()
        assert not any("initdb" in line or password in line for line in lines), lines
        if wait_http(second.url, 30):
            assert login_ok(second.url, password)
            assert not login_ok(second.url, password + "x")
    finally:
        stop_up(second)
        subprocess.run(["rm", "-rf", data_dir])
