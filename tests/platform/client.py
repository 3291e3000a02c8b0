"""The HTTP client side shared by the platform test files: a session
bound to a server, requests against it, logins, and the error shape every
4xx must have."""
import os
import subprocess
import time

import pytest
import requests
import websocket


# /metrics on the API's port needs an admin or this token, which conftest
# gives every server it starts (AVP_METRICS_TOKEN).
METRICS_TOKEN = "platform-test-metrics-token"


def api(system, token=None):
    s = requests.Session()
    s.token = token
    if token:
        s.headers["Authorization"] = "Bearer " + token
    s.base = system.url
    return s


def call(s, method, path, **kw):
    kw.setdefault("timeout", 60)
    return s.request(method, s.base + path, **kw)


def login(system, user, password):
    r = requests.post(system.url + "/api/auth/login", timeout=30,
                      json={"username": user, "password": password})
    assert r.status_code == 200, r.text
    # The session token is in the cookie only; a script may send it back
    # as a Bearer token.
    return r.cookies["avp_session"]


def ws_connect(s, url, **kw):
    """A WebSocket to url (ws://...) with s's credentials in a header."""
    return websocket.create_connection(url, header=["Authorization: Bearer " + s.token], **kw)


def ok(r, status=200):
    """The body of a reply that must have this status."""
    assert r.status_code == status, (r.status_code, r.text)
    return r.json()


def assert_error(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body


def add_user(system, name, password, admin=False):
    """`avp user add` against the system's database."""
    env = dict(os.environ, AVP_PASSWORD=password, AVP_DATABASE_URL=(
        "postgresql:///avp?host=%s/pg/run&port=5432&user=avp" % system.data_dir))
    args = [os.environ["AVP_BIN"], "user", "add", name] + (["--admin"] if admin else [])
    out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def user_session(system, name, password):
    """A session logged in as name, knowing its token and user id."""
    s = api(system, login(system, name, password))
    r = call(s, "GET", "/api/auth/me")
    assert r.status_code == 200, r.text
    s.user_id = r.json()["user"]["id"]
    return s


def admin_session(system):
    if not system.api_up:
        pytest.skip("avp serve does not answer")
    return user_session(system, system.admin_user, system.admin_password)


def new_user_session(system, name, password):
    add_user(system, name, password)
    return user_session(system, name, password)


def wait_counted(s, video_id, timeout=120):
    """The video once the server has counted its frames: the upload replies
    with the container's estimate, and frame checks (ground truth) answer
    503 until the count is exact."""
    deadline = time.time() + timeout
    while True:
        v = call(s, "GET", "/api/videos/%d" % video_id).json()
        if v["frame_count_exact"] or time.time() > deadline:
            assert v["frame_count_exact"], v
            return v
        time.sleep(0.1)


def upload(s, project_id, path):
    """Uploads the video at path into the project; returns its id once its
    frames are counted."""
    with open(path, "rb") as f:
        r = call(s, "POST", "/api/projects/%d/videos" % project_id,
                 params={"filename": os.path.basename(path)}, data=f)
    assert r.status_code == 201, r.text
    return wait_counted(s, r.json()["id"])["id"]


def wait_task(s, task_id, timeout=300):
    """The task's status once it has ended, whichever way."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = call(s, "GET", "/api/tasks/%d/status" % task_id).json()
        if st["state"] in ("done", "failed", "cancelled"):
            return st
        time.sleep(0.3)
    raise AssertionError("task %d did not end: %s" % (task_id, st))


def all_boxes(s, video_id, limit=2, **window):
    """Every ground-truth box of the video, following next_cursor through
    pages of `limit` (2 by default, to walk many pages), each checked to
    hold no more than it may."""
    items, cursor = [], None
    while True:
        params = dict(window, limit=limit)
        if cursor:
            params["cursor"] = cursor
        r = call(s, "GET", "/api/videos/%d/ground-truth" % video_id, params=params)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= min(limit, 200)
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def metrics_text(url):
    """/metrics of the server at url, read with METRICS_TOKEN."""
    r = requests.get(url + "/metrics", timeout=10,
                     headers={"Authorization": "Bearer " + METRICS_TOKEN})
    assert r.status_code == 200, r.text
    return r.text
