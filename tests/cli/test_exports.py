"""Black-box tests of how `avp` takes exports found in the wild (issue 13):
raw-logit heads, graphs that hard-code batch 1, and ultralytics' metadata
(class names, task, imgsz). Variants of the shared models are built here
with python3-onnx at test time, the way the exporters would have written
them; nothing binary is committed."""
import json
import os
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

AVP = os.environ.get("AVP_BIN", "build/src/cli/avp")
SHARED = Path(os.environ.get("AVP_SHARED_DIR", "../shared"))
YOLOX = SHARED / "models" / "yolox_nano.onnx"
YOLOV8 = SHARED / "models" / "yolov8n_fp32.onnx"
PHOTO = Path("/usr/share/darknet/data/person.jpg")

needs_yolox = pytest.mark.skipif(not YOLOX.exists(), reason=f"{YOLOX} absent")
needs_yolov8 = pytest.mark.skipif(not YOLOV8.exists(), reason=f"{YOLOV8} absent")
needs_photo = pytest.mark.skipif(not PHOTO.exists(), reason="Debian's darknet photos are absent")


def avp(*args, check=None):
    r = subprocess.run([AVP, *map(str, args)], capture_output=True, text=True, timeout=300)
    if check is not None:
        assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
    return r


def detections(model, out, *opts):
    r = avp("detect", "--model", model, *opts, PHOTO, "-o", out, check=0)
    return [json.loads(line) for line in out.read_text().splitlines()], r.stderr


def without_final_sigmoids(src, dst, only_input=None):
    """The export without the Sigmoids that feed the head's Concat: what
    YOLOX and ultralytics models give when exported before activation
    (only_input: just those feeding that input of each Concat)."""
    m = onnx.load(src)
    g = m.graph
    concat_inputs = {i for n in g.node if n.op_type == "Concat"
                     for k, i in enumerate(n.input) if only_input in (None, k)}
    cut = [n for n in g.node if n.op_type == "Sigmoid" and n.output[0] in concat_inputs]
    for n in cut:
        for other in g.node:
            other.input[:] = [n.input[0] if i == n.output[0] else i for i in other.input]
        g.node.remove(n)
    onnx.save(m, dst)
    return len(cut)


def close(a, b):
    assert [(d["frame"], d["class"]) for d in a] == [(d["frame"], d["class"]) for d in b]
    for x, y in zip(a, b):
        assert abs(x["score"] - y["score"]) <= 1e-4
        assert np.allclose(x["box"], y["box"], atol=0.05)


@pytest.mark.parametrize("model", [pytest.param(YOLOX, marks=needs_yolox),
                                   pytest.param(YOLOV8, marks=needs_yolov8)])
@needs_photo
def test_raw_logits_get_their_sigmoid(tmp_path, model):
    raw = tmp_path / "raw.onnx"
    assert without_final_sigmoids(model, raw) == (6 if model == YOLOX else 1)
    info = json.loads(avp("models", "inspect", "--json", raw, check=0).stdout)
    assert info["raw_scores"] is True
    assert json.loads(avp("models", "inspect", "--json", model, check=0).stdout)["raw_scores"] is False
    got, err = detections(raw, tmp_path / "raw.jsonl")
    want, _ = detections(model, tmp_path / "ref.jsonl")
    assert "raw logits" in err and "applies" in err
    assert got and all(0 <= d["score"] <= 1 for d in got)
    close(got, want)


@needs_yolox
@needs_photo
def test_scores_outside_probabilities_are_refused(tmp_path):
    """Class logits behind a kept objectness Sigmoid: the graph's tail
    looks activated, the first frame's scores show it is not."""
    raw = tmp_path / "cls_raw.onnx"
    assert without_final_sigmoids(YOLOX, raw, only_input=2) == 3
    assert json.loads(avp("models", "inspect", "--json", raw, check=0).stdout)["raw_scores"] is False
    out = tmp_path / "o.jsonl"
    r = avp("detect", "--model", raw, PHOTO, "-o", out, check=1)
    assert "outside [0, 1]" in r.stderr and "Sigmoid" in r.stderr
    assert not out.exists()


def batch_one_yolox(path):
    """A YOLOX-style detector (64x64 input, strides 8/16/32, 80 classes)
    whose Reshape targets leave the batch out ([85, 64]), as some exports
    do: nothing marks a batch to rewrite, so only batch 1 can run."""
    rng = np.random.default_rng(5)
    nodes, inits, flat = [], [], []
    for s, hw in ((8, 8), (16, 4), (32, 2)):
        w = numpy_helper.from_array(rng.normal(0, 0.05, (85, 3, s, s)).astype(np.float32), f"w{s}")
        shape = numpy_helper.from_array(np.array([85, hw * hw], np.int64), f"shape{s}")
        inits += [w, shape]
        nodes += [helper.make_node("Conv", ["images", f"w{s}"], [f"c{s}"], kernel_shape=[s, s],
                                   strides=[s, s]),
                  helper.make_node("Sigmoid", [f"c{s}"], [f"p{s}"]),
                  helper.make_node("Reshape", [f"p{s}", f"shape{s}"], [f"r{s}"])]
        flat.append(f"r{s}")
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axes"))
    nodes += [helper.make_node("Concat", flat, ["cat"], axis=1),
              helper.make_node("Transpose", ["cat"], ["t"], perm=[1, 0]),
              helper.make_node("Unsqueeze", ["t", "axes"], ["output"])]
    g = helper.make_graph(nodes, "batch_one", [
        helper.make_tensor_value_info("images", TensorProto.FLOAT, [1, 3, 64, 64])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 84, 85])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, path)


