"""What a stored file can do in a member's browser: nothing. A hostile
member's upload (a real video with a script appended, named x.html or
x.svg) passes the probe, and must come back as the video the probe found,
never as a page of the API's origin; and every reply of the server, API or
web UI, forbids sniffing and framing and, outside the web UI, running
anything (docs/SECURITY.md)."""
import os

import pytest
import requests
from client import call, ok

from conftest import serve

API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox"
HTML = b"<html><body><script>fetch('/api/auth/keys', {method: 'POST'})</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'


def assert_policy(r, csp=API_CSP):
    assert r.headers["X-Content-Type-Options"] == "nosniff", r.headers
    assert r.headers["X-Frame-Options"] == "DENY", r.headers
    assert r.headers["Content-Security-Policy"] == csp, r.headers


def assert_safe_stream(r, content_type):
    assert r.headers["Content-Type"] == content_type, r.headers
    assert_policy(r)
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("inline; filename="), disposition
    assert ".html" not in disposition and ".svg" not in disposition, disposition


@pytest.fixture(scope="module")
def hostile(admin, project, clip):
    """The clip with a script appended, uploaded as x.html and as x.svg:
    {name: (video id, bytes)}."""
    with open(clip, "rb") as f:
        video = f.read()
    uploaded = {}
    for name, tail in [("x.html", HTML), ("x.svg", SVG)]:
        data = video + tail
        r = call(admin, "POST", "/api/projects/%d/videos" % project,
                 params={"filename": name}, data=data)
        uploaded[name] = (ok(r, 201)["id"], data)
    return uploaded


@pytest.mark.parametrize("name", ["x.html", "x.svg"])
def test_an_upload_named_as_a_page_streams_as_its_video(admin, hostile, name):
    vid, data = hostile[name]
    assert ok(call(admin, "GET", "/api/videos/%d" % vid))["filename"] == name
    r = call(admin, "GET", "/api/videos/%d/stream" % vid)
    assert r.status_code == 200 and r.content == data
    assert_safe_stream(r, "video/mp4")
    # Range still works, under the same headers.
    r = call(admin, "GET", "/api/videos/%d/stream" % vid, headers={"Range": "bytes=100-1099"})
    assert r.status_code == 206 and r.content == data[100:1100]
    assert r.headers["Content-Range"] == "bytes 100-1099/%d" % len(data)
    assert_safe_stream(r, "video/mp4")


def test_stored_files_are_named_by_their_container(avp, hostile):
    for vid, _ in hostile.values():
        [[path]] = avp.psql("SELECT path FROM videos WHERE id = %d" % vid)
        assert path.endswith(".mp4"), path


def test_a_video_stored_before_containers_were_kept_is_an_octet_stream(avp, admin, hostile):
    """Older versions kept the client's extension and no container: such a
    file is served by what the row says, never by its name."""
    vid, data = hostile["x.html"]
    [[path]] = avp.psql("SELECT path FROM videos WHERE id = %d" % vid)
    old = path[:-len(".mp4")] + ".html"
    os.rename(os.path.join(avp.data_dir, path), os.path.join(avp.data_dir, old))
    avp.psql("UPDATE videos SET path = '%s', container = NULL WHERE id = %d" % (old, vid))
    r = call(admin, "GET", "/api/videos/%d/stream" % vid)
    assert r.status_code == 200 and r.content == data
    assert_safe_stream(r, "application/octet-stream")


def test_every_api_reply_carries_the_policy(avp, admin, project):
    for path, status in [("/api/projects", 200), ("/api/projects/%d" % project, 200),
                         ("/api/nope", 404), ("/api/videos/999999", 404),
                         ("/metrics", 200), ("/healthz", 200), ("/readyz", 200)]:
        r = call(admin, "GET", path)
        assert r.status_code == status, (path, r.status_code, r.text)
        assert_policy(r)
    r = call(admin, "POST", "/api/projects", json={"name": 7})
    assert r.status_code == 400
    assert_policy(r)


@pytest.fixture(scope="module")
def ui(avp, tmp_path_factory):
    """A server with a web UI: an index.html and one asset."""
    root = tmp_path_factory.mktemp("web")
    (root / "index.html").write_text("<!doctype html><title>AVP</title>")
    (root / "app.js").write_text("console.log('app')")
    os.chmod(root, 0o755)
    with serve(avp, str(root)) as url:
        yield url


def test_the_web_ui_has_its_own_policy(ui):
    for path in ["/", "/projects/7", "/index.html", "/app.js"]:
        r = requests.get(ui + path, timeout=10)
        assert r.status_code == 200, (path, r.status_code)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
        assert "object-src 'none'" in csp and "sandbox" not in csp, csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, csp
    assert_policy(requests.get(ui + "/api/nope", timeout=10))
