"""Black-box HTTP tests of the API server foundation.

Starts test_server_main (the real server with demo routes and an in-memory
auth store; path in AVP_TEST_SERVER) on an ephemeral port and talks to it
with requests, http.client (for raw paths requests would normalize) and
websocket-client. Run by CTest with Debian's python3 -m pytest.
"""
import http.client
import json
import os
import re
import subprocess
import tempfile
import threading
import time

import pytest
import requests
import websocket

STATIC_BYTES = bytes((i * 7 + 3) % 256 for i in range(100_000))


@pytest.fixture(scope="module")
def server():
    exe = os.environ.get("AVP_TEST_SERVER")
    if not exe:
        pytest.skip("AVP_TEST_SERVER is not set (run through ctest)")
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write("<!doctype html><title>AVP</title>")
        with open(os.path.join(root, "clip.bin"), "wb") as f:
            f.write(STATIC_BYTES)
        proc = subprocess.Popen([exe, root], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)
        line = proc.stdout.readline().decode()
        assert line.startswith("PORT "), line
        port, metrics_port = (int(x) for x in line.split()[1:3])
        yield {"base": f"http://127.0.0.1:{port}",
               "ws": f"ws://127.0.0.1:{port}", "port": port,
               "metrics": f"http://127.0.0.1:{metrics_port}"}
        proc.stdin.close()  # the server stops and frees everything
        assert proc.wait(timeout=30) == 0


@pytest.fixture(scope="module")
def token(server):
    r = requests.post(server["base"] + "/api/auth/login",
                      json={"username": "alice", "password": "s3cret-passw0rd"})
    assert r.status_code == 200, r.text
    assert "token" not in r.json()  # the HttpOnly cookie carries it alone
    return r.cookies["avp_session"]


def error_of(r, status):
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    body = r.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["request_id"] == r.headers["X-Request-Id"]
    return body["error"]["code"], body["error"]["message"]


def post_json(server, path, text, ctype="application/json"):
    return requests.post(server["base"] + path, data=text,
                         headers={"Content-Type": ctype})


def raw_get(server, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=5)
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r, body


# ---- JSON bodies ----

def test_valid_body_is_echoed(server):
    r = post_json(server, "/api/echo", '{"name":"cam","conf":0.3,"every":2}')
    assert r.status_code == 200
    assert r.json() == {"echo": {"name": "cam", "conf": 0.3, "every": 2}}


def test_malformed_json_is_400_naming_the_problem(server):
    code, msg = error_of(post_json(server, "/api/echo", '{"name": "x",'), 400)
    assert code == "bad_request" and msg.startswith("malformed JSON at line 1")
    code, msg = error_of(post_json(server, "/api/echo", ""), 400)
    assert "malformed JSON" in msg
    code, msg = error_of(post_json(server, "/api/echo",
                                   '{"name":"a","name":"b"}'), 400)
    assert "duplicate" in msg


def test_unknown_field_is_400(server):
    code, msg = error_of(post_json(server, "/api/echo",
                                   '{"name":"a","colour":"red"}'), 400)
    assert msg == "unknown field 'colour'"


def test_wrong_type_is_400_naming_the_field(server):
    _, msg = error_of(post_json(server, "/api/echo", '{"name":"a","conf":"high"}'), 400)
    assert msg == "field 'conf' must be a number"
    _, msg = error_of(post_json(server, "/api/echo", '{"name":"a","every":1.5}'), 400)
    assert msg == "field 'every' must be an integer"
    _, msg = error_of(post_json(server, "/api/echo", '{"name":"a","conf":2}'), 400)
    assert msg == "field 'conf' must be between 0 and 1"
    _, msg = error_of(post_json(server, "/api/echo", '{"conf":0.5}'), 400)
    assert msg == "missing field 'name'"
    _, msg = error_of(post_json(server, "/api/echo", '[1]'), 400)
    assert msg == "expected a JSON object"


def test_body_must_be_declared_json(server):
    code, _ = error_of(post_json(server, "/api/echo", '{"name":"a"}',
                                 "text/plain"), 415)
    assert code == "unsupported_media_type"


