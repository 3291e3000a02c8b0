"""What another site's page can do with a member's session: nothing. The
session token lives in an HttpOnly cookie only (never in a login body or a
URL); a write that the cookie authenticates, and every WebSocket upgrade,
must come from the server's own origin; JSON endpoints take JSON only (a
form can post text/plain cross-site without asking); API keys in an
Authorization header are not affected. With --tls-cert/--tls-key the
server speaks TLS, the cookie is Secure, and plain HTTP on its port gets
nothing (docs/SECURITY.md)."""
import os
import socket
import ssl
import subprocess
import time

import pytest
import requests
import websocket
from client import assert_error, call, upload

from conftest import free_port, serve

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def browser(avp):
    """A requests session logged in with the cookie alone, like the web UI."""
    s = requests.Session()
    r = s.post(avp.url + "/api/auth/login", timeout=30,
               json={"username": avp.admin_user, "password": avp.admin_password})
    assert r.status_code == 200, r.text
    s.base = avp.url
    return s


def create_project(s, name, **headers):
    return call(s, "POST", "/api/projects", json={"name": name}, headers=headers)


def test_login_answers_without_the_token(avp):
    r = requests.post(avp.url + "/api/auth/login", timeout=30,
                      json={"username": avp.admin_user, "password": avp.admin_password})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"user"}, r.json()
    cookie = r.headers["Set-Cookie"]
    for attr in ("avp_session=", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert attr in cookie, cookie
    # Plain HTTP without a trusted proxy: a Secure cookie would never
    # come back.
    assert "Secure" not in cookie, cookie
    assert r.cookies["avp_session"] not in r.text


@pytest.mark.parametrize("headers", [
    {"Origin": EVIL},
    {"Origin": "null"},
    {"Origin": "https://127.0.0.1"},  # another scheme and port
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Referer": EVIL + "/page"},
])
def test_cross_origin_cookie_writes_are_refused(avp, browser, headers):
    assert_error(create_project(browser, "csrf", **headers), 403)
    pid = create_project(browser, "victim", Origin=avp.url).json()["id"]
    r = call(browser, "DELETE", "/api/projects/%d" % pid, headers=headers)
    assert_error(r, 403)
    assert "refused" in r.json()["error"]["message"]
    assert call(browser, "GET", "/api/projects/%d" % pid).status_code == 200
    names = [p["name"] for p in call(browser, "GET", "/api/projects").json()["items"]]
    assert "csrf" not in names
    # Logging in from another site's page is refused too.
    r = requests.post(avp.url + "/api/auth/login", headers=headers, timeout=30,
                      json={"username": avp.admin_user, "password": avp.admin_password})
    assert_error(r, 403)
    assert "Set-Cookie" not in r.headers


@pytest.mark.parametrize("headers", [
    {"Origin": None},  # the server's own, filled in below
    {"Sec-Fetch-Site": "same-origin"},
    {"Referer": None},
    {},  # no browser: a script with the cookie
])
def test_same_origin_cookie_writes_are_accepted(avp, browser, headers):
    headers = {k: v or avp.url + ("/projects" if k == "Referer" else "")
               for k, v in headers.items()}
    r = create_project(browser, "same origin", **headers)
    assert r.status_code == 201, r.text
    r = call(browser, "DELETE", "/api/projects/%d" % r.json()["id"], headers=headers)
    assert r.status_code == 204, r.text
    # Reads are never refused: a cross-origin page cannot read the answer.
    assert call(browser, "GET", "/api/projects", headers={"Origin": EVIL}).status_code == 200


def test_api_keys_are_not_affected(avp, browser):
    r = call(browser, "POST", "/api/auth/keys", json={"name": "ci"}, headers={"Origin": avp.url})
    assert r.status_code == 201, r.text
    key = r.json()["key"]
    s = requests.Session()
    s.base = avp.url
    s.headers["Authorization"] = "Bearer " + key
    r = create_project(s, "by key", Origin=EVIL)
    assert r.status_code == 201, r.text
    assert call(s, "DELETE", "/api/projects/%d" % r.json()["id"],
                headers={"Origin": EVIL}).status_code == 204


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", None])
def test_json_endpoints_take_json_only(admin, browser, ctype):
    body = '{"into": 1, "from": [2]}'
    headers = {"Content-Type": ctype} if ctype else {}
    for s in (admin, browser):
        r = call(s, "POST", "/api/tracks/merge", data=body, headers=headers)
        assert_error(r, 415)
        assert "application/json" in r.json()["error"]["message"]
        assert_error(call(s, "POST", "/api/projects", data='{"name": "x"}',
                          headers=headers), 415)


@pytest.fixture(scope="module")
def task_id(admin, project, clip, uploaded_model):
    """A task the admin may watch (a run of the clip)."""
    vid = upload(admin, project, clip)
    r = call(admin, "POST", "/api/videos/%d/process" % vid,
             json={"model_id": uploaded_model["id"], "conf": 0.3, "iou": 0.5, "every": 4})
    assert r.status_code == 202, r.text
    return r.json()["task_id"]


def test_websocket_checks_origin_and_takes_no_url_token(avp, admin, browser, task_id):
    url = avp.url.replace("http", "ws") + "/ws/progress/%d" % task_id
    cookie = "avp_session=" + browser.cookies["avp_session"]
    # The web UI's way: the cookie, from the server's own origin.
    ws = websocket.create_connection(url, cookie=cookie, origin=avp.url, timeout=30)
    assert ws.connected
    ws.close()
    for origin in (EVIL, "null", avp.url.replace("http:", "https:")):
        with pytest.raises(websocket.WebSocketBadStatusException) as e:
            websocket.create_connection(url, cookie=cookie, origin=origin, timeout=30)
        assert e.value.status_code == 403, origin
    # A credential in the URL is refused, not used (logs keep URLs).
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(url + "?token=" + admin.token, timeout=30)
    assert e.value.status_code == 400


def test_allowed_origins_and_trusted_proxy(avp):
    """--allowed-origins admits another origin's pages; --trust-proxy makes
    X-Forwarded-Proto: https the scheme (Secure cookie, https origin)."""
    args = ["--allowed-origins", "https://ui.example, http://b.example:81", "--trust-proxy"]
    with serve(avp, args=args) as url:
        r = requests.post(url + "/api/auth/login", timeout=30,
                          headers={"X-Forwarded-Proto": "https", "Origin": "https://ui.example"},
                          json={"username": avp.admin_user, "password": avp.admin_password})
        assert r.status_code == 200, r.text
        assert "; Secure" in r.headers["Set-Cookie"]
        # The proxy's client would send the Secure cookie back; requests,
        # speaking plain HTTP to the server itself, must be given it.
        s = requests.Session()
        s.base = url
        s.headers["Cookie"] = "avp_session=" + r.cookies["avp_session"]
        for origin in ("https://ui.example", "http://b.example:81"):
            r = create_project(s, "allowed", Origin=origin)
            assert r.status_code == 201, r.text
        assert_error(create_project(s, "not allowed", Origin=EVIL), 403)
        # Behind the proxy, the page's origin is https://<Host>.
        host = url.split("://")[1]
        r = create_project(s, "proxied", Origin="https://" + host, **{"X-Forwarded-Proto": "https"})
        assert r.status_code == 201, r.text
        assert_error(create_project(s, "proxied", Origin="https://" + host), 403)


def test_forwarded_headers_are_ignored_without_trust(avp):
    r = requests.post(avp.url + "/api/auth/login", timeout=30,
                      headers={"X-Forwarded-Proto": "https"},
                      json={"username": avp.admin_user, "password": avp.admin_password})
    assert r.status_code == 200, r.text
    assert "Secure" not in r.headers["Set-Cookie"]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (cert, key) paths."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    return cert, key


def test_tls_serves_with_secure_cookies(avp, certificate):
    cert, key = certificate
    with serve(avp, args=["--tls-cert", cert, "--tls-key", key], ca=cert) as url:
        assert url.startswith("https://")
        s = requests.Session()
        s.base = url
        s.trust_env = False  # REQUESTS_CA_BUNDLE would win over verify
        s.verify = cert
        r = s.post(url + "/api/auth/login", timeout=30,
                   json={"username": avp.admin_user, "password": avp.admin_password})
        assert r.status_code == 200, r.text
        cookie = r.headers["Set-Cookie"]
        assert "; Secure" in cookie and "HttpOnly" in cookie, cookie
        assert call(s, "GET", "/api/auth/me").json()["user"]["username"] == avp.admin_user
        # The page's origin is https now; http:// is another one.
        r = create_project(s, "over tls", Origin=url)
        assert r.status_code == 201, r.text
        assert_error(create_project(s, "over tls", Origin=url.replace("https", "http")), 403)
        # Python's own TLS client, checking the certificate.
        ctx = ssl.create_default_context(cafile=cert)
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
                tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            b"Connection: close\r\n\r\n")
                assert tls.recv(4096).startswith(b"HTTP/1.1 200")
        # Plain HTTP on the TLS port gets no HTTP answer and no data.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GET /api/auth/me HTTP/1.1\r\nHost: x\r\nCookie: "
                        + cookie.split(";")[0].encode() + b"\r\n\r\n")
            got = b""
            try:
                while len(got) < 65536:
                    chunk = raw.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except (ConnectionResetError, socket.timeout):
                pass
        assert b"HTTP/" not in got and avp.admin_user.encode() not in got, got[:200]
        # The server still serves TLS after that.
        assert s.get(url + "/healthz", timeout=10).status_code == 200


