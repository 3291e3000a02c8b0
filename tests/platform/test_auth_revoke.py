"""A logout or an API key revocation made on one server instance (A, the
`avp up` server) is refused at once by another (B, `second_server`) that
had the credential cached, through the Redis relay of revocations; with
Redis stopped B falls back to the short cache life (5 s), and when Redis
is back the push path works again (api/auth_cache.h)."""
import os
import re
import subprocess
import time

import pytest
import requests

from client import add_user, assert_error, login, metrics_text

PUSH_S = 1.0    # well under the 5 s of the short cache life
SHORT_S = 5.0   # AUTH_CACHE_SHORT_S
LIVE_S = 3.0    # AUTH_CACHE_LIVE_S: how long a pong proves the push path


def metric(url, name, labels=""):
    text = metrics_text(url)
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), text, re.M)
    assert m, "%s%s not in /metrics" % (name, labels)
    return float(m.group(1))


def hits(url):
    return metric(url, "avp_auth_cache_lookups", '{result="hit"}')


def wait_live(url, want, timeout):
    deadline = time.time() + timeout
    while metric(url, "avp_auth_cache_live") != want:
        assert time.time() < deadline, "%s: avp_auth_cache_live never became %d" % (url, want)
        time.sleep(0.05)


def me(url, token):
    return requests.get(url + "/api/auth/me", timeout=10,
                        headers={"Authorization": "Bearer " + token})


def cache_on(url, token):
    """Uses token on url until it answers from its cache (the hit counter
    moves), so a refusal later cannot be a cache miss by chance."""
    assert me(url, token).status_code == 200
    before = hits(url)
    assert me(url, token).status_code == 200
    assert hits(url) > before, "the credential was not cached on " + url


def refused_after(url, token, limit):
    """Seconds until url answers 401 for token, polling; fails past limit."""
    t0 = time.time()
    while True:
        r = me(url, token)
        if r.status_code == 401:
            assert_error(r, 401)
            print("%s refused the credential %.1f ms after" % (url, (time.time() - t0) * 1e3))
            return time.time() - t0
        assert r.status_code == 200, r.text
        assert time.time() - t0 < limit, "still accepted after %.1f s" % limit
        time.sleep(0.01)


def logout(url, token, bearer=False):
    header = ("Authorization", "Bearer " + token) if bearer else ("Cookie", "avp_session=" + token)
    r = requests.post(url + "/api/auth/logout", timeout=10, headers=dict([header]))
    assert r.status_code == 204, r.text


@pytest.fixture(scope="module")
def user(avp):
    if not avp.api_up:
        pytest.skip("avp serve does not answer")
    add_user(avp, "revokee", "revokee-Passw0rd1")
    return "revokee", "revokee-Passw0rd1"


@pytest.fixture
def b(avp, second_server):
    """Instance B, once its relay has proven the push path."""
    wait_live(second_server, 1, 10)
    wait_live(avp.url, 1, 10)
    return second_server


def test_logout_on_a_is_refused_on_b_at_once(avp, user, b):
    token = login(avp, *user)
    cache_on(b, token)
    received = metric(b, "avp_auth_revocations")
    logout(avp.url, token)
    assert refused_after(b, token, PUSH_S) < PUSH_S
    assert metric(b, "avp_auth_revocations") > received
    # Other sessions of the user live on.
    other = login(avp, *user)
    assert me(b, other).status_code == 200


def test_bearer_logout_ends_that_session_everywhere(avp, user, b):
    token = login(avp, *user)
    cache_on(b, token)
    logout(avp.url, token, bearer=True)
    assert refused_after(b, token, PUSH_S) < PUSH_S
    assert me(avp.url, token).status_code == 401


def test_api_key_revoked_on_a_is_refused_on_b_at_once(avp, user, b):
    token = login(avp, *user)
    auth = {"Authorization": "Bearer " + token}
    r = requests.post(avp.url + "/api/auth/keys", json={"name": "ci"}, headers=auth, timeout=10)
    assert r.status_code == 201, r.text
    key, key_id = r.json()["key"], r.json()["id"]
    cache_on(b, key)
    r = requests.delete(avp.url + "/api/auth/keys/%d" % key_id, headers=auth, timeout=10)
    assert r.status_code == 204, r.text
    assert refused_after(b, key, PUSH_S) < PUSH_S
    # The revocation named the key's owner: the session is asked again, and
    # is still valid.
    assert me(b, token).status_code == 200


def redis_cli(avp, *args):
    sock = os.path.join(avp.data_dir, "redis", "redis.sock")
    return subprocess.run(["redis-cli", "-s", sock] + list(args),
                          capture_output=True, text=True, timeout=10).stdout.strip()


def test_without_redis_the_short_life_then_the_push_again(avp, user, b):
    token = login(avp, *user)
    cache_on(b, token)
    redis_cli(avp, "shutdown")
    try:
        deadline = time.time() + 10
        while redis_cli(avp, "ping") == "PONG":
            assert time.time() < deadline, "redis did not stop"
            time.sleep(0.05)
        # B notices the broken link at once, not after LIVE_S.
        wait_live(b, 0, LIVE_S)
        assert me(b, token).status_code == 200
        logout(avp.url, token)  # PostgreSQL commits it; nothing is published
        assert refused_after(b, token, SHORT_S + 1.0) <= SHORT_S + 0.5
    finally:
        avp.start_redis()
    deadline = time.time() + 10
    while redis_cli(avp, "ping") != "PONG":
        assert time.time() < deadline, "redis did not come back"
        time.sleep(0.05)
    wait_live(b, 1, 10)
    wait_live(avp.url, 1, 10)
    token = login(avp, *user)
    cache_on(b, token)
    logout(avp.url, token)
    assert refused_after(b, token, PUSH_S) < PUSH_S