def test_oversize_body_is_413(server):
    big = json.dumps({"name": "a", "pad": "x" * 100_000})
    code, msg = error_of(post_json(server, "/api/echo", big), 413)
    assert code == "payload_too_large" and "65536" in msg

    # Without Content-Length the limit applies while reading.
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=5)
    conn.putrequest("POST", "/api/echo")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for _ in range(7):
        conn.send(b"2710\r\n" + b"x" * 10_000 + b"\r\n")
    r = conn.getresponse()
    assert r.status == 413
    assert json.loads(r.read())["error"]["code"] == "payload_too_large"
    conn.close()
    # The server is fine afterwards.
    assert requests.get(server["base"] + "/healthz").status_code == 200


def fnv1a(data):
    h = 1469598103934665603
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def test_raw_body_streams_with_limit(server):
    data = bytes((i * 13) % 251 for i in range(1 << 20))  # exactly the limit
    r = requests.post(server["base"] + "/api/upload", data=data,
                      headers={"Content-Type": "video/mp4"})
    assert r.status_code == 200, r.text
    assert r.json() == {"bytes": len(data), "fnv1a": fnv1a(data)}
    code, _ = error_of(requests.post(server["base"] + "/api/upload",
                                     data=data + b"x"), 413)
    assert code == "payload_too_large"
    # Chunked, without Content-Length: refused once past the limit.
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=5)
    conn.putrequest("POST", "/api/upload")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for _ in range(17):
        conn.send(b"10000\r\n" + b"v" * 65536 + b"\r\n")
    r = conn.getresponse()
    assert r.status == 413
    conn.close()
    # A body that stops short of its Content-Length is a 400.
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=5)
    conn.putrequest("POST", "/api/upload")
    conn.putheader("Content-Length", "1000")
    conn.endheaders()
    conn.send(b"x" * 10)
    conn.sock.shutdown(1)  # half-close: no more body will come
    r = conn.getresponse()
    assert r.status == 400
    assert json.loads(r.read())["error"]["message"] == "request body ended early"
    conn.close()


# ---- routing ----

def test_unknown_route_is_404_json(server):
    code, msg = error_of(requests.get(server["base"] + "/api/nope"), 404)
    assert code == "not_found" and "/api/nope" in msg
    error_of(requests.post(server["base"] + "/somewhere"), 404)


def test_wrong_method_is_405_with_allow(server):
    r = requests.put(server["base"] + "/api/projects/5")
    code, _ = error_of(r, 405)
    assert code == "method_not_allowed"
    assert r.headers["Allow"] == "GET, DELETE"


def test_bad_path_id_is_400(server):
    for bad in ["abc", "0", "-3", "99999999999999999999"]:
        _, msg = error_of(requests.get(server["base"] + "/api/projects/" + bad), 400)
        assert msg == "path parameter 'id' must be a positive integer"


def test_query_validation_and_keyset_pages(server):
    seen, cursor = [], None
    while True:
        params = {"limit": 40}
        if cursor:
            params["cursor"] = cursor
        page = requests.get(server["base"] + "/api/items", params=params).json()
        seen += [it["id"] for it in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(range(95, 0, -1))
    for q, want in [("limit=0", "query parameter 'limit' must be between 1 and 1000"),
                    ("limit=1001", "query parameter 'limit' must be between 1 and 1000"),
                    ("limit=ten", "query parameter 'limit' must be an integer"),
                    ("cursor=AAAA", "query parameter 'cursor' is not a cursor this server returned"),
                    ("sort=asc", "unknown query parameter 'sort'")]:
        _, msg = error_of(requests.get(server["base"] + "/api/items?" + q), 400)
        assert msg == want


def test_errors_civetweb_raises_are_json_too(server):
    code, _ = error_of(requests.get(server["base"] + "/healthz",
                                    headers={"X-Big": "a" * 20000}), 400)
    assert code == "bad_request"


def test_handler_without_reply_is_500(server):
    code, _ = error_of(requests.get(server["base"] + "/api/no-reply"), 500)
    assert code == "internal"


def test_unavailable_has_retry_after(server):
    r = requests.get(server["base"] + "/api/unavailable")
    code, _ = error_of(r, 503)
    assert code == "unavailable" and r.headers["Retry-After"] == "7"


# ---- operations ----

SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? '
                    r'-?[0-9.]+(e[+-]?[0-9]+)?$')


METRICS_AUTH = {"Authorization": "Bearer metrics-secret"}