def test_tls_port_survives_plain_http_and_failed_handshakes(avp, certificate):
    """Plain HTTP, a client that rejects the certificate and a broken
    handshake, each many times over from one address allowed 2 connections:
    none is answered in plain text, each gives its place back (a TLS client
    is still served) and the server stops cleanly (it crashed at the first
    failed handshake, and the place of one was never given back)."""
    cert, key = certificate
    with serve(avp, args=["--tls-cert", cert, "--tls-key", key], ca=cert,
               AVP_CONNS_PER_ADDR="2") as url:
        port = int(url.rsplit(":", 1)[1])
        untrusting = ssl.create_default_context()  # the system's CAs only
        for _ in range(4):
            for opening in (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
                            b"\x16\x03\x01\x00\x05hello", None):
                with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                    if opening is None:
                        with pytest.raises(ssl.SSLCertVerificationError):
                            untrusting.wrap_socket(raw, server_hostname="127.0.0.1")
                        continue
                    raw.sendall(opening)
                    try:
                        got = raw.recv(4096)
                    except ConnectionResetError:
                        got = b""
                    assert b"HTTP/" not in got, got[:200]
            time.sleep(0.2)  # the workers close what they were given
            assert requests.get(url + "/healthz", timeout=10, verify=cert).status_code == 200


