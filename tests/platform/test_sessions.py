"""Black-box tests of test sessions (devices under test) through the HTTP
API of the real system (`avp up`, see conftest.py): sessions, clock sync,
events in video and device time, results checked against an independent
calculation written here (hand-made ground truth with known onsets, events
with known latencies), criteria, bad input, access, audit, the live
WebSocket and the simulator CLI posting to the server."""
import json
import os
import subprocess
import time

import pytest
import requests
from client import assert_error, call, new_user_session, wait_counted, ws_connect

websocket = pytest.importorskip("websocket")  # python3-websocket

FPS = 10  # the clip of conftest.py
SYNC = 1_700_000_100.0  # device epoch time at which video time 0 played

# Objects: (class, first frame, boxes, x): five boxes each on consecutive
# frames, far apart in time and place so each is one track. Onset = first
# frame / FPS; a track is visible until its last frame + 1 frame.
OBJECTS = [("person", 10, 5, 10), ("car", 40, 5, 200), ("person", 70, 5, 400),
           ("dog", 100, 5, 100)]
CLASS_MAP = {"person": "pedestrian", "car": "vehicle"}  # dog: ignored

# (class, video time or None, device time or None)
EVENTS = [("person", 1.12, None),        # target 1 at 120 ms
          ("pedestrian", 1.30, None),    # target 1 taken: FP
          ("car", 2.5, None),            # no vehicle onset near: FP
          ("vehicle", None, SYNC + 4.2),  # target 2 at 200 ms, device clock
          ("person", 7.9, None),         # past target 3's visibility: FP
          ("dog", 10.1, None)]           # unmapped: ignored


# ---- the protocol, independently (docs/METRICS.md, device sessions) --------

def mapped(cls):
    if cls in CLASS_MAP:
        return CLASS_MAP[cls]
    return cls if cls in CLASS_MAP.values() else None


def percentile(sorted_values, q):
    pos = q * (len(sorted_values) - 1)
    lo = int(pos)
    if lo + 1 >= len(sorted_values):
        return sorted_values[-1]
    return sorted_values[lo] + (pos - lo) * (sorted_values[lo + 1] - sorted_values[lo])


def oracle(events, tolerance):
    """Targets in onset order each take the earliest free event of their
    class in [onset - tol, min(onset + tol, end)]."""
    targets = sorted((f / FPS, (f + n) / FPS, mapped(c)) for c, f, n, _ in OBJECTS)
    targets = [t for t in targets if t[2]]
    evs = sorted((t, mapped(c)) for c, t in events if mapped(c))
    used, lat = set(), []
    for onset, end, cls in targets:
        for i, (t, c) in enumerate(evs):
            if i not in used and c == cls and onset - tolerance <= t <= min(onset + tolerance, end):
                used.add(i)
                lat.append((t - onset) * 1e3)
                break
    tp = len(lat)
    return {"targets": len(targets), "events": len(evs), "tp": tp,
            "fp": len(evs) - tp, "fn": len(targets) - tp, "latencies": sorted(lat)}


def video_times(events):
    return [(c, t if t is not None else d - SYNC) for c, t, d in events]


def as_posted(events):
    out = []
    for c, t, d in events:
        e = {"class": c, "confidence": 0.9}
        e.update({"t": t} if t is not None else {"device_time": d})
        out.append(e)
    return out


# ---- fixtures --------------------------------------------------------------

@pytest.fixture(scope="module")
def carol(avp, admin):
    return new_user_session(avp, "sally", "sally-password-1")


@pytest.fixture(scope="module")
def mapped_project(avp, admin):
    """A project with a tolerance of 500 ms and CLASS_MAP as its class map."""
    r = call(admin, "POST", "/api/projects", json={"name": "sessions", "tolerance_ms": 500})
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = call(admin, "PUT", "/api/projects/%d/class-map" % pid, json={"map": CLASS_MAP})
    assert r.status_code == 200, r.text
    return pid


