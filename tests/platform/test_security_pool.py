"""What a client that sends or reads slowly must not hold: one of the
database pool's connections, which every other user's requests need.
AVP_DB_POOL_MAX is 3 under the platform tests (conftest.py); each test
keeps more slow clients than that busy for several seconds (ground-truth
imports and test-session events whose bodies trickle in, readers of
detection streams and of large JSON pages that take a few bytes a second)
while another user's reads must keep answering 200 at once."""
import json
import os
import socket
import statistics
import threading
import time
from urllib.parse import urlparse

import pytest
from client import admin_session, call, new_user_session, ok, wait_counted

POOL = 3  # AVP_DB_POOL_MAX in conftest.py
SLOW = POOL + 2
HOLD_S = 8  # how long the slow clients are kept going
TICK_S = 0.5


@pytest.fixture(scope="module")
def admin(avp):
    return admin_session(avp)


def upload_clip(s, project, clip):
    with open(clip, "rb") as f:
        r = call(s, "POST", "/api/projects/%d/videos" % project,
                 params={"filename": os.path.basename(clip)}, data=f)
    return wait_counted(s, ok(r, 201)["id"])["id"]


@pytest.fixture(scope="module")
def video(admin, project, clip):
    return upload_clip(admin, project, clip)


@pytest.fixture(scope="module")
def other(avp, clip):
    """Another user with a project and a video of their own: (session,
    video id). Reading the video's detail always takes a connection."""
    s = new_user_session(avp, "pool-reader", "pool-reader-Pw1")
    p = ok(call(s, "POST", "/api/projects", json={"name": "pool reader"}), 201)["id"]
    return s, upload_clip(s, p, clip)


@pytest.fixture(scope="module")
def big_run(avp, video):
    """A finished run of the admin's video with 200,000 detections (~30 MB
    of NDJSON, far more than socket buffers hold)."""
    run = avp.psql(
        "INSERT INTO models (name, path, sha256, family, input_w, input_h, num_classes) "
        "VALUES ('pool', 'none', repeat('0', 64), 'yolox', 416, 416, 80);"
        "INSERT INTO detection_runs (video_id, model_id, conf, iou, state) "
        "SELECT %d, max(id), 0.25, 0.45, 'done' FROM models RETURNING id" % video)[0][0]
    avp.psql("INSERT INTO detections (run_id, frame, t, class_id, score, x1, y1, x2, y2) "
             "SELECT %s, g / 1700, g / 17000.0, g %% 80, 0.5, 1, 2, 3, 4 "
             "FROM generate_series(0, 199999) g" % run)
    return int(run)


def head(avp, s, method, path, extra=""):
    """A request's head as bytes, authenticated as session s."""
    return ("%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n%s\r\n"
            % (method, path, urlparse(avp.url).netloc, s.token, extra)).encode()


def connect(avp, rcvbuf=None):
    u = urlparse(avp.url)
    sock = socket.socket()
    if rcvbuf:  # before connecting, so the window is small from the start
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect((u.hostname, u.port))
    return sock


class Slow(threading.Thread):
    """A client that sends the head, then one byte of the body (sender) or
    takes 16 bytes of the answer (reader) every TICK_S until stopped; what
    the server answered first is kept in `first`."""

    def __init__(self, avp, request, send, rcvbuf=None):
        super().__init__(daemon=True)
        self.sock = connect(avp, rcvbuf)
        self.sock.sendall(request)
        self.send, self.first, self.stop = send, b"", threading.Event()

    def run(self):
        self.sock.settimeout(TICK_S)
        while not self.stop.wait(TICK_S):
            try:
                if self.send:
                    self.sock.sendall(b" ")
                else:
                    self.first += self.sock.recv(16) if len(self.first) < 64 else b""
            except OSError:
                pass

    def finish(self):
        self.stop.set()
        self.join()
        if self.send:  # whatever the server said meanwhile
            self.sock.settimeout(0.2)
            try:
                self.first += self.sock.recv(256)
            except OSError:
                pass
        self.sock.close()
        return self.first.split(b"\r\n", 1)[0].decode(errors="replace")


