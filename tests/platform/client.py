"""The HTTP client side shared by the platform test files: a session
bound to a server, requests against it, logins, and the error shape every
4xx must have."""
import requests


def api(system, token=None):
    s = requests.Session()
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
    return r.json()["token"]


def assert_error(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    body = r.json()
    assert set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"], body
