"""Monitoring (issue 15 item 4): deploy/prometheus checked and unit-tested
by promtool, and `avp up --monitoring` live: Debian's Prometheus scraping
the API server and a worker, every series the rules and dashboards name
exported by them, the worker's series counting a real run, and an alert
firing within a minute of its condition (a worker that stops answering).

This file runs its own `avp up --monitoring` (one worker, a 1 s scrape
and evaluation interval) in place of conftest's system."""
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest
import requests
import yaml

import runs
from conftest import ADMIN_PASSWORD, System, avp_bin, free_port, serve, stop, wait_http
from client import METRICS_TOKEN, admin_session, assert_error, call, new_user_session, ok, upload

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROM = os.path.join(ROOT, "deploy", "prometheus")
GRAFANA = os.path.join(ROOT, "deploy", "grafana", "dashboards")
PROMTOOL = shutil.which("promtool")
needs_prometheus = pytest.mark.skipif(
    not PROMTOOL or not os.path.exists("/usr/bin/prometheus"),
    reason="needs Debian's prometheus (apt-get install prometheus; scripts/deps.sh)")


def promtool(*args):
    out = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


@needs_prometheus
def test_promtool_checks_config_and_rules():
    promtool("check", "config", os.path.join(PROM, "prometheus.yml"))
    promtool("check", "rules", *glob.glob(os.path.join(PROM, "rules", "*.yml")))


@needs_prometheus
def test_promtool_unit_tests_cover_every_alert():
    with open(os.path.join(PROM, "rules", "alerts.yml")) as f:
        alerts = {r["alert"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]}
    path = os.path.join(PROM, "tests", "alerts_test.yml")
    with open(path) as f:
        tested = {t["alertname"] for case in yaml.safe_load(f)["tests"]
                  for t in case["alert_rule_test"] if t["exp_alerts"]}
    assert alerts == tested, "alerts without a firing test: %s" % (alerts - tested)
    assert "SUCCESS" in promtool("test", "rules", path)


def named_series():
    """Metric names in every rule expression and dashboard query (not the
    recording rules' own avp:... names, which Prometheus makes)."""
    exprs = []
    for path in glob.glob(os.path.join(PROM, "rules", "*.yml")):
        with open(path) as f:
            exprs += [r["expr"] for g in yaml.safe_load(f)["groups"] for r in g["rules"]]
    recorded = set()
    for path in glob.glob(os.path.join(PROM, "rules", "*.yml")):
        with open(path) as f:
            recorded |= {r["record"] for g in yaml.safe_load(f)["groups"]
                         for r in g["rules"] if "record" in r}
    for path in glob.glob(os.path.join(GRAFANA, "*.json")):
        with open(path) as f:
            exprs += [t["expr"] for p in json.load(f)["panels"] for t in p.get("targets", [])]
    names = set()
    for e in exprs:
        for m in re.finditer(r"(?<![\w:])([a-z_][a-z0-9_]*)(?=\s*[{\[)\s/<>*+-]|$)", e):
            name = m.group(1)
            if name.startswith(("avp_", "process_")) or name == "up":
                names.add(re.sub(r"_(bucket|count|sum)$", "", name)
                          if "_seconds_" in name else name)
    for e in exprs:
        for r in re.findall(r"avp:[\w:]+", e):
            assert r in recorded, "%s names %s, which no rule records" % (e, r)
    return names


def exported(url):
    r = requests.get(url + "/metrics", timeout=10)
    assert r.status_code == 200, r.text
    return {line.split()[2] for line in r.text.splitlines() if line.startswith("# TYPE ")}