def reads_meanwhile(other):
    """The other user reads its video for HOLD_S: (status, seconds) each."""
    s, video = other
    out, end = [], time.time() + HOLD_S
    while time.time() < end:
        t = time.time()
        r = call(s, "GET", "/api/videos/%d" % video, timeout=30)
        out.append((r.status_code, time.time() - t))
        time.sleep(0.1)
    return out


def assert_quick(reads):
    codes = [c for c, _ in reads]
    assert codes and set(codes) == {200}, "other user's reads answered %s" % codes
    median = statistics.median(t for _, t in reads)
    assert median < 0.5, "other user's reads took %.2f s (median)" % median


def answered(s, prefix):
    """How many requests of the routes named prefix... the server answered."""
    text = call(s, "GET", "/metrics").text
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith('avp_http_request_duration_seconds_count{route="' + prefix))


def settle(s, prefix, timeout=90):
    """Waits until the server stops answering the slow clients' requests:
    it is blocked writing to each (or reading from each)."""
    last, still, deadline = -1, 0, time.time() + timeout
    while still < 4 and time.time() < deadline:
        n = answered(s, prefix)
        still, last = (still + 1 if n == last else 0), n
        time.sleep(TICK_S)


def hold(slow, other, admin, prefix):
    """Starts the slow clients, reads meanwhile, stops them: the reads and
    the first line each slow client got."""
    for c in slow:
        c.start()
    settle(admin, prefix)
    reads = reads_meanwhile(other)
    return reads, [c.finish() for c in slow]


def test_slow_uploads_hold_no_connection(avp, admin, video, project, other):
    sess = ok(call(admin, "POST", "/api/projects/%d/test-sessions" % project,
                   json={"video_id": video}), 201)["id"]
    # Bodies that would take minutes at this pace: one byte per tick.
    gt = head(avp, admin, "POST", "/api/videos/%d/ground-truth/import?format=avp" % video,
              "Content-Type: application/json\r\nContent-Length: 100000\r\n")
    events = head(avp, admin, "POST", "/api/test-sessions/%d/events" % sess,
                  "Content-Type: application/json\r\nContent-Length: 100000\r\n")
    slow = [Slow(avp, gt, True) for _ in range(SLOW)] + \
           [Slow(avp, events, True) for _ in range(SLOW)]
    reads, _ = hold(slow, other, admin, "gt_import")
    assert_quick(reads)
    # The bodies cut short left nothing behind, and the pool is whole.
    uploads = os.path.join(avp.data_dir, "videos")
    deadline = time.time() + 10
    while any(n.startswith(".upload-") for n in os.listdir(uploads)) and time.time() < deadline:
        time.sleep(0.2)
    assert not [n for n in os.listdir(uploads) if n.startswith(".upload-")]
    ok(call(other[0], "GET", "/api/videos/%d" % other[1]))


# A page of 1000 detections is ~100 KB, which the server's socket buffer
# (grown to MBs on loopback) takes at once: 60 asked in a row on one
# connection are not.
@pytest.mark.parametrize("path, times", [("/api/runs/%d/detections.ndjson", 1),
                                         ("/api/runs/%d/detections.coco.json", 1),
                                         ("/api/runs/%d/detections?limit=1000", 60)])
def test_slow_readers_hold_no_connection(avp, admin, big_run, other, path, times):
    request = head(avp, admin, "GET", path % big_run) * times
    slow = [Slow(avp, request, False, rcvbuf=4096) for _ in range(SLOW)]
    reads, firsts = hold(slow, other, admin, "detections")
    assert_quick(reads)
    assert all(f.startswith("HTTP/1.1 200") for f in firsts), firsts
    ok(call(other[0], "GET", "/api/videos/%d" % other[1]))


def test_streams_are_whole_after_slow_readers(avp, admin, big_run):
    """What the slow readers were sent is what a fast reader gets: every
    row once, in (frame, id) order, the COCO array closed."""
    r = call(admin, "GET", "/api/runs/%d/detections.ndjson" % big_run, stream=True)
    assert r.status_code == 200
    keys = [(d["frame"], d["id"]) for d in (json.loads(x) for x in r.iter_lines() if x)]
    assert len(keys) == 200000 and keys == sorted(set(keys))
    r = call(admin, "GET", "/api/runs/%d/detections.coco.json" % big_run)
    assert r.status_code == 200 and len(r.json()) == 200000
