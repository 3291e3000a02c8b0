"""No denial of service by holding connections (docs/SECURITY.md): a
client without credentials holds idle sockets, or sends its request head
one byte a second, from one address or from many loopback addresses; the
server must keep answering /healthz and an authenticated read at once,
close a head that is late, and refuse an address its connections beyond
its share. Before the accept gate, ~600 idle sockets took every worker
thread for 30 s."""
import json
import os
import socket
import subprocess
import threading
import time

import pytest
import requests
from client import call, ok

websocket = pytest.importorskip("websocket")  # python3-websocket

HEADER_TIMEOUT = 5.0  # s: AVP_HEADER_TIMEOUT_S's default
PER_ADDR = 128        # AVP_CONNS_PER_ADDR's default: a quarter of 512 workers
# A normal request takes milliseconds; the bound is generous for a loaded
# sanitizer build, and the server without the gate took ~30 s.
PROMPT = 1.0


def port_of(avp):
    return int(avp.url.rsplit(":", 1)[1])


def hold(avp, n, sources):
    """n idle connections, spread over the source addresses in turn."""
    held = []
    for i in range(n):
        s = socket.socket()
        s.bind((sources[i % len(sources)], 0))
        s.settimeout(10)
        s.connect(("127.0.0.1", port_of(avp)))
        held.append(s)
    return held


def close_all(socks):
    for s in socks:
        s.close()


def assert_prompt(avp, admin):
    """/healthz and an authenticated read answer within PROMPT, five times
    over, from 127.0.0.1 (which the attackers do not use)."""
    for _ in range(5):
        t = time.time()
        r = requests.get(avp.url + "/healthz", timeout=PROMPT * 5)
        assert r.status_code == 200, r.text
        ok(call(admin, "GET", "/api/projects", timeout=PROMPT * 5))
        assert time.time() - t < 2 * PROMPT, time.time() - t


def refused(sock, wait):
    """Whether the server ended the connection within wait seconds; a
    reply it sent first must be a JSON 4xx."""
    sock.settimeout(wait)
    try:
        data = sock.recv(4096)
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    if data:
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.split()[1] in (b"408", b"429"), head
        assert "error" in json.loads(body), body
    return True


def test_idle_connections_from_one_address(avp, admin):
    held = hold(avp, 600, ["127.0.0.2"])
    try:
        time.sleep(0.5)
        assert_prompt(avp, admin)
        # The address keeps its share and no more: the rest are refused
        # at once (429), the share only at the head's deadline.
        gone = [s for s in held if refused(s, 0.01)]
        assert len(held) - len(gone) <= PER_ADDR, len(gone)
        assert len(gone) >= len(held) - PER_ADDR
    finally:
        close_all(held)


def test_idle_connections_from_many_addresses(avp, admin):
    sources = ["127.0.0.%d" % i for i in range(10, 30)]  # 100 each, < PER_ADDR
    held = hold(avp, 2000, sources)
    try:
        time.sleep(0.5)
        assert_prompt(avp, admin)
        assert not any(refused(s, 0.001) for s in held[-50:]), "within the share"
    finally:
        close_all(held)


def drip(socks, stop):
    """Sends a request head one byte a second on every socket."""
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40 + b"\r\n\r\n"
    for byte in range(len(head)):
        if stop.wait(1):
            return
        for s in socks:
            try:
                s.send(head[byte:byte + 1])
            except OSError:
                pass


def test_slow_heads_are_cut_at_the_deadline(avp, admin):
    sources = ["127.0.0.%d" % i for i in range(40, 44)]
    socks = hold(avp, 400, sources)
    stop = threading.Event()
    dripper = threading.Thread(target=drip, args=(socks, stop), daemon=True)
    t0 = time.time()
    dripper.start()
    try:
        time.sleep(1.5)
        assert_prompt(avp, admin)
        # Each is closed (408) at the deadline, long before its head is done.
        for s in socks:
            assert refused(s, max(0.1, t0 + HEADER_TIMEOUT + 3 - time.time())), \
                "open %.1f s after it began" % (time.time() - t0)
    finally:
        stop.set()
        dripper.join()
        close_all(socks)
    assert_prompt(avp, admin)


def test_websockets_outlive_the_head_deadline(avp, admin, project, clip):
    """An open WebSocket is past its head: it is not idle, however long it
    stays quiet."""
    with open(clip, "rb") as f:
        video = ok(call(admin, "POST", "/api/projects/%d/videos" % project,
                        params={"filename": "clip.mp4"}, data=f), 201)["id"]
    sid = ok(call(admin, "POST", "/api/projects/%d/test-sessions" % project,
                  json={"video_id": video}), 201)["id"]
    ws = websocket.create_connection(
        avp.url.replace("http", "ws") + "/ws/test-sessions/%d" % sid, timeout=15,
        header=["Authorization: " + admin.headers["Authorization"]])
    try:
        assert json.loads(ws.recv())["events"] == 0
        time.sleep(HEADER_TIMEOUT + 2)
        ok(call(admin, "POST", "/api/test-sessions/%d/events" % sid,
                json={"class": "person", "t": 1}), 201)
        assert json.loads(ws.recv())["events"] == 1
    finally:
        ws.close()


@pytest.mark.parametrize("name, value", [("AVP_CONNS_PER_ADDR", "0"),
                                         ("AVP_HEADER_TIMEOUT_S", "5s")])
def test_bad_settings_are_refused(avp, name, value):
    r = subprocess.run([os.environ["AVP_BIN"], "serve"], capture_output=True, text=True,
                       timeout=60, env=dict(os.environ, **{name: value}))
    assert r.returncode == 2, r.stderr
    assert name in r.stderr and value in r.stderr, r.stderr