@pytest.fixture(scope="session")
def avp():
    """`avp up --monitoring`: one worker, Prometheus scraping every second."""
    exe = avp_bin()
    if not os.path.exists("/usr/bin/prometheus"):
        pytest.skip("needs Debian's prometheus (scripts/deps.sh)")
    data_dir = tempfile.mkdtemp(prefix="avp-mon-", dir="/tmp")
    os.chmod(data_dir, 0o755)
    port, base = free_port(), free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("AVP_DATABASE_URL", "AVP_REDIS_URL", "AVP_DATA_DIR", "AVP_PORT",
                        "AVP_METRICS_LISTEN")}
    env.update(AVP_ADMIN_PASSWORD=ADMIN_PASSWORD, AVP_METRICS_TOKEN=METRICS_TOKEN,
               AVP_WEB_DIR="", AVP_MONITORING_PORT=str(base), AVP_MONITORING_INTERVAL="1",
               AVP_RECLAIM_IDLE_S="6")
    proc = subprocess.Popen([exe, "up", "--data", data_dir, "--port", str(port),
                             "--workers", "1", "--monitoring"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    system = System(proc, data_dir, port)
    system.prometheus = "http://127.0.0.1:%d" % base
    system.server_metrics = "http://127.0.0.1:%d" % (base + 1)
    system.worker_metrics = "http://127.0.0.1:%d" % (base + 2)
    try:
        system.wait_log(r"^avp up: Prometheus at http://127.0.0.1:%d" % base, timeout=120)
        system.api_up = wait_http(system.url, 30)
        wait_for("Prometheus ready", lambda: ready(system.prometheus), 60)
        yield system
        stop(system)
    finally:
        stop(system)
        shutil.rmtree(data_dir, ignore_errors=True)


def ready(url):
    try:
        return requests.get(url + "/-/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def prom(avp, path, **params):
    r = requests.get(avp.prometheus + path, params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["data"]


def wait_for(what, fn, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.5)
    raise AssertionError("%s: not within %d s" % (what, timeout))


def test_prometheus_scrapes_the_server_and_the_worker(avp):
    def healthy():
        targets = prom(avp, "/api/v1/targets")["activeTargets"]
        return {t["labels"]["job"]: t["health"] for t in targets} == {
            "avp-server": "up", "avp-worker": "up"}
    wait_for("both targets up", healthy, 30)
    groups = prom(avp, "/api/v1/rules")["groups"]
    assert {g["name"] for g in groups} == {"avp-recording", "avp-alerts"}
    assert all(g["rules"] and all(r["health"] == "ok" for r in g["rules"]) for g in groups
               if g["lastEvaluation"] != "0001-01-01T00:00:00Z")


def test_every_series_in_rules_and_dashboards_is_exported(avp):
    names = named_series()
    assert len(names) > 15, names
    have = exported(avp.server_metrics) | exported(avp.worker_metrics) | {"up"}
    assert names <= have, "named but exported by neither: %s" % sorted(names - have)


def test_worker_series_count_a_run(avp, admin, project, clip, uploaded_model):
    """Every 10th frame of the 120-frame clip: 12 frames, 2 batches (short
    enough under ASan on a loaded machine)."""
    before = requests.get(avp.worker_metrics + "/metrics", timeout=10).text
    video = upload(admin, project, clip)
    r = ok(call(admin, "POST", "/api/videos/%d/process" % video,
                json={"model_id": uploaded_model["id"], "every": 10}), 202)
    runs.wait_done(avp, r["task_id"], timeout=400)
    text = requests.get(avp.worker_metrics + "/metrics", timeout=10).text

    def value(t, series):
        m = re.search(r"^%s (\S+)$" % re.escape(series), t, re.M)
        return float(m.group(1)) if m else 0.0
    assert value(text, "avp_worker_frames_total") - value(before, "avp_worker_frames_total") == 12
    assert value(text, 'avp_worker_tasks_total{end="done"}') == \
        value(before, 'avp_worker_tasks_total{end="done"}') + 1
    assert value(text, "avp_worker_batch_seconds_count") - \
        value(before, "avp_worker_batch_seconds_count") == 2
    assert value(text, 'avp_worker_model_cache_lookups{result="load"}') >= 1
    assert value(text, "avp_worker_model_cache_bytes") > 1e6
    assert value(text, "process_resident_memory_bytes") > 1e6
    assert 'avp_worker_info{worker="worker-1"} 1' in text


def test_metrics_address_serves_only_metrics(avp):
    r = requests.get(avp.worker_metrics + "/api/projects", timeout=10)
    assert r.status_code == 404 and "only GET /metrics" in r.json()["message"]
    r = requests.post(avp.worker_metrics + "/metrics", timeout=10)
    assert r.status_code == 404


def test_worker_down_alert_fires_within_a_minute(avp):
    """A worker that stops answering (SIGSTOP: hung, not dead, so the
    supervisor does not restart it) is firing within 60 s."""
    pid = avp.pid_of("worker-1")
    os.kill(pid, signal.SIGSTOP)
    t0 = time.time()
    try:
        def firing():
            return [a for a in prom(avp, "/api/v1/alerts")["alerts"]
                    if a["labels"]["alertname"] == "AvpWorkerDown" and a["state"] == "firing"]
        alerts = wait_for("AvpWorkerDown firing", firing, 60)
        took = time.time() - t0
        assert alerts[0]["labels"]["instance"] == avp.worker_metrics[len("http://"):]
        print("AvpWorkerDown fired %.1f s after the worker stopped" % took)
        # The operations page reads the same through the API server.
        items = ok(call(admin_session(avp), "GET", "/api/ops/alerts"))["items"]
        assert {"name": "AvpWorkerDown", "state": "firing", "severity": "critical",
                "instance": avp.worker_metrics[len("http://"):],
                "summary": "Worker %s does not answer /metrics" % avp.worker_metrics[len("http://"):],
                "since": alerts[0]["activeAt"]} in items, items
    finally:
        os.kill(pid, signal.SIGCONT)

    def resolved():
        return not [a for a in prom(avp, "/api/v1/alerts")["alerts"]
                    if a["labels"]["alertname"] == "AvpWorkerDown"]
    wait_for("AvpWorkerDown resolved", resolved, 30)


def test_bad_monitoring_setups_are_refused(avp, tmp_path):
    exe = avp_bin()
    env = dict(os.environ, AVP_DEPLOY_DIR=str(tmp_path))
    r = subprocess.run([exe, "up", "--data", str(tmp_path / "d"), "--port", str(free_port()),
                        "--monitoring"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no rules in %s/prometheus/rules" % tmp_path in r.stderr, r.stderr
    env = dict(os.environ, AVP_MONITORING_INTERVAL="0")
    r = subprocess.run([exe, "up", "--data", str(tmp_path / "d"), "--port", str(free_port()),
                        "--monitoring"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "AVP_MONITORING_INTERVAL: '0'" in r.stderr, r.stderr
    # The platform's own worker holds its metrics port: a second worker
    # asked for it says so and stops.
    taken = avp.worker_metrics[len("http://"):]
    env = dict(os.environ, AVP_DATABASE_URL=(
        "postgresql:///avp?host=%s/pg/run&port=5432&user=avp" % avp.data_dir),
        AVP_REDIS_URL="unix://%s/redis/redis.sock" % avp.data_dir)
    r = subprocess.run([exe, "worker", "--metrics-listen", taken], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "metrics: cannot listen on %s" % taken in r.stderr, r.stderr


def test_history_is_proxied_for_admins_only(avp):
    admin = admin_session(avp)

    def rss():
        h = ok(call(admin, "GET", "/api/ops/history", params={"series": "rss", "minutes": 5}))
        return h if {l["labels"].get("job") for l in h["lines"] if len(l["points"]) > 1} == {
            "avp-server", "avp-worker"} else None
    h = wait_for("RSS history of both jobs", rss, 30)
    assert h["series"] == "rss" and h["step"] == 2
    for line in h["lines"]:
        ts = [t for t, _ in line["points"]]
        assert ts == sorted(ts) and ts[0] >= h["start"] and all(v > 1e6 for _, v in line["points"])
    assert_error(call(admin, "GET", "/api/ops/history", params={"series": "up"}), 400)
    assert_error(call(admin, "GET", "/api/ops/history", params={"series": "rss", "minutes": 1}), 400)
    assert_error(call(admin, "GET", "/api/ops/history"), 400)
    bob = new_user_session(avp, "bob", "bob-password-1")
    assert_error(call(bob, "GET", "/api/ops/history", params={"series": "rss"}), 403)
    assert_error(call(bob, "GET", "/api/ops/alerts"), 403)


def test_history_without_prometheus_says_why(avp):
    with serve(avp) as url:
        s = admin_session(avp)
        r = s.get(url + "/api/ops/alerts", timeout=10)
        assert r.status_code == 503 and r.json()["error"]["code"] == "no_prometheus", r.text
    with serve(avp, AVP_PROMETHEUS_URL="http://127.0.0.1:1") as url:
        r = s.get(url + "/api/ops/history", params={"series": "p99"}, timeout=10)
        assert r.status_code == 502 and r.json()["error"]["code"] == "prometheus_failed", r.text