@pytest.fixture(scope="module")
def video(admin, mapped_project, clip):
    with open(clip, "rb") as f:
        r = call(admin, "POST", "/api/projects/%d/videos" % mapped_project,
                 params={"filename": "clip.mp4"}, data=f)
    assert r.status_code == 201, r.text
    vid = wait_counted(admin, r.json()["id"])["id"]
    for cls, first, n, x in OBJECTS:
        for f in range(first, first + n):
            r = call(admin, "POST", "/api/videos/%d/ground-truth" % vid,
                     json={"frame": f, "t": f / FPS, "class": cls, "x1": x,
                           "y1": 50, "x2": x + 80, "y2": 250})
            assert r.status_code == 201, r.text
    return vid


def new_session(s, project, video, **kw):
    r = call(s, "POST", "/api/projects/%d/test-sessions" % project,
             json=dict(video_id=video, **kw))
    assert r.status_code == 201, r.text
    return r.json()


def results(s, sid):
    r = call(s, "GET", "/api/test-sessions/%d/results" % sid)
    assert r.status_code == 200, r.text
    return r.json()


# ---- tests -----------------------------------------------------------------

def test_session_object_and_list(admin, mapped_project, video):
    a = new_session(admin, mapped_project, video, name="first")
    b = new_session(admin, mapped_project, video, tolerance_ms=300,
                    criteria={"min_recall": 0.5})
    assert a["tolerance_ms"] == 500 and a["name"] == "first"  # the project's
    assert set(a) == {"id", "project_id", "video_id", "name", "tolerance_ms", "criteria",
                      "sync_offset", "state", "created_at", "events_count"}
    assert a["state"] == "open" and a["sync_offset"] is None and a["events_count"] == 0
    assert b["tolerance_ms"] == 300 and b["criteria"] == {"min_recall": 0.5}
    ids, cursor = [], None
    while True:
        r = call(admin, "GET", "/api/projects/%d/test-sessions" % mapped_project,
                 params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        ids += [x["id"] for x in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert ids[:2] == [b["id"], a["id"]] and len(ids) == len(set(ids))
    r = call(admin, "DELETE", "/api/test-sessions/%d" % a["id"])
    assert r.status_code == 204
    assert_error(call(admin, "GET", "/api/test-sessions/%d" % a["id"]), 404)


def test_results_match_the_protocol(avp, admin, mapped_project, video):
    sess = new_session(admin, mapped_project, video, name="scored")
    sid = sess["id"]
    # Device time before any sync: refused, nothing stored.
    r = call(admin, "POST", "/api/test-sessions/%d/events" % sid,
             json={"events": as_posted(EVENTS)})
    assert_error(r, 409)
    assert r.json()["error"]["code"] == "no_sync"
    # Sync: playback of video time 2.0 was seen at device time SYNC + 2.
    r = call(admin, "POST", "/api/test-sessions/%d/sync" % sid,
             json={"device_time": SYNC + 2.0, "video_time": 2.0})
    assert r.status_code == 200 and r.json()["sync_offset"] == SYNC, r.text
    r = call(admin, "POST", "/api/test-sessions/%d/events" % sid,
             json={"events": as_posted(EVENTS[:-1])})
    assert r.status_code == 201 and r.json() == {"inserted": len(EVENTS) - 1}, r.text
    r = call(admin, "POST", "/api/test-sessions/%d/events" % sid, json=as_posted(EVENTS[-1:])[0])
    assert r.status_code == 201 and r.json() == {"inserted": 1}, r.text

    want = oracle(video_times(EVENTS), 0.5)
    assert (want["tp"], want["fp"], want["fn"]) == (2, 3, 1)  # the hand count
    got = results(admin, sid)
    for k in ("targets", "events", "tp", "fp", "fn"):
        assert got[k] == want[k], (k, got)
    assert got["precision"] == pytest.approx(2 / 5)
    assert got["recall"] == pytest.approx(2 / 3)
    assert got["f1"] == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3))
    lat = want["latencies"]
    assert lat == pytest.approx([120, 200])
    assert got["latency_ms"]["median"] == pytest.approx(percentile(lat, 0.5), abs=1e-3)
    assert got["latency_ms"]["p90"] == pytest.approx(percentile(lat, 0.9), abs=1e-3)
    hist = got["latency_ms"]["histogram"]
    assert len(hist["edges"]) == len(hist["counts"]) + 1 and sum(hist["counts"]) == 2
    assert hist["edges"][0] == pytest.approx(-500) and hist["edges"][-1] == pytest.approx(500)
    lo, hi = got["precision_ci"]
    assert 0 <= lo <= got["precision"] <= hi <= 1 and lo < hi
    by_class = {c["class"]: c for c in got["classes"]}
    assert set(by_class) == {"pedestrian", "vehicle"}
    assert (by_class["pedestrian"]["tp"], by_class["pedestrian"]["fp"],
            by_class["pedestrian"]["fn"]) == (1, 2, 1)
    assert (by_class["vehicle"]["tp"], by_class["vehicle"]["fp"]) == (1, 1)
    assert got["pass"] is None and got["fail_reason"] is None

    # Stored as posted: video seconds, the device time kept; pages in
    # (timestamp, id) order.
    items, cursor = [], None
    while True:
        r = call(admin, "GET", "/api/test-sessions/%d/events" % sid,
                 params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert [e["timestamp"] for e in items] == pytest.approx(
        sorted(t for _, t in video_times(EVENTS)), abs=1e-6)
    dev = [e for e in items if e["device_time"] is not None]
    assert len(dev) == 1 and dev[0]["timestamp"] == pytest.approx(4.2, abs=1e-6)
    assert call(admin, "GET", "/api/test-sessions/%d" % sid).json()["events_count"] == len(EVENTS)

    # Criteria: precision 0.4 fails 0.5; recall and latency pass.
    r = call(admin, "PATCH", "/api/test-sessions/%d" % sid,
             json={"criteria": {"min_precision": 0.5, "max_median_latency_ms": 300}})
    assert r.status_code == 200, r.text
    got = results(admin, sid)
    assert got["pass"] is False and "precision" in got["fail_reason"]
    r = call(admin, "PATCH", "/api/test-sessions/%d" % sid,
             json={"criteria": {"min_recall": 0.6, "max_median_latency_ms": 300}})
    got = results(admin, sid)
    assert got["pass"] is True and got["fail_reason"] is None
    r = call(admin, "PATCH", "/api/test-sessions/%d" % sid,
             json={"criteria": {"max_median_latency_ms": 100}})
    assert results(admin, sid)["pass"] is False

    # A narrower tolerance (100 ms) loses the 120 ms and 200 ms matches.
    r = call(admin, "PATCH", "/api/test-sessions/%d" % sid, json={"tolerance_ms": 100})
    assert r.status_code == 200, r.text
    got, want = results(admin, sid), oracle(video_times(EVENTS), 0.1)
    assert (got["tp"], got["fp"], got["fn"]) == (want["tp"], want["fp"], want["fn"]) == (0, 5, 3)
    assert got["latency_ms"]["median"] is None and got["precision"] == 0

    # Closing stores an evaluation with its manifest; then nothing more.
    r = call(admin, "PATCH", "/api/test-sessions/%d" % sid, json={"state": "closed"})
    assert r.status_code == 200 and r.json()["state"] == "closed", r.text
    rows = avp.psql("SELECT manifest::text, results::text FROM evaluations "
                    "WHERE test_session_id = %d" % sid)
    assert len(rows) == 1
    manifest, stored = json.loads(rows[0][0]), json.loads(rows[0][1])
    assert manifest["tolerance_ms"] == 100 and manifest["events_count"] == len(EVENTS)
    assert manifest["class_map"] == CLASS_MAP and len(manifest["video_sha256"]) == 64
    assert stored["fp"] == 5
    r = call(admin, "POST", "/api/test-sessions/%d/events" % sid, json={"class": "car", "t": 1})
    assert_error(r, 409)
    assert r.json()["error"]["code"] == "closed"
    assert_error(call(admin, "PATCH", "/api/test-sessions/%d" % sid, json={"name": "x"}), 409)
    actions = [a for (a,) in avp.psql("SELECT action FROM audit_log WHERE object_type = "
                                      "'test_session' AND object_id = %d ORDER BY id" % sid)]
    assert actions == ["create", "sync", "events", "events", "update", "update", "update",
                       "update", "update", "evaluate"]


def test_evaluate_stores_the_results(admin, mapped_project, video):
    sid = new_session(admin, mapped_project, video)["id"]
    call(admin, "POST", "/api/test-sessions/%d/events" % sid, json={"class": "person", "t": 1.0})
    r = call(admin, "POST", "/api/test-sessions/%d/evaluate" % sid)
    assert r.status_code == 201, r.text
    ev = r.json()
    assert ev["test_session_id"] == sid and ev["results"]["tp"] == 1
    assert ev["results"]["latency_ms"]["median"] == pytest.approx(0)
    assert ev["manifest"]["avp_version"]


N_CLOSERS = 24


def test_concurrent_closes_store_one_evaluation(avp, admin, mapped_project, video):
    """Clients close one session at once: one wins, the others get
    409, and exactly one evaluation is stored with it."""
    from concurrent.futures import ThreadPoolExecutor
    sid = new_session(admin, mapped_project, video)["id"]
    call(admin, "POST", "/api/test-sessions/%d/events" % sid, json={"class": "person", "t": 1.0})
    token = admin.headers["Authorization"]

    def close(_):
        return requests.patch(avp.url + "/api/test-sessions/%d" % sid, timeout=60,
                              headers={"Authorization": token}, json={"state": "closed"})
    with ThreadPoolExecutor(N_CLOSERS) as pool:
        codes = sorted(r.status_code for r in pool.map(close, range(N_CLOSERS)))
    assert codes == [200] + [409] * (N_CLOSERS - 1), codes
    rows = avp.psql("SELECT count(*) FROM evaluations WHERE test_session_id = %d" % sid)
    assert rows == [["1"]], rows


@pytest.mark.parametrize("body", [
    {"class": "person", "t": 1, "colour": "red"},             # unknown field
    {"class": "person", "t": 1, "device_time": SYNC},         # two clocks in one event
    {"class": "person"},                                      # no time
    {"class": "", "t": 1},                                    # empty class
    {"class": "person", "t": 1, "confidence": 1.5},
    {"class": "person", "t": 1, "box": [10, 10, 5, 20]},      # inverted box
    {"class": "person", "t": 1, "box": [1, 2, 3]},
    {"events": [{"class": "person", "t": 1}], "extra": 1},
    {"events": []},
    {"events": [{"class": "person", "t": 1}, {"class": "car", "t": "soon"}]},
])
def test_bad_events_are_400_and_insert_nothing(admin, mapped_project, video, body):
    sid = new_session(admin, mapped_project, video)["id"]
    assert_error(call(admin, "POST", "/api/test-sessions/%d/events" % sid, json=body), 400)
    assert call(admin, "GET", "/api/test-sessions/%d" % sid).json()["events_count"] == 0


def test_batch_limits_and_bad_sessions(admin, mapped_project, video):
    sid = new_session(admin, mapped_project, video)["id"]
    many = [{"class": "car", "t": i / 10000} for i in range(10001)]  # < 1 s
    assert_error(call(admin, "POST", "/api/test-sessions/%d/events" % sid,
                      json={"events": many}), 413)
    r = call(admin, "POST", "/api/test-sessions/%d/events" % sid, json={"events": many[:10000]})
    assert r.status_code == 201 and r.json()["inserted"] == 10000, r.text
    got = results(admin, sid)
    assert got["events"] == 10000 and got["tp"] == 0  # no vehicle onset before 4 s
    assert_error(call(admin, "POST", "/api/test-sessions/%d/sync" % sid,
                      json={"offset": 5, "video_time": 1}), 400)
    assert_error(call(admin, "PATCH", "/api/test-sessions/%d" % sid,
                      json={"state": "finished"}), 400)
    assert_error(call(admin, "PATCH", "/api/test-sessions/%d" % sid,
                      json={"criteria": {"min_precision": 2}}), 400)
    assert_error(call(admin, "POST", "/api/projects/%d/test-sessions" % mapped_project,
                      json={"video_id": video, "criteria": {"speed": 1}}), 400)
    assert_error(call(admin, "POST", "/api/projects/%d/test-sessions" % mapped_project,
                      json={"video_id": 999999}), 404)
    assert_error(call(admin, "POST", "/api/test-sessions/999999/events",
                      json={"class": "car", "t": 1}), 404)


def test_access_is_membership(admin, carol, mapped_project, video):
    sid = new_session(admin, mapped_project, video)["id"]
    paths = [("GET", "/api/test-sessions/%d" % sid, None),
             ("GET", "/api/test-sessions/%d/results" % sid, None),
             ("GET", "/api/test-sessions/%d/events" % sid, None),
             ("POST", "/api/test-sessions/%d/events" % sid, {"class": "car", "t": 1}),
             ("GET", "/api/projects/%d/test-sessions" % mapped_project, None)]
    for method, path, body in paths:
        assert_error(call(carol, method, path, json=body), 404)
    r = call(admin, "POST", "/api/projects/%d/members" % mapped_project,
             json={"username": "sally", "role": "viewer"})
    assert r.status_code in (200, 201), r.text
    for method, path, body in paths:
        r = call(carol, method, path, json=body)
        assert r.status_code == (403 if method == "POST" else 200), (path, r.text)
    assert_error(call(carol, "PATCH", "/api/test-sessions/%d" % sid, json={"name": "x"}), 403)
    assert_error(call(carol, "DELETE", "/api/test-sessions/%d" % sid), 403)


def recv_json(ws, timeout=15):
    """The next message. The timeout is per socket read and the server
    pings every 20 s, which restarts it: keep it under 20 s or a missing
    message waits forever."""
    ws.settimeout(min(timeout, 15))
    return json.loads(ws.recv())


def test_websocket_gets_results_after_each_post(avp, admin, mapped_project, video):
    sid = new_session(admin, mapped_project, video)["id"]
    url = avp.url.replace("http", "ws") + "/ws/test-sessions/%d" % sid
    ws = ws_connect(admin, url, timeout=30)
    try:
        hello = recv_json(ws)
        assert hello["session_id"] == sid and hello["events"] == 0
        r = call(admin, "POST", "/api/test-sessions/%d/events" % sid,
                 json={"class": "person", "t": 1.1})
        assert r.status_code == 201, r.text
        msg = recv_json(ws)
        assert msg["events"] == 1 and msg["tp"] == 1 and msg == results(admin, sid)
        # A burst is coalesced: pushes come at most every 250 ms (counted,
        # not timed: a busy client may read two at once), and the last
        # one has every event.
        t0 = time.time()
        for i in range(8):
            call(admin, "POST", "/api/test-sessions/%d/events" % sid,
                 json={"class": "car", "t": 2 + i / 10})
        posted = time.time() - t0
        seen = []
        while not seen or seen[-1]["events"] < 9:
            seen.append(recv_json(ws))
        assert len(seen) <= 2 + posted / 0.25, (len(seen), posted)
        assert [m["events"] for m in seen] == sorted(m["events"] for m in seen)
        # Deleting the session lets its watchers go.
        assert call(admin, "DELETE", "/api/test-sessions/%d" % sid).status_code == 204
        ws.settimeout(15)
        with pytest.raises(websocket.WebSocketConnectionClosedException):
            while True:
                if not ws.recv():
                    raise websocket.WebSocketConnectionClosedException()
    finally:
        ws.close()
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        ws_connect(admin, url.replace("/%d" % sid, "/999999"))
    assert e.value.status_code == 404


def test_websocket_follows_ground_truth_edits(avp, admin, mapped_project, video):
    """Results are scored against the video's ground truth: a box added or
    deleted through the API reaches the watchers without any new event."""
    sid = new_session(admin, mapped_project, video)["id"]
    url = avp.url.replace("http", "ws") + "/ws/test-sessions/%d" % sid
    ws = ws_connect(admin, url, timeout=30)
    try:
        before = recv_json(ws)["targets"]
        r = call(admin, "POST", "/api/videos/%d/ground-truth" % video,
                 json={"frame": 70, "t": 7.0, "class": "person",
                       "x1": 5, "y1": 5, "x2": 50, "y2": 90})
        assert r.status_code == 201, r.text
        box = r.json()["id"]
        msg = recv_json(ws)
        assert msg["targets"] == before + 1 and msg == results(admin, sid)
        assert call(admin, "DELETE", "/api/ground-truth/%d" % box).status_code == 204
        assert recv_json(ws)["targets"] == before
    finally:
        ws.close()


def test_websocket_follows_posts_to_another_instance(admin, mapped_project, video, second_server):
    sid = new_session(admin, mapped_project, video)["id"]
    url = second_server.replace("http", "ws") + "/ws/test-sessions/%d" % sid
    ws = ws_connect(admin, url, timeout=30)
    try:
        assert recv_json(ws)["events"] == 0
        r = call(admin, "POST", "/api/test-sessions/%d/events" % sid,
                 json={"events": [{"class": "person", "t": 1.2}, {"class": "car", "t": 4.1}]})
        assert r.status_code == 201, r.text
        msg = recv_json(ws)  # pushed by the other instance, told through Redis
        assert (msg["events"], msg["tp"]) == (2, 2) and msg == results(admin, sid)
    finally:
        ws.close()


def test_simulator_posts_to_the_live_session(avp, admin, mapped_project, video):
    sid = new_session(admin, mapped_project, video, criteria={"min_recall": 0.9})["id"]
    r = call(admin, "GET", "/api/test-sessions/%d/targets" % sid)
    assert r.status_code == 200, r.text
    assert sorted((t["class"], round(t["onset"], 6), round(t["end"], 6))
                  for t in r.json()["items"]) == sorted(
        (c, f / FPS, (f + n) / FPS) for c, f, n, _ in OBJECTS)
    key = call(admin, "POST", "/api/auth/keys", json={"name": "device"}).json()["key"]
    out = subprocess.run(
        [os.environ["AVP_BIN"], "device", "simulate", "--session", str(sid),
         "--server", avp.url, "--latency", "150ms", "--jitter", "0", "--miss", "0",
         "--fp-rate", "0", "--clock", "epoch", "--speed", "20", "--batch", "2", "--json"],
        env=dict(os.environ, AVP_API_KEY=key), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    printed = json.loads(out.stdout)
    assert printed == results(admin, sid)
    # One event per target 150 ms after its onset; the dog's is ignored.
    assert (printed["targets"], printed["events"]) == (3, 3)
    assert (printed["tp"], printed["fp"], printed["fn"]) == (3, 0, 0)
    assert printed["latency_ms"]["median"] == pytest.approx(150, abs=1e-2)
    assert printed["pass"] is True
    sess = call(admin, "GET", "/api/test-sessions/%d" % sid).json()
    assert sess["events_count"] == 4 and sess["sync_offset"] > 1.6e9
    items = call(admin, "GET", "/api/test-sessions/%d/events" % sid).json()["items"]
    assert all(e["device_time"] is not None for e in items)
    # Without a server or a key it says why and fails.
    out = subprocess.run([os.environ["AVP_BIN"], "device", "simulate", "--session",
                          str(sid), "--server", avp.url],
                         env={k: v for k, v in os.environ.items() if k != "AVP_API_KEY"},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "401" in out.stderr, out.stderr
