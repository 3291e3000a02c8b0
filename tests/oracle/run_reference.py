#!/usr/bin/python3
"""run_reference.py - computes reference outputs of an ONNX model.

usage: run_reference.py MODEL INPUT OUTPUT [--shape N,C,H,W]
                        [--oracle auto|opencv|numpy|both|ort] [--threads T]

INPUT is a .npy file or raw little-endian float32 (then --shape is
required). Its first axis holds N frames; each frame is run on its own at
batch 1, because that is what the graph was exported for (OpenCV 4.6
mis-batches graphs with hard-coded Reshape targets such as YOLOX-Nano).

Writes OUTPUT: the model outputs as raw float32, output 0 for all N frames
then output 1 and so on, and OUTPUT.json: {"oracle": ..., "outputs":
[{"name", "shape"}], "note": ...}. The oracle line is also printed.

Oracles: "opencv" is cv2.dnn.readNetFromONNX; "numpy" is the interpreter
in numpy_onnx.py; "auto" tries OpenCV and falls back to numpy when OpenCV
cannot load or run the graph (it cannot run the [1, A] stride Mul of
ultralytics exports); "both" runs both and fails (exit 3) unless they agree
to 1e-3 relative, which is how the numpy interpreter itself is checked.
"ort" is ONNX Runtime through tests/oracle/ort_run.js (Node, with the
package scripts/ort.sh installs into bench/ort); it runs every opset and
float16 graphs, which the other two do not.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx

import numpy_onnx

TOLERANCE = 1e-3


def load_input(path, shape):
    if path.endswith(".npy"):
        return np.load(path).astype(np.float32)
    if not shape:
        sys.exit("run_reference.py: raw input needs --shape")
    dims = [int(d) for d in shape.split(",")]
    return np.fromfile(path, dtype="<f4").reshape(dims)


def run_opencv(model_path, model, frames, threads):
    import cv2
    cv2.setNumThreads(threads)
    net = cv2.dnn.readNetFromONNX(model_path)
    names = [o.name for o in model.graph.output]
    outs = []
    for frame in frames:
        net.setInput(np.ascontiguousarray(frame[None]))
        res = net.forward(names)
        outs.append([np.asarray(r, np.float32) for r in res])
    return stack(outs, model)


def run_numpy(model, frames):
    name = model.graph.input[0].name
    return stack([numpy_onnx.run(model, {name: frame[None]}) for frame in frames], model)


ORT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "ort")
ORT_TYPES = {"float32": np.float32, "float16": np.float16, "int64": np.int64}


def run_ort_frame(model_path, frame, half, tmp):
    """One frame through ort_run.js; a float16 input gets the frame rounded
    to half, as a half export is fed."""
    x = np.ascontiguousarray(frame[None], np.float16 if half else "<f4")
    src, dst = os.path.join(tmp, "in.bin"), os.path.join(tmp, "out.bin")
    x.tofile(src)
    dims = ",".join(str(d) for d in x.shape)
    subprocess.run(["node", os.path.join(os.path.dirname(__file__), "ort_run.js"), ORT_DIR,
                    model_path, src, "float16" if half else "float32", dims, dst], check=True)
    with open(dst + ".json") as f:
        meta = json.load(f)
    raw, outs, at = open(dst, "rb").read(), [], 0
    for m in meta:
        dt = np.dtype(ORT_TYPES[m["type"]])
        n = int(np.prod(m["dims"]))
        outs.append(np.frombuffer(raw, dt, n, at).reshape(m["dims"]).astype(np.float32))
        at += n * dt.itemsize
    return outs


def run_ort(model_path, model, frames):
    if not os.path.isdir(os.path.join(ORT_DIR, "node_modules", "onnxruntime-node")):
        sys.exit("run_reference.py: bench/ort/node_modules is absent (run scripts/ort.sh)")
    half = model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT16
    with tempfile.TemporaryDirectory() as tmp:
        return stack([run_ort_frame(model_path, f, half, tmp) for f in frames], model)


def stack(per_frame, model):
    """Joins batch-1 outputs into [N, ...] arrays and checks each frame's
    shape against the graph's declared output shape where it is static."""
    outs = []
    for k, out in enumerate(model.graph.output):
        declared = [d.dim_value for d in out.type.tensor_type.shape.dim]
        for frame in per_frame:
            got = list(frame[k].shape)
            if all(declared) and got != declared:
                raise RuntimeError(f"output {out.name}: shape {got}, graph says {declared}")
        outs.append(np.concatenate([frame[k] for frame in per_frame], axis=0))
    return outs


def max_rel_diff(a, b):
    return max(float(np.max(np.abs(x - y) / np.maximum(1.0, np.abs(y)))) for x, y in zip(a, b))


def compute(args, model, frames):
    if args.oracle == "numpy":
        return run_numpy(model, frames), "numpy", ""
    if args.oracle == "ort":
        return run_ort(args.model, model, frames), "onnxruntime", ""
    if args.oracle == "opencv":
        return run_opencv(args.model, model, frames, args.threads), "opencv", ""
    if args.oracle == "both":
        ref = run_numpy(model, frames)
        got = run_opencv(args.model, model, frames, args.threads)
        diff = max_rel_diff(got, ref)
        if not diff <= TOLERANCE:
            print(f"opencv and numpy oracles disagree: max rel diff {diff:.3g}", file=sys.stderr)
            sys.exit(3)
        return got, "opencv+numpy", f"opencv and numpy agree, max rel diff {diff:.3g}"
    try:
        return run_opencv(args.model, model, frames, args.threads), "opencv", ""
    except Exception as e:  # cv2.error and shape mismatches alike
        lines = [ln.strip("> ") for ln in str(e).splitlines() if "error" in ln]
        reason = (lines[-1] if lines else str(e))[:300]
        return run_numpy(model, frames), "numpy", f"opencv failed: {reason}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--shape")
    p.add_argument("--oracle", choices=["auto", "opencv", "numpy", "both", "ort"], default="auto")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    model = onnx.load(args.model)
    frames = load_input(args.input, args.shape)
    outs, oracle, note = compute(args, model, frames)
    with open(args.output, "wb") as f:
        for o in outs:
            f.write(np.ascontiguousarray(o, "<f4").tobytes())
    meta = {"oracle": oracle, "note": note,
            "outputs": [{"name": o.name, "shape": list(v.shape)}
                        for o, v in zip(model.graph.output, outs)]}
    with open(args.output + ".json", "w") as f:
        json.dump(meta, f)
    print(f"oracle: {oracle}" + (f" ({note})" if note else ""))


if __name__ == "__main__":
    main()
