"""What a stranger or a plain account must not be able to do to accounts:
flush the login limiter to unlock a locked account, lock a user out from
the user's own address, keep using a disabled account or a logged-out
credential, list or probe user names, set a short password, read the
generated first admin password from `avp up`'s output, or fill the disk
with models.

Logins come from several loopback addresses (127.0.0.x), which the server
sees as different clients."""
import http.client
import json
import os
import shutil
import stat
import subprocess
import tempfile
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from client import (add_user, admin_session, api, assert_error, call, login,
                    new_user_session, ok, user_session)

from conftest import free_port, serve, wait_http
from test_up import start_up, stop_up

PASSWORD = "accounts-Passw0rd"


@pytest.fixture(scope="module")
def admin(avp):
    return admin_session(avp)


def login_from(avp, address, name, password):
    """The status of a login sent from a loopback address of our choice."""
    conn = http.client.HTTPConnection(urlparse(avp.url).hostname, urlparse(avp.url).port,
                                      timeout=60, source_address=(address, 0))
    try:
        conn.request("POST", "/api/auth/login", headers={"Content-Type": "application/json"},
                     body=json.dumps({"username": name, "password": password}))
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def lock(avp, address, name):
    """Fails logins of name from address until the limiter answers 429."""
    for _ in range(20):
        if login_from(avp, address, name, "not-the-password") == 429:
            return
    raise AssertionError("%s never locked from %s" % (name, address))


# ---- the login limiter --------------------------------------------------

def fnv_slot(kind, value):
    """The slot the unkeyed limiter (FNV-1a, 1024 slots) gave a key: anyone
    could compute it, and choose names that land on a locked entry."""
    h = 1469598103934665603
    for b in kind.encode() + b"\xff" + value.encode():
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return (h | 1) % 1024


def colliding_names(slot, n):
    names, i = [], 0
    while len(names) < n:
        name = "flood%d" % i
        if fnv_slot("user", name) == slot:
            names.append(name)
        i += 1
    return names


