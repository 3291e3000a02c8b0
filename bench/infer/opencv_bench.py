#!/usr/bin/python3
"""opencv_bench.py MODEL [--batch B] [--threads T] [--runs R] [--warmup W]

The OpenCV DNN side of bench/infer/run: times net.forward() on random
0..255 input and prints one key=value line like bench_infer does.

Batch > 1: OpenCV 4.6 takes the batch from the blob but YOLOX-Nano's
exported Reshape targets hard-code a batch of 1, so a plain batched forward
is wrong. We rewrite those targets (and the declared input/output batch) to
B with the onnx package and run one real batched forward ("mode=batched");
a batched run is checked against per-frame runs before it is timed. If the
rewritten graph fails to load or disagrees, B sequential batch-1 forwards
are timed instead ("mode=sequential").
"""

import argparse
import statistics
import sys
import time

import cv2
import numpy as np
import onnx
from onnx import numpy_helper


def rebatch(path, batch):
    """Serialized copy of the model with every batch-1 Reshape target and
    graph input/output rewritten to `batch`."""
    m = onnx.load(path)
    inits = {t.name: t for t in m.graph.initializer}
    for node in m.graph.node:
        t = inits.get(node.input[1]) if node.op_type == "Reshape" else None
        if t is not None:
            shape = numpy_helper.to_array(t).copy()
            if shape[0] == 1:
                shape[0] = batch
                t.CopyFrom(numpy_helper.from_array(shape, t.name))
    for v in list(m.graph.input) + list(m.graph.output):
        v.type.tensor_type.shape.dim[0].dim_value = batch
    return m.SerializeToString()


def batched_net(args, blob):
    """A net running the whole batch at once, or None if OpenCV cannot
    do it correctly."""
    try:
        net = cv2.dnn.readNetFromONNX(np.frombuffer(rebatch(args.model, args.batch), np.uint8))
        net.setInput(blob)
        got = net.forward().copy()
    except cv2.error:
        return None
    single = cv2.dnn.readNetFromONNX(args.model)
    for i in range(args.batch):
        single.setInput(blob[i:i + 1])
        ref = single.forward()
        if np.max(np.abs(got[i] - ref[0]) / np.maximum(1.0, np.abs(ref[0]))) > 1e-3:
            return None
    return net


def timed(fn, runs, warmup):
    """Wall and CPU (all threads of the process) milliseconds of each run."""
    for _ in range(warmup):
        fn()
    ms, cpu_ms = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
        cpu_ms.append((time.process_time() - c0) * 1e3)
    return ms, cpu_ms


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    args = p.parse_args()
    cv2.setNumThreads(args.threads)
    net = cv2.dnn.readNetFromONNX(args.model)
    shape = [d.dim_value for d in onnx.load(args.model).graph.input[0].type.tensor_type.shape.dim]
    rng = np.random.default_rng(1)
    blob = rng.integers(0, 256, [args.batch] + shape[1:]).astype(np.float32)
    mode, bnet = "single", None
    if args.batch > 1:
        bnet = batched_net(args, blob)
        mode = "batched" if bnet else "sequential"

    def run():
        if bnet is not None or args.batch == 1:
            (bnet or net).setInput(blob)
            (bnet or net).forward()
            return
        for i in range(args.batch):
            net.setInput(blob[i:i + 1])
            net.forward()

    ms, cpu_ms = timed(run, args.runs, args.warmup)
    ms = [t / args.batch for t in ms]
    cpu = statistics.median(cpu_ms) / args.batch
    print(f"opencv batch={args.batch} threads={args.threads} runs={args.runs} "
          f"ms_per_frame={statistics.median(ms):.2f} min={min(ms):.2f} max={max(ms):.2f} "
          f"cpu_ms_per_frame={cpu:.2f} mode={mode} version={cv2.__version__}")


if __name__ == "__main__":
    sys.exit(main())