def test_metrics_need_a_credential_or_their_own_address(server, token):
    """On the API's port /metrics needs the metrics token or an admin; the
    metrics address serves it without one, and serves nothing else."""
    url = server["base"] + "/metrics"
    error_of(requests.get(url), 401)
    error_of(requests.get(url, headers={"Authorization": "Bearer metrics-secreT"}), 401)
    for auth in (METRICS_AUTH, {"Authorization": "Bearer " + token}):
        r = requests.get(url, headers=auth)
        assert r.status_code == 200 and "avp_http_requests_in_flight" in r.text
    r = requests.get(server["metrics"] + "/metrics")
    assert r.status_code == 200 and "avp_http_requests_in_flight" in r.text
    for path in ["/api/projects/5", "/healthz", "/metrics/", "/"]:
        assert error_of(requests.get(server["metrics"] + path), 404)[0] == "not_found"
    error_of(requests.post(server["metrics"] + "/api/auth/login",
                           json={"username": "alice", "password": "s3cret"}), 404)


def test_metrics_has_request_histograms(server):
    for _ in range(3):
        post_json(server, "/api/echo", '{"name":"m"}')
    post_json(server, "/api/echo", '{"bad json')
    text = requests.get(server["base"] + "/metrics", headers=METRICS_AUTH).text
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or \
            SAMPLE.match(line), line
    assert "# TYPE avp_http_request_duration_seconds histogram" in text
    ok = re.search(r'^avp_http_request_duration_seconds_count\{route="echo",'
                   r'status="2xx"\} (\d+)$', text, re.M)
    bad = re.search(r'^avp_http_request_duration_seconds_count\{route="echo",'
                    r'status="4xx"\} (\d+)$', text, re.M)
    assert ok and int(ok.group(1)) >= 3 and bad and int(bad.group(1)) >= 1
    assert 'avp_http_request_duration_seconds_bucket{route="echo",status="2xx",le="0.0005"}' in text
    assert 'le="10"' in text and 'le="+Inf"' in text
    rss = re.search(r'^process_resident_memory_bytes (\S+)$', text, re.M)
    assert rss and float(rss.group(1)) > 1e6
    assert re.search(r'^process_open_fds \d+', text, re.M)


def test_healthz_and_readyz(server):
    assert requests.get(server["base"] + "/healthz").json() == {"status": "ok"}
    assert requests.get(server["base"] + "/readyz").status_code == 200
    post_json(server, "/api/ready", '{"ready":false}')
    r = requests.get(server["base"] + "/readyz")
    code, msg = error_of(r, 503)
    # The database's words (a socket's path) are for the log alone.
    assert code == "unavailable" and "Retry-After" in r.headers
    assert "socket" not in msg and "/run" not in msg, msg
    assert "request " + r.headers["X-Request-Id"] in msg, msg
    post_json(server, "/api/ready", '{"ready":true}')
    assert requests.get(server["base"] + "/readyz").status_code == 200