@needs_photo
def test_hard_coded_batch_falls_back_to_one(tmp_path):
    model = tmp_path / "batch1.onnx"
    batch_one_yolox(model)
    info = json.loads(avp("models", "inspect", "--json", "--batch", 8, model, check=0).stdout)
    assert info["inputs"][0]["shape"][0] == 1
    assert "batch 8 is not possible" in info["batch_note"] and "running batch 1" in info["batch_note"]
    got, err = detections(model, tmp_path / "b8.jsonl", "--batch", 8, "--conf", 0.5)
    notes = [ln for ln in err.splitlines() if "batch" in ln]
    assert len(notes) == 1 and "cannot become" in notes[0], err
    want, err1 = detections(model, tmp_path / "b1.jsonl", "--batch", 1, "--conf", 0.5)
    assert "not possible" not in err1
    assert got == want


def with_metadata(tmp_path, **props):
    m = onnx.load(YOLOV8)
    for p in m.metadata_props:
        if p.key in props:
            p.value = props.pop(p.key)
    for k, v in props.items():
        m.metadata_props.add(key=k, value=v)
    path = tmp_path / "v8.onnx"
    onnx.save(m, path)
    return path, m


@needs_yolov8
def test_inspect_prints_family_preprocessing_and_names():
    r = avp("models", "inspect", YOLOV8, check=0)
    assert "yolov8 (80 classes)" in r.stdout
    assert "640x640 RGB /255, letterbox centred, pad 114" in r.stdout
    assert "80, from the model: 0 person, 1 bicycle" in r.stdout
    assert "task detect, imgsz 640x640, stride 32" in r.stdout


@needs_yolov8
@needs_photo
def test_metadata_names_label_detections(tmp_path):
    names = str({i: f"thing {i}" for i in range(78)} | {78: "café", 79: "o'clock"})
    model, _ = with_metadata(tmp_path, names=names)
    got, _ = detections(model, tmp_path / "o.jsonl")
    assert got and all(d["label"] == f"thing {d['class']}" for d in got)
    info = json.loads(avp("models", "inspect", "--json", model, check=0).stdout)
    assert info["names"][78:] == ["café", "o'clock"]
    three = tmp_path / "names.txt"
    three.write_text("a\nb\nc\n")
    r = avp("detect", "--model", model, "--names", three, PHOTO, "-o", tmp_path / "x", check=1)
    assert "3 names" in r.stderr and "80 classes" in r.stderr


@needs_yolov8
@pytest.mark.parametrize("names,why", [
    ("{0: 'person', 2: 'car'}", "not a dict of class names"),
    ("{0: 'person', 1: 'car'", "not a dict of class names"),
    ("['person', 'car']", "not a dict of class names"),
    ("{0: 'a\\x00b'}", "not a dict of class names"),
    ("{0: 'person', 1: 'car'}", "lists 2 classes but the output has 80"),
])
def test_unreadable_or_wrong_names_are_refused(tmp_path, names, why):
    model, _ = with_metadata(tmp_path, names=names)
    r = avp("models", "inspect", model, check=1)
    assert why in r.stderr and r.stderr.count("\n") == 1


@needs_yolov8
def test_task_and_dynamic_size_from_metadata(tmp_path):
    model, m = with_metadata(tmp_path, task="segment")
    info = json.loads(avp("models", "inspect", "--json", model, check=0).stdout)
    assert info["family"] == "unknown" and info["task"] == "segment"
    m = onnx.load(YOLOV8)  # ultralytics' dynamic=True: symbolic height, width
    for d, name in zip(m.graph.input[0].type.tensor_type.shape.dim[2:], ("height", "width")):
        d.dim_param = name
    onnx.save(m, tmp_path / "dyn.onnx")
    info = json.loads(avp("models", "inspect", "--json", tmp_path / "dyn.onnx", check=0).stdout)
    assert info["inputs"][0]["shape"] == [1, 3, 640, 640]
    m.metadata_props.remove(next(p for p in m.metadata_props if p.key == "imgsz"))
    onnx.save(m, tmp_path / "dyn.onnx")
    r = avp("models", "inspect", tmp_path / "dyn.onnx", check=1)
    assert "dynamic dimension 2" in r.stderr