def test_metrics_address_speaks_plain_http_beside_tls(avp, certificate):
    """The metrics address is for a Prometheus on loopback: plain HTTP even
    when the API's port speaks TLS (the accept gate tells them apart)."""
    cert, key = certificate
    port = free_port()
    with serve(avp, args=["--tls-cert", cert, "--tls-key", key], ca=cert,
               AVP_METRICS_LISTEN="127.0.0.1:%d" % port) as url:
        r = requests.get("http://127.0.0.1:%d/metrics" % port, timeout=10)
        assert r.status_code == 200 and "avp_http_connections_open" in r.text, r.text[:200]
        assert requests.get(url + "/healthz", timeout=10, verify=cert).status_code == 200


def test_tls_needs_a_readable_certificate_and_its_key(avp, certificate, tmp_path):
    cert, key = certificate
    exe = os.environ["AVP_BIN"]
    env = dict(os.environ, AVP_DATABASE_URL="postgresql:///avp?host=%s/pg/run&port=5432&user=avp"
               % avp.data_dir)
    for args, says in [(["--tls-cert", cert], "both"),
                       (["--tls-cert", cert, "--tls-key", str(tmp_path / "none.pem")], "none.pem"),
                       (["--tls-cert", key, "--tls-key", key], "certificate")]:
        out = subprocess.run([exe, "serve", "--port", str(free_port()), *args], env=env,
                             capture_output=True, text=True, timeout=60)
        assert out.returncode != 0 and says in out.stderr, (args, out.stderr)