def test_openapi_lists_every_route(server):
    doc = requests.get(server["base"] + "/api/openapi.json").json()
    assert doc["openapi"] == "3.1.0"
    paths = doc["paths"]
    for path, method in [("/api/echo", "post"), ("/api/items", "get"),
                         ("/api/projects/{id}", "get"),
                         ("/api/projects/{id}", "delete"),
                         ("/api/auth/login", "post"), ("/metrics", "get"),
                         ("/healthz", "get"), ("/readyz", "get"),
                         ("/ws/progress/{task_id}", "get"),
                         ("/api/openapi.json", "get")]:
        assert method in paths[path], (path, method)
    echo = paths["/api/echo"]["post"]
    schema = echo["requestBody"]["content"]["application/json"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name"]
    assert schema["properties"]["every"]["maximum"] == 100
    get = paths["/api/projects/{id}"]["get"]
    assert get["parameters"][0]["in"] == "path"
    assert get["parameters"][0]["schema"]["minimum"] == 1
    assert get["security"]
    limit = [p for p in paths["/api/items"]["get"]["parameters"] if p["name"] == "limit"]
    assert limit[0]["in"] == "query" and limit[0]["schema"]["maximum"] == 1000


def test_keep_alive_reuses_the_connection(server):
    conn = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=5)
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    r.read()
    sock = conn.sock
    assert sock is not None and r.getheader("Connection") == "keep-alive"
    for _ in range(20):
        conn.request("POST", "/api/echo", body='{"name":"k"}',
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["echo"]["name"] == "k"
        assert conn.sock is sock  # same TCP connection throughout
    conn.close()


def test_concurrent_requests(server):
    results = []

    def worker():
        s = requests.Session()
        for _ in range(20):
            results.append(s.get(server["base"] + "/healthz").status_code)
    threads = [threading.Thread(target=worker) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 200


def test_ndjson_stream(server):
    r = requests.get(server["base"] + "/api/stream.ndjson", params={"n": 5000},
                     stream=True)
    assert r.headers["Transfer-Encoding"] == "chunked"
    lines = [json.loads(l) for l in r.iter_lines() if l]
    assert [l["i"] for l in lines] == list(range(5000))
    # A client that leaves mid-stream stops the producer; the server lives on.
    r = requests.get(server["base"] + "/api/stream.ndjson",
                     params={"n": 10_000_000}, stream=True)
    next(r.iter_content(65536))
    r.close()
    assert requests.get(server["base"] + "/healthz").status_code == 200


# ---- static files ----

def test_range_request_on_static_file(server):
    r = requests.get(server["base"] + "/clip.bin", headers={"Range": "bytes=100-1099"})
    assert r.status_code == 206
    assert r.headers["Content-Range"] == f"bytes 100-1099/{len(STATIC_BYTES)}"
    assert r.content == STATIC_BYTES[100:1100]
    r = requests.get(server["base"] + "/clip.bin", headers={"Range": "bytes=99990-"})
    assert r.status_code == 206 and r.content == STATIC_BYTES[99990:]
    r = requests.get(server["base"] + "/clip.bin")
    assert r.status_code == 200 and r.content == STATIC_BYTES
    for bad in ["bytes=100000-", "bytes=200000-200010", "bytes=50-10"]:
        r = requests.get(server["base"] + "/clip.bin", headers={"Range": bad})
        error_of(r, 416)
        assert r.headers["Content-Range"] == f"bytes */{len(STATIC_BYTES)}"


def test_spa_fallback(server):
    r = requests.get(server["base"] + "/projects/7/videos")
    assert r.status_code == 200 and "<title>AVP</title>" in r.text
    assert requests.get(server["base"] + "/").text == r.text
    error_of(requests.get(server["base"] + "/api/projects/x/y/z"), 404)


@pytest.mark.parametrize("path", [
    "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
    "/clip.bin/../../../etc/passwd", "/a/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/..\\..\\etc\\passwd", "/.%2e/.%2e/etc/passwd"])
def test_path_traversal_refused(server, path):
    r, body = raw_get(server, path)
    assert r.status in (400, 404), (path, r.status)
    assert b"root:" not in body
    assert json.loads(body)["error"]["code"] in ("bad_request", "not_found")


# ---- what every reply says ----

API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
UI_CSP = "default-src 'self'; frame-ancestors 'none'"


def assert_policy(headers, csp):
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Content-Security-Policy"] == csp
    assert re.fullmatch("[0-9a-f]{16}", headers["X-Request-Id"]), headers


def test_every_reply_carries_its_policy(server):
    """Each way of sending a head: one write (JSON, errors, metrics), the
    header API (chunked streams), a head by hand (413, civetweb's own
    errors), civetweb's file sender (200, 206) and the static 416."""
    base = server["base"]
    for path in ["/healthz", "/metrics", "/api/openapi.json", "/api/nope",
                 "/api/items?limit=0", "/api/unavailable", "/api/projects/5",
                 "/api/stream.ndjson?n=3"]:
        assert_policy(requests.get(base + path).headers, API_CSP)
    assert_policy(post_json(server, "/api/echo", "x" * 100_000).headers, API_CSP)
    assert_policy(requests.get(base + "/healthz", headers={"X-Big": "a" * 20000}).headers,
                  API_CSP)
    for path, headers in [("/", {}), ("/projects/7", {}), ("/clip.bin", {}),
                          ("/clip.bin", {"Range": "bytes=100-199"}),
                          ("/clip.bin", {"Range": "bytes=50-10"})]:
        assert_policy(requests.get(base + path, headers=headers).headers, UI_CSP)


# ---- authentication ----

def test_auth_required_and_cookie(server, token):
    code, _ = error_of(requests.get(server["base"] + "/api/projects/5"), 401)
    assert code == "unauthorized"
    s = requests.Session()
    r = s.post(server["base"] + "/api/auth/login",
               json={"username": "alice", "password": "s3cret-passw0rd"})
    assert r.status_code == 200
    cookie = r.headers["Set-Cookie"]
    for attr in ["avp_session=", "HttpOnly", "SameSite=Lax", "Path=/"]:
        assert attr in cookie
    assert "Secure" not in cookie
    assert s.get(server["base"] + "/api/projects/5").json() == {"id": 5, "user": "alice"}
    assert s.get(server["base"] + "/api/auth/me").json()["user"]["username"] == "alice"
    assert s.post(server["base"] + "/api/auth/logout").status_code == 204
    error_of(s.get(server["base"] + "/api/projects/5"), 401)
    # The module's token is another session and still works, as a Bearer.
    r = requests.get(server["base"] + "/api/projects/9",
                     headers={"Authorization": "Bearer " + token})
    assert r.json() == {"id": 9, "user": "alice"}
    error_of(requests.get(server["base"] + "/api/projects/9",
                          headers={"Authorization": "Bearer nope"}), 401)


def test_wrong_password_is_401(server):
    code, msg = error_of(requests.post(server["base"] + "/api/auth/login",
                                       json={"username": "alice", "password": "x"}), 401)
    assert msg == "invalid user name or password"
    error_of(requests.post(server["base"] + "/api/auth/login",
                           json={"username": "alice"}), 400)


# ---- WebSocket ----

def push(server, task, text=None, end=False):
    body = {"end": end}
    if text is not None:
        body["text"] = text
    return requests.post(f"{server['base']}/api/tasks/{task}/push", json=body).json()["sent"]


def bearer(token):
    return ["Authorization: Bearer " + token]


def test_websocket_receives_pushed_messages(server, token):
    a = websocket.create_connection(f"{server['ws']}/ws/progress/42", timeout=5,
                                    header=bearer(token))
    b = websocket.create_connection(f"{server['ws']}/ws/progress/42", timeout=5,
                                    cookie="avp_session=" + token)
    other = websocket.create_connection(f"{server['ws']}/ws/progress/43", timeout=5,
                                        header=bearer(token))
    assert push(server, 42, '{"progress":0.5}') == 2
    assert a.recv() == '{"progress":0.5}' and b.recv() == '{"progress":0.5}'
    # Idle connections are pinged (ws_ping_s is 1 s in the test server).
    opcode, _ = other.recv_data_frame(True)
    assert opcode == websocket.ABNF.OPCODE_PING
    assert push(server, 42, '{"state":"done"}', end=True) == 2
    assert a.recv() == '{"state":"done"}'
    opcode, frame = a.recv_data_frame(True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert push(server, 42, "after the end") == 0
    for ws in (a, b, other):
        ws.close()


def test_websocket_refusals(server, token):
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(f"{server['ws']}/ws/progress/42", timeout=5)
    assert e.value.status_code == 401
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(f"{server['ws']}/ws/progress/5000", timeout=5,
                                    header=bearer(token))
    assert e.value.status_code == 404
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(f"{server['ws']}/ws/progress/abc", timeout=5,
                                    header=bearer(token))
    assert e.value.status_code == 404
    # No credential in the URL, and no page of another origin.
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(f"{server['ws']}/ws/progress/42?token={token}",
                                    timeout=5)
    assert e.value.status_code == 400
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        websocket.create_connection(f"{server['ws']}/ws/progress/42", timeout=5,
                                    cookie="avp_session=" + token,
                                    origin="http://evil.example")
    assert e.value.status_code == 403
    r = requests.get(server["base"] + "/ws/progress/42")
    assert error_of(r, 426)[0] == "upgrade_required"


# Last: it locks out 127.0.0.1 for the rest of the window.
def test_login_rate_limit(server):
    statuses = []
    for _ in range(11):  # earlier tests already failed once from here
        r = requests.post(server["base"] + "/api/auth/login",
                          json={"username": "mallory", "password": "guess"})
        statuses.append(r.status_code)
        if r.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}
    assert 9 <= len(statuses) - 1 <= 10
    code, _ = error_of(r, 429)
    assert code == "too_many_requests" and int(r.headers["Retry-After"]) > 0
    # The lock is mallory's from this address: alice logs in from here.
    r = requests.post(server["base"] + "/api/auth/login",
                      json={"username": "alice", "password": "s3cret-passw0rd"})
    assert r.status_code == 200, r.text
    # Spraying many names from one address locks the address (100 failures
    # over all names), alice included.
    for i in range(100):
        r = requests.post(server["base"] + "/api/auth/login",
                          json={"username": "spray%d" % i, "password": "guess"})
        if r.status_code == 429:
            break
    assert r.status_code == 429 and 80 <= i <= 100, (i, r.status_code)
    r = requests.post(server["base"] + "/api/auth/login",
                      json={"username": "alice", "password": "s3cret-passw0rd"})
    assert r.status_code == 429
