"""numpy_onnx.py - a tiny ONNX interpreter in numpy, used as a test oracle.

It runs the ops YOLO-family exports use, one node at a time in file order,
in float64, straight from the ONNX operator specification. Clarity over
speed: every op is the spec's definition written with numpy, with no
fusion, no layout tricks and no shortcuts that could share a bug with the
runtime under test. An op or attribute value it does not know raises
NotImplementedError naming the node, never a silent approximation.
"""

import numpy as np
import onnx
from onnx import numpy_helper


def run(model, feeds):
    """Runs `model` (onnx.ModelProto) on feeds {name: array}; returns the
    graph outputs as a list of float32 arrays."""
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    env = {"": None}
    for t in model.graph.initializer:
        env[t.name] = as_value(numpy_helper.to_array(t))
    for name, value in feeds.items():
        env[name] = as_value(value)
    for node in model.graph.node:
        op = OPS.get(node.op_type)
        if op is None:
            raise NotImplementedError(f"node '{node.name}': op {node.op_type}")
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [env[name] for name in node.input]
        try:
            outs = op(ins, attrs, opset)
        except NotImplementedError as e:
            raise NotImplementedError(f"node '{node.name}' ({node.op_type}): {e}") from None
        if not isinstance(outs, (list, tuple)):
            outs = [outs]
        for name, value in zip(node.output, outs):
            env[name] = value
    return [np.asarray(env[o.name], dtype=np.float32) for o in model.graph.output]


def as_value(a):
    """Floats are computed in float64; integers (shapes, indices) stay int64."""
    a = np.asarray(a)
    return a.astype(np.float64) if a.dtype.kind == "f" else a.astype(np.int64)


def spatial_pads(attrs, ndims):
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise NotImplementedError("auto_pad other than NOTSET")
    pads = list(attrs.get("pads", [0] * 2 * ndims))
    return pads[:ndims], pads[ndims:]  # begins, ends


