"""Black-box tests of the `avp` command line: usage errors, bad inputs that
must leave no output behind, and real detections on Debian's darknet photos."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

AVP = os.environ.get("AVP_BIN", "build/src/cli/avp")
SHARED = Path(os.environ.get("AVP_SHARED_DIR", "../shared"))
MODEL = SHARED / "models" / "yolox_nano.onnx"
PHOTOS = Path("/usr/share/darknet/data")

needs_model = pytest.mark.skipif(
    not MODEL.exists(), reason=f"{MODEL} absent: the shared YOLOX-Nano model is needed")
needs_photos = pytest.mark.skipif(
    not (PHOTOS / "person.jpg").exists(), reason="Debian's darknet photos are not installed")


def avp(*args, check=None):
    r = subprocess.run([AVP, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check is not None:
        assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
    return r


def leftovers(d: Path):
    return sorted(p.name for p in d.iterdir())


def test_usage_errors_exit_2():
    assert avp().returncode == 2
    assert avp("frobnicate").returncode == 2
    r = avp("detect", "x.mp4", "-o", "o.jsonl", check=2)
    assert "--model is required" in r.stderr
    r = avp("detect", "--model", "m.onnx", "--conf", "1.5", "x.mp4", "-o", "o", check=2)
    assert "--conf" in r.stderr
    r = avp("detect", "--model", "m", "--every", "2", "--fps", "5", "x", "-o", "o", check=2)
    assert "exclude" in r.stderr
    r = avp("detect", "--model", "m", "x", check=2)
    assert "nothing to write" in r.stderr
    r = avp("detect", "--model", "m", "--preprocess", "opencv", "x", "-o", "o", check=2)
    assert "'opencv' for --preprocess" in r.stderr


def test_version_and_help():
    assert avp("version", check=0).stdout.startswith("avp ")
    assert "detect" in avp("--help", check=0).stdout


def test_missing_model_is_one_clear_line(tmp_path):
    out = tmp_path / "o.jsonl"
    r = avp("detect", "--model", tmp_path / "none.onnx", PHOTOS / "dog.jpg", "-o", out, check=1)
    assert r.stderr.startswith("avp detect: ") and r.stderr.count("\n") == 1
    assert leftovers(tmp_path) == []


def test_text_file_as_model_fails_cleanly(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_text("this is not a protobuf\n" * 10)
    r = avp("detect", "--model", bad, PHOTOS / "dog.jpg", "-o", tmp_path / "o.jsonl", check=1)
    assert "bad.onnx" in r.stderr
    assert leftovers(tmp_path) == ["bad.onnx"]
    assert avp("models", "inspect", bad).returncode == 1


@needs_model
@pytest.mark.parametrize("content", [b"", b"hello, not a video\n", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64])
def test_bad_input_leaves_no_output_and_keeps_old_file(tmp_path, content):
    src = tmp_path / "in.mp4"
    src.write_bytes(content)
    out = tmp_path / "o.jsonl"
    out.write_text("previous results\n")
    r = avp("detect", "--model", MODEL, src, "-o", out, "--coco", tmp_path / "c.json", check=1)
    assert r.stderr.startswith("avp detect: ")
    assert out.read_text() == "previous results\n"
    assert leftovers(tmp_path) == ["in.mp4", "o.jsonl"]


@needs_model
def test_missing_input(tmp_path):
    r = avp("detect", "--model", MODEL, tmp_path / "nope.mp4", "-o", tmp_path / "o.jsonl", check=1)
    assert "nope.mp4" in r.stderr
    assert leftovers(tmp_path) == []


@needs_model
@needs_photos
def test_person_jpg_jsonl_and_coco(tmp_path):
    out, coco = tmp_path / "o.jsonl", tmp_path / "c.json"
    r = avp("detect", "--model", MODEL, "--conf", "0.35", PHOTOS / "person.jpg",
            "-o", out, "--coco", coco, check=0)
    assert "1 frames, 3 detections" in r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["label"] for r in rows) == ["dog", "horse", "person"]
    for row in rows:
        assert set(row) == {"frame", "t", "class", "label", "score", "box"}
        assert row["frame"] == 0 and row["t"] == 0
        x1, y1, x2, y2 = row["box"]
        assert 0 <= x1 < x2 <= 640 and 0 <= y1 < y2 <= 424
        assert 0.8 < row["score"] < 0.95
    results = json.loads(coco.read_text())
    # COCO's own category ids: person 1, dog 18, horse 19.
    assert sorted(d["category_id"] for d in results) == [1, 18, 19]
    for d in results:
        assert d["image_id"] == 0 and len(d["bbox"]) == 4 and d["bbox"][2] > 0


@needs_model
@needs_photos
def test_preprocess_modes_say_which_and_find_the_same_objects(tmp_path):
    """Exact is the default; fast's pixels differ by a level or two, which
    moves scores a little but finds the same three objects here."""
    found = {}
    for mode in ("exact", "fast"):
        out = tmp_path / f"{mode}.jsonl"
        args = ["--preprocess", mode] if mode == "fast" else []
        r = avp("detect", "--model", MODEL, "--conf", "0.35", *args,
                PHOTOS / "person.jpg", "-o", out, check=0)
        assert f"{mode} preprocessing" in r.stderr
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        found[mode] = {row["label"]: row["score"] for row in rows}
    assert sorted(found["exact"]) == sorted(found["fast"]) == ["dog", "horse", "person"]
    assert found["exact"] != found["fast"]


@needs_model
@needs_photos
def test_class_filter_by_name_and_index(tmp_path):
    out = tmp_path / "o.jsonl"
    avp("detect", "--model", MODEL, "--classes", "person,16", PHOTOS / "person.jpg", "-o", out, check=0)
    labels = sorted(json.loads(l)["label"] for l in out.read_text().splitlines())
    assert labels == ["dog", "person"]
    r = avp("detect", "--model", MODEL, "--classes", "unicorn", PHOTOS / "person.jpg", "-o", out, check=1)
    assert "unicorn" in r.stderr


@needs_model
@needs_photos
def test_names_file_must_match_model(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("a\nb\nc\n")
    r = avp("detect", "--model", MODEL, "--names", names, PHOTOS / "dog.jpg",
            "-o", tmp_path / "o.jsonl", check=1)
    assert "3 names" in r.stderr and "80 classes" in r.stderr


@needs_model
@needs_photos
def test_folder_input_numbers_images_in_name_order(tmp_path):
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i, name in enumerate(["person", "dog", "horses"]):
        shutil.copy(PHOTOS / f"{name}.jpg", folder / f"{i:02d}.jpg")
    (folder / "notes.txt").write_text("not an image")
    out = tmp_path / "o.jsonl"
    avp("detect", "--model", MODEL, "--conf", "0.5", folder, "-o", out, check=0)
    rows = [json.loads(l) for l in out.read_text().splitlines()]
    by_frame = {}
    for r in rows:
        by_frame.setdefault(r["frame"], set()).add(r["label"])
    assert by_frame[0] >= {"person", "dog", "horse"}
    assert "dog" in by_frame[1] and "bicycle" in by_frame[1]
    assert by_frame[2] == {"horse"}


@needs_model
@needs_photos
def test_every_nth_frame_keeps_frame_numbers_and_pts(tmp_path):
    clip = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-loop", "1", "-t", "2", "-i",
                    PHOTOS / "dog.jpg", "-r", "10", "-c:v", "libx264", "-pix_fmt",
                    "yuv420p", clip], check=True)
    total = int(subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
         "stream=nb_read_frames", "-of", "csv=p=0", clip],
        capture_output=True, text=True, check=True).stdout)
    kept = list(range(0, total, 5))
    out = tmp_path / "o.jsonl"
    r = avp("detect", "--model", MODEL, "--every", "5", "--batch", "3", clip, "-o", out, check=0)
    assert f"{len(kept)} frames" in r.stderr
    frames = sorted({json.loads(l)["frame"] for l in out.read_text().splitlines()})
    assert frames == kept
    for line in out.read_text().splitlines():
        row = json.loads(line)
        assert row["t"] == pytest.approx(row["frame"] / 10, abs=1e-6)


@needs_model
def test_models_inspect_text_and_json():
    r = avp("models", "inspect", MODEL, check=0)
    assert "yolox (80 classes)" in r.stdout and "Conv" in r.stdout
    info = json.loads(avp("models", "inspect", "--json", "--batch", "4", MODEL, check=0).stdout)
    assert info["family"] == "yolox" and info["num_classes"] == 80
    assert info["outputs"][0]["shape"] == [4, 3549, 85]
    assert info["ops"]["Conv"] == 113
    assert 0.9e9 < info["flops_per_frame"] < 1.2e9


@needs_model
def test_models_inspect_within_a_memory_limit():
    """The server's loader child: a model that needs more than its budget
    fails to load instead of taking the host; enough budget loads it."""
    small = avp("models", "inspect", "--json", "--max-memory", 4 << 20, MODEL)
    # 1 (the loader's error), or a sanitizer build's out-of-memory report.
    assert small.returncode != 0 and small.stdout == "", small
    ok = avp("models", "inspect", "--json", "--max-memory", 1 << 30, MODEL, check=0)
    assert json.loads(ok.stdout)["family"] == "yolox"
    assert avp("models", "inspect", "--max-memory", "lots", MODEL).returncode == 2


def device_session(d: Path):
    """Two person tracks and a car track (AVP ground-truth JSON) and a
    device's events: both persons reported as "pedestrian", the car as
    "car", and a "dog" no target has."""
    boxes = [{"frame": f, "t": f / 10, "label": label, "box": [10, 10, 20, 20],
              "track_id": tid}
             for tid, label, frames in ((1, "person", (10, 11)), (2, "person", (40, 41)),
                                        (3, "car", (70, 71)))
             for f in frames]
    gt = {"format": "avp-gt", "version": 1,
          "video": {"width": 64, "height": 64, "fps": 10, "num_frames": 100},
          "labels": ["person", "car"], "boxes": boxes}
    (d / "gt.json").write_text(json.dumps(gt))
    events = [("pedestrian", 1.1), ("pedestrian", 4.05), ("car", 7.1), ("dog", 8.0)]
    (d / "ev.jsonl").write_text("".join(
        json.dumps({"class": c, "confidence": 0.9, "t": t}) + "\n" for c, t in events))
    return d / "gt.json", d / "ev.jsonl"


def test_device_score_map(tmp_path):
    gt, ev = device_session(tmp_path)
    r = avp("device", "score", "--gt", gt, "--events", ev, "--map",
            "person=pedestrian,car=car", "--json", check=0)
    res = json.loads(r.stdout)
    rows = {c["class"]: (c["targets"], c["events"], c["tp"]) for c in res["classes"]}
    # The dog is in neither side of the map: ignored, not a false positive.
    assert rows == {"car": (1, 1, 1), "pedestrian": (2, 2, 2)}, rows
    assert res["overall"]["fp"] == 0 and res["overall"]["recall"] == 1
    # Without a map "person" and "pedestrian" are different classes.
    res = json.loads(avp("device", "score", "--gt", gt, "--events", ev, "--json",
                         check=0).stdout)
    assert res["overall"]["tp"] == 1 and res["overall"]["fp"] == 3


def test_device_score_map_refuses_chains(tmp_path):
    gt, ev = device_session(tmp_path)
    # person -> pedestrian -> walker is ambiguous: as the API, the CLI refuses it.
    r = avp("device", "score", "--gt", gt, "--events", ev, "--map",
            "person=pedestrian,pedestrian=walker", check=2)
    assert r.stdout == ""
    assert r.stderr.startswith("avp device score: --map: ") and r.stderr.count("\n") == 1
    assert '"person" -> "pedestrian" -> "walker"' in r.stderr, r.stderr
    for bad, why in (("person", "is not FROM=TO"), ("person=a,person=b", "twice"),
                     ("person=" + "x" * 129, "1 to 128 characters")):
        r = avp("device", "score", "--gt", gt, "--events", ev, "--map", bad, check=2)
        assert why in r.stderr, r.stderr
    # Each class straight to its final class is fine; a -> a is not a chain.
    avp("device", "score", "--gt", gt, "--events", ev, "--map",
        "person=walker,pedestrian=walker,walker=walker", "--json", check=0)
    assert "chain (a=b,b=c) is refused" in avp("device", "score", "--help", check=0).stdout


def test_media_probe_and_thumbnail(tmp_path):
    clip = SHARED / "media" / "photos_720p.mp4"
    if not clip.exists():
        pytest.skip(f"{clip} absent")
    info = json.loads(avp("media", "probe", "--json", clip, check=0).stdout)
    assert info["kind"] == "video" and (info["width"], info["height"]) == (1280, 720)
    assert info["frame_count"] == 240 and info["codec"] == "h264"
    assert "1280x720" in avp("media", "probe", clip, check=0).stdout
    out = tmp_path / "t.jpg"
    assert avp("media", "thumbnail", "--json", "--at", "1.5", "--width", "160", "--",
               clip, out, check=0).stdout.strip() == "{}"
    assert out.read_bytes()[:2] == b"\xff\xd8"
    # Failures: a JSON error with AVP's code for the server, one line otherwise.
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    r = avp("media", "probe", "--json", bad, check=1)
    err = json.loads(r.stdout)["error"]
    assert err["code"] == -3 and "not a video" in err["message"]
    r = avp("media", "probe", bad, check=1)
    assert r.stderr.startswith("avp media: ") and r.stdout == ""
    avp("media", "thumbnail", clip, out, check=2)  # --at is required
    avp("media", "thumbnail", "--at", "x", clip, out, check=2)
    avp("media", "frobnicate", check=2)