def test_a_lock_survives_names_chosen_to_collide(avp, admin):
    add_user(avp, "locked-alice", PASSWORD)
    lock(avp, "127.0.0.9", "locked-alice")
    assert login_from(avp, "127.0.0.9", "locked-alice", PASSWORD) == 429
    # Names aimed at both entries of the lock (the account's and the
    # address's), from addresses that each stay under the limit.
    flood = (colliding_names(fnv_slot("user", "locked-alice"), 12) +
             colliding_names(fnv_slot("ip", "127.0.0.9"), 12))
    for i, name in enumerate(flood):
        assert login_from(avp, "127.0.1.%d" % (i // 6 + 1), name, "x" * 12) == 401
    # And many names from many addresses.
    for i in range(60):
        login_from(avp, "127.0.2.%d" % (i // 6 + 1), "many%d" % i, "x" * 12)
    assert login_from(avp, "127.0.0.9", "locked-alice", PASSWORD) == 429


def test_a_strangers_failures_do_not_lock_the_user_out(avp, admin):
    add_user(avp, "bystander", PASSWORD)
    for name in ("bystander", "admin"):
        lock(avp, "127.0.0.66", name)
        assert login_from(avp, "127.0.0.66", name, "not-the-password") == 429
    assert login_from(avp, "127.0.0.1", "bystander", PASSWORD) == 200
    assert login_from(avp, "127.0.0.1", "admin", avp.admin_password) == 200


def test_spraying_names_locks_the_address(avp, admin):
    add_user(avp, "sprayed", PASSWORD)
    statuses = [login_from(avp, "127.0.0.77", "spray%d" % i, "Summer2026!!")
                for i in range(101)]
    assert statuses[-1] == 429 and statuses.count(401) <= 100, statuses
    assert login_from(avp, "127.0.0.77", "sprayed", PASSWORD) == 429
    assert login_from(avp, "127.0.0.78", "sprayed", PASSWORD) == 200


# ---- passwords -----------------------------------------------------------

def test_every_way_to_set_a_password_needs_12_characters(avp, admin):
    env = dict(os.environ, AVP_PASSWORD="eleven-char", AVP_DATABASE_URL=(
        "postgresql:///avp?host=%s/pg/run&port=5432&user=avp" % avp.data_dir))
    out = subprocess.run([os.environ["AVP_BIN"], "user", "add", "shorty"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "12" in out.stderr, out.stderr
    s = new_user_session(avp, "changer", PASSWORD)
    assert_error(call(s, "POST", "/api/auth/password",
                      json={"old_password": PASSWORD, "new_password": "eleven-char"}), 400)
    assert_error(call(admin, "POST", "/api/users/%d/password" % s.user_id,
                      json={"new_password": "short"}), 400)
    assert_error(call(s, "POST", "/api/auth/password",
                      json={"new_password": "a-new-Passw0rd"}), 400)


def test_password_change_needs_the_old_one(avp, admin):
    s = new_user_session(avp, "mover", PASSWORD)
    r = call(s, "POST", "/api/auth/password",
             json={"old_password": "not-the-Passw0rd", "new_password": "a-new-Passw0rd"})
    assert_error(r, 403)
    assert "old_password" in r.json()["error"]["message"]
    assert call(s, "POST", "/api/auth/password",
                json={"old_password": PASSWORD, "new_password": "a-new-Passw0rd"}
                ).status_code == 204
    assert login_from(avp, "127.0.0.1", "mover", PASSWORD) == 401
    assert login_from(avp, "127.0.0.1", "mover", "a-new-Passw0rd") == 200


def test_guessing_the_old_password_is_limited_like_a_login(avp, admin):
    # A session left open must not let its finder guess the password at
    # argon2's pace and then change it.
    s = new_user_session(avp, "guessed", PASSWORD)
    statuses = [call(s, "POST", "/api/auth/password",
                     json={"old_password": "guess-%04d-wrong" % i,
                           "new_password": "a-new-Passw0rd"}).status_code
                for i in range(11)]
    assert statuses == [403] * 10 + [429], statuses
    r = call(s, "POST", "/api/auth/password",
             json={"old_password": PASSWORD, "new_password": "a-new-Passw0rd"})
    assert_error(r, 429)
    assert int(r.headers["Retry-After"]) > 0
    assert login_from(avp, "127.0.0.1", "guessed", PASSWORD) == 429
    assert login_from(avp, "127.0.0.79", "guessed", PASSWORD) == 200


def test_an_admin_reset_ends_the_users_sessions(avp, admin):
    s = new_user_session(avp, "forgetful", PASSWORD)
    other = new_user_session(avp, "not-an-admin", PASSWORD)
    assert_error(call(other, "POST", "/api/users/%d/password" % s.user_id,
                      json={"new_password": "a-new-Passw0rd"}), 403)
    assert call(s, "GET", "/api/auth/me").status_code == 200  # cached now
    assert call(admin, "POST", "/api/users/%d/password" % s.user_id,
                json={"new_password": "a-new-Passw0rd"}).status_code == 204
    assert_error(call(s, "GET", "/api/auth/me"), 401)
    user_session(avp, "forgetful", "a-new-Passw0rd")


# ---- disable and log out everywhere ----------------------------------------

def session_and_key(avp, name):
    s = new_user_session(avp, name, PASSWORD)
    key = ok(call(s, "POST", "/api/auth/keys", json={"name": "ci"}), 201)["key"]
    k = api(avp, key)
    for c in (s, k):  # both in the credential cache now
        assert call(c, "GET", "/api/auth/me").status_code == 200
    return s, k


def test_disabling_an_account_stops_its_sessions_and_keys_at_once(avp, admin):
    s, k = session_and_key(avp, "leaver")
    assert_error(call(s, "PATCH", "/api/users/%d" % s.user_id, json={"disabled": True}), 403)
    me = call(admin, "GET", "/api/auth/me").json()["user"]["id"]
    assert_error(call(admin, "PATCH", "/api/users/%d" % me, json={"disabled": True}), 409)
    user = ok(call(admin, "PATCH", "/api/users/%d" % s.user_id, json={"disabled": True}))
    assert user["disabled"] is True and user["username"] == "leaver"
    for c in (s, k):
        assert_error(call(c, "GET", "/api/auth/me"), 401)
        assert_error(call(c, "GET", "/api/projects"), 401)
    assert login_from(avp, "127.0.0.1", "leaver", PASSWORD) == 401
    ok(call(admin, "PATCH", "/api/users/%d" % s.user_id, json={"disabled": False}))
    assert login_from(avp, "127.0.0.1", "leaver", PASSWORD) == 200
    assert_error(call(admin, "PATCH", "/api/users/999999", json={"disabled": True}), 404)


def test_logging_out_everywhere_revokes_every_session_and_key(avp, admin):
    s, k = session_and_key(avp, "everywhere")
    other = api(avp, login(avp, "everywhere", PASSWORD))
    assert call(other, "GET", "/api/auth/me").status_code == 200
    assert call(s, "POST", "/api/auth/logout-all").status_code == 204
    for c in (s, k, other):
        assert_error(call(c, "GET", "/api/auth/me"), 401)
    fresh = user_session(avp, "everywhere", PASSWORD)
    assert ok(call(fresh, "GET", "/api/auth/keys"))["items"] == []


# ---- user names ----------------------------------------------------------

def test_only_admins_list_users(avp, admin):
    s = new_user_session(avp, "curious", PASSWORD)
    assert_error(call(s, "GET", "/api/users"), 403)
    users = ok(call(admin, "GET", "/api/users", params={"limit": 200}))["items"]
    names = {u["username"] for u in users}
    assert {"admin", "curious"} <= names
    assert all(set(u) == {"id", "username", "admin", "disabled", "created_at"} for u in users)


def test_members_are_added_by_name_only(avp, admin):
    owner = new_user_session(avp, "owner-by-name", PASSWORD)
    add_user(avp, "joiner", PASSWORD)
    project = ok(call(owner, "POST", "/api/projects", json={"name": "by name"}), 201)["id"]
    path = "/api/projects/%d/members" % project
    # An id names nobody now: trying ids no longer lists the names.
    assert_error(call(owner, "POST", path, json={"user_id": 1, "role": "viewer"}), 400)
    r = call(owner, "POST", path, json={"username": "no-such-person", "role": "viewer"})
    assert_error(r, 404)
    assert "no-such-person" in r.json()["error"]["message"]
    member = ok(call(owner, "POST", path, json={"username": "joiner", "role": "viewer"}), 201)
    assert member["role"] == "viewer"
    joiner = user_session(avp, "joiner", PASSWORD)
    assert [p["id"] for p in ok(call(joiner, "GET", "/api/projects"))["items"]] == [project]
    # Someone who is not the project's owner learns nothing by adding.
    assert_error(call(joiner, "POST", path, json={"username": "admin", "role": "owner"}), 403)


# ---- the first admin -----------------------------------------------------

def test_the_generated_admin_password_is_in_a_0600_file_only():
    data_dir = tempfile.mkdtemp(prefix="avp-acct-", dir="/tmp")
    os.chmod(data_dir, 0o755)
    system = start_up(data_dir, free_port())
    try:
        system.wait_log(r"admin user 'admin', password generated into ")
        path = os.path.join(data_dir, "admin-password")
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path) as f:
            password = f.read().strip()
        assert len(password) >= 12
        if wait_http(system.url, 30):
            assert login_from(system, "127.0.0.1", "admin", password) == 200
    finally:
        stop_up(system)
        lines = system.log_lines()
        logs = os.path.join(data_dir, "logs")
        texts = [open(os.path.join(logs, n), errors="replace").read() for n in os.listdir(logs)]
        shutil.rmtree(data_dir, ignore_errors=True)
    assert not any(password in line for line in lines), lines
    assert not any(password in t for t in texts)


# ---- model quota ---------------------------------------------------------

def upload_model(url, token, path):
    s = api(SimpleNamespace(url=url), token)
    with open(path, "rb") as f:
        return call(s, "POST", "/api/models", params={"name": "quota"}, data=f)


def test_model_quota_is_a_clear_4xx(avp, model):
    add_user(avp, "uploader", PASSWORD)
    token = login(avp, "uploader", PASSWORD)
    size = os.path.getsize(model)
    with serve(avp, AVP_MODEL_QUOTA="5", AVP_MODEL_QUOTA_BYTES=str(size * 3 // 2)) as url:
        assert upload_model(url, token, model).status_code == 201
        r = upload_model(url, token, model)
        assert_error(r, 413)
        assert "AVP_MODEL_QUOTA_BYTES" in r.json()["error"]["message"]
    with serve(avp, AVP_MODEL_QUOTA="1") as url:
        r = upload_model(url, token, model)
        assert_error(r, 409)
        assert "AVP_MODEL_QUOTA" in r.json()["error"]["message"]