def conv(ins, attrs, opset):
    """y[n, o, i, j] = b[o] + sum over c, ky, kx of
    w[o, c, ky, kx] * xpad[n, g*C + c, i*s + ky*d, j*s + kx*d], with the
    input channels split into `group` groups. One einsum per kernel tap."""
    x, w = ins[0], ins[1]
    b = ins[2] if len(ins) > 2 else None
    n, c, h, wd = x.shape
    co, cig, kh, kw = w.shape
    g = attrs.get("group", 1)
    sh, sw = attrs.get("strides", [1, 1])
    dh, dw = attrs.get("dilations", [1, 1])
    (pt, pl), (pb, pr) = spatial_pads(attrs, 2)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    ho = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    xg = xp.reshape(n, g, cig, xp.shape[2], xp.shape[3])
    wg = w.reshape(g, co // g, cig, kh, kw)
    y = np.zeros((n, g, co // g, ho, wo))
    for ky in range(kh):
        for kx in range(kw):
            patch = xg[:, :, :, ky * dh: ky * dh + sh * (ho - 1) + 1: sh,
                       kx * dw: kx * dw + sw * (wo - 1) + 1: sw]
            y += np.einsum("ngchw,goc->ngohw", patch, wg[:, :, :, ky, kx])
    y = y.reshape(n, co, ho, wo)
    return y if b is None else y + b.reshape(1, co, 1, 1)


def maxpool(ins, attrs, opset):
    x = ins[0]
    if attrs.get("ceil_mode", 0) or any(d != 1 for d in attrs.get("dilations", [1, 1])):
        raise NotImplementedError("ceil_mode or dilations")
    kh, kw = attrs["kernel_shape"]
    sh, sw = attrs.get("strides", [1, 1])
    (pt, pl), (pb, pr) = spatial_pads(attrs, 2)
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=-np.inf)
    ho = (xp.shape[2] - kh) // sh + 1
    wo = (xp.shape[3] - kw) // sw + 1
    y = np.full(x.shape[:2] + (ho, wo), -np.inf)
    for ky in range(kh):
        for kx in range(kw):
            y = np.maximum(y, xp[:, :, ky: ky + sh * (ho - 1) + 1: sh,
                                 kx: kx + sw * (wo - 1) + 1: sw])
    return y


def batchnorm(ins, attrs, opset):
    x, gamma, beta, mean, var = ins[:5]
    shape = (1, -1) + (1,) * (x.ndim - 2)
    eps = attrs.get("epsilon", 1e-5)
    return ((x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
            * gamma.reshape(shape) + beta.reshape(shape))


def resize(ins, attrs, opset):
    """Nearest-neighbour Resize/Upsample with asymmetric coordinates and
    floor rounding: out[i] = in[floor(i / scale)], the mode PyTorch's
    nn.Upsample(mode='nearest') exports."""
    x = ins[0]
    mode = attrs.get("mode", b"nearest")
    ctm = attrs.get("coordinate_transformation_mode", b"asymmetric" if opset < 11 else b"half_pixel")
    nearest = attrs.get("nearest_mode", b"round_prefer_floor")
    if mode != b"nearest" or ctm != b"asymmetric" or nearest != b"floor":
        raise NotImplementedError(f"mode {mode} / {ctm} / {nearest}")
    scales = ins[1] if len(ins) == 2 else ins[2]  # Upsample: (X, scales)
    sizes = ins[3] if len(ins) > 3 else None
    if sizes is not None and sizes.size:
        scales = sizes / np.array(x.shape, np.float64)
    else:
        sizes = np.floor(np.array(x.shape) * scales).astype(np.int64)
    for axis, (n_out, s) in enumerate(zip(sizes, scales)):
        src = np.minimum(np.floor(np.arange(n_out) / s).astype(np.int64), x.shape[axis] - 1)
        x = np.take(x, src, axis=axis)
    return x


def reshape(ins, attrs, opset):
    x, shape = ins
    if attrs.get("allowzero", 0):
        raise NotImplementedError("allowzero")
    shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return x.reshape(shape)


def split(ins, attrs, opset):
    x = ins[0]
    axis = attrs.get("axis", 0)
    sizes = ins[1] if opset >= 13 and len(ins) > 1 else attrs.get("split")
    if sizes is None:
        raise NotImplementedError("Split without sizes")
    return np.split(x, np.cumsum(sizes)[:-1], axis=axis)


def slice_(ins, attrs, opset):
    """ONNX Slice clamps out-of-range starts/ends exactly as Python slices
    do, including for negative steps, so the spec maps onto slice()."""
    x, starts, ends = ins[:3]
    axes = ins[3] if len(ins) > 3 and ins[3] is not None else range(len(starts))
    steps = ins[4] if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[a] = slice(int(s), int(e), int(st))
    return x[tuple(index)]


def unsqueeze(ins, attrs, opset):
    axes = ins[1] if opset >= 13 else attrs["axes"]
    rank = ins[0].ndim + len(axes)
    y = ins[0]
    for a in sorted(int(a) % rank for a in axes):
        y = np.expand_dims(y, a)
    return y


def squeeze(ins, attrs, opset):
    axes = ins[1] if opset >= 13 and len(ins) > 1 else attrs.get("axes")
    return np.squeeze(ins[0], axis=None if axes is None else tuple(int(a) for a in axes))


def softmax(ins, attrs, opset):
    """Opset 13 normalises along `axis`; before that the input was coerced
    to 2-D at `axis` and normalised over everything after it."""
    x = ins[0]
    axis = attrs.get("axis", -1 if opset >= 13 else 1) % x.ndim
    flat = x if opset >= 13 else x.reshape(int(np.prod(x.shape[:axis])), -1)
    ax = axis if opset >= 13 else 1
    e = np.exp(flat - flat.max(axis=ax, keepdims=True))
    return (e / e.sum(axis=ax, keepdims=True)).reshape(x.shape)


def sigmoid(x):
    """1 / (1 + exp(-x)), written with tanh so large |x| cannot overflow."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


OPS = {
    "Conv": conv,
    "MaxPool": maxpool,
    "BatchNormalization": batchnorm,
    "Resize": resize,
    "Upsample": resize,
    "Reshape": reshape,
    "Split": split,
    "Slice": slice_,
    "Unsqueeze": unsqueeze,
    "Squeeze": squeeze,
    "Softmax": softmax,
    "Sigmoid": lambda i, a, o: sigmoid(i[0]),
    "Relu": lambda i, a, o: np.maximum(i[0], 0),
    "LeakyRelu": lambda i, a, o: np.where(i[0] >= 0, i[0], a.get("alpha", 0.01) * i[0]),
    "Exp": lambda i, a, o: np.exp(i[0]),
    "Add": lambda i, a, o: i[0] + i[1],
    "Sub": lambda i, a, o: i[0] - i[1],
    "Mul": lambda i, a, o: i[0] * i[1],
    "Div": lambda i, a, o: i[0] / i[1],
    "Pow": lambda i, a, o: np.power(i[0], i[1]),
    "MatMul": lambda i, a, o: np.matmul(i[0], i[1]),
    "Concat": lambda i, a, o: np.concatenate(i, axis=a["axis"]),
    "Transpose": lambda i, a, o: np.transpose(i[0], a.get("perm")),
    "Shape": lambda i, a, o: np.array(i[0].shape, np.int64),
    "Gather": lambda i, a, o: np.take(i[0], i[1], axis=a.get("axis", 0)),
    "Identity": lambda i, a, o: i[0],
    "Constant": lambda i, a, o: as_value(numpy_helper.to_array(a["value"])),
}
