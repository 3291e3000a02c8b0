"""test_numpy_onnx.py - checks the numpy oracle itself, op by op.

Each op the interpreter knows is run on a one-node graph and compared with
OpenCV DNN where OpenCV 4.6 runs that form of the op, and otherwise with
the worked examples of the ONNX operator specification. Run with
    /usr/bin/python3 -m pytest -q tests/oracle
(CTest does, as test_oracle).
"""

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

import numpy_onnx

cv2 = pytest.importorskip("cv2")  # CTest reports the test skipped without it

RNG = np.random.default_rng(7)


def one_node(op, x_shape, inits=(), opset=13, **attrs):
    """A graph computing y = op(x, *inits) with float input x."""
    names = ["x"] + [f"c{i}" for i in range(len(inits))]
    tensors = [numpy_helper.from_array(np.asarray(v), n) for n, v in zip(names[1:], inits)]
    node = helper.make_node(op, names, ["y"], **attrs)
    g = helper.make_graph([node], op, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], tensors)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def opencv(model, x, out_shape):
    """OpenCV's result; its importer insists on a declared output shape."""
    model.graph.output[0].CopyFrom(
        helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_shape)))
    net = cv2.dnn.readNetFromONNX(np.frombuffer(model.SerializeToString(), np.uint8))
    net.setInput(x)
    return net.forward()


def f32(*shape):
    return RNG.normal(0, 1, shape).astype(np.float32)


OPENCV_CASES = {
    "conv_grouped_strided_padded": ("Conv", (1, 4, 9, 11), [f32(6, 2, 3, 3), f32(6)],
                                    dict(kernel_shape=[3, 3], group=2, strides=[2, 1],
                                         pads=[1, 0, 1, 2])),
    "conv_dilated": ("Conv", (1, 3, 12, 12), [f32(5, 3, 3, 3)], dict(kernel_shape=[3, 3], dilations=[2, 2],
                                                                   pads=[2] * 4)),
    "conv_depthwise": ("Conv", (1, 6, 8, 8), [f32(6, 1, 3, 3), f32(6)], dict(kernel_shape=[3, 3], group=6,
                                                                            pads=[1] * 4)),
    "conv_6x6_s2": ("Conv", (1, 3, 16, 16), [f32(4, 3, 6, 6)], dict(kernel_shape=[6, 6], strides=[2, 2],
                                                                  pads=[2] * 4)),
    "maxpool_5_s1": ("MaxPool", (1, 3, 9, 9), [], dict(kernel_shape=[5, 5], pads=[2] * 4)),
    "maxpool_2_s2": ("MaxPool", (1, 3, 8, 8), [], dict(kernel_shape=[2, 2], strides=[2, 2])),
    "batchnorm": ("BatchNormalization", (1, 3, 4, 5),
                  [np.float32([1, 2, .5]), np.float32([0, .1, -1]), np.float32([.2, 0, 1]),
                   np.float32([1, 4, .25])], dict(epsilon=1e-3)),
    "resize_nearest_x2": ("Resize", (1, 2, 3, 4), [np.float32([]), np.float32([1, 1, 2, 2])],
                          dict(mode="nearest", coordinate_transformation_mode="asymmetric",
                               nearest_mode="floor")),
    "softmax_last_axis": ("Softmax", (1, 2, 3, 7), [], dict(axis=-1)),
    "transpose": ("Transpose", (1, 2, 3, 4), [], dict(perm=[0, 2, 3, 1])),
    "sigmoid": ("Sigmoid", (1, 3, 4, 4), [], {}),
    "mul_broadcast": ("Mul", (1, 3, 4, 4), [f32(1, 3, 1, 1)], {}),
    "add": ("Add", (1, 3, 4, 4), [f32(1, 3, 4, 4)], {}),
    "div_scalar": ("Div", (1, 3, 4, 4), [np.float32(2.5)], {}),
    "pow_square": ("Pow", (1, 3, 4, 4), [np.float32(2.0)], {}),
    "matmul": ("MatMul", (1, 2, 3, 5), [f32(5, 4)], {}),
    "reshape": ("Reshape", (1, 4, 6, 2), [np.int64([1, 4, -1])], {}),
    "slice_contiguous": ("Slice", (1, 6, 5, 5), [np.int64([1, 1]), np.int64([5, 4]),
                                                 np.int64([1, 2])], {}),
}


@pytest.mark.parametrize("case", sorted(OPENCV_CASES))
def test_matches_opencv(case):
    op, shape, inits, attrs = OPENCV_CASES[case]
    model = one_node(op, shape, inits, **attrs)
    x = f32(*shape)
    got = numpy_onnx.run(model, {"x": x})[0]
    want = opencv(model, x, got.shape).reshape(got.shape)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_slice_negative_step_spec_example():
    # Operators.md, Slice "slice_neg_steps" with data 20x10x5.
    x = np.arange(1000, dtype=np.float32).reshape(20, 10, 5)
    model = one_node("Slice", x.shape, [np.int64([20, 10, 4]), np.int64([0, 0, 1]),
                                        np.int64([0, 1, 2]), np.int64([-1, -3, -2])])
    got = numpy_onnx.run(model, {"x": x})[0]
    np.testing.assert_array_equal(got, x[20:0:-1, 10:0:-3, 4:1:-2])
    assert got.shape == (19, 3, 2)


def test_split_sizes_as_input_opset13():
    x = np.arange(12, dtype=np.float32).reshape(1, 6, 2)
    node = helper.make_node("Split", ["x", "s"], ["a", "b"], axis=1)
    g = helper.make_graph([node], "split", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x.shape)],
                          [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in "ab"],
                          [numpy_helper.from_array(np.int64([2, 4]), "s")])
    a, b = numpy_onnx.run(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), {"x": x})
    np.testing.assert_array_equal(a, x[:, :2])
    np.testing.assert_array_equal(b, x[:, 2:])


def test_softmax_opset11_flattens_from_axis():
    # Before opset 13 Softmax(axis=1) normalises over all of dims 1.. at once.
    x = f32(2, 3, 4)
    got = numpy_onnx.run(one_node("Softmax", x.shape, opset=11, axis=1), {"x": x})[0]
    e = np.exp(x.reshape(2, 12).astype(np.float64))
    np.testing.assert_allclose(got, (e / e.sum(1, keepdims=True)).reshape(x.shape), rtol=1e-6)


def test_reshape_zero_copies_input_dim():
    x = f32(3, 4, 5)
    got = numpy_onnx.run(one_node("Reshape", x.shape, [np.int64([0, -1])]), {"x": x})[0]
    assert got.shape == (3, 20)


def test_unknown_op_is_refused_by_name():
    with pytest.raises(NotImplementedError, match="Erf"):
        numpy_onnx.run(one_node("Erf", (1, 2), name="erf_1"), {"x": f32(1, 2)})


def test_unsupported_resize_mode_is_refused():
    model = one_node("Resize", (1, 1, 2, 2), [np.float32([]), np.float32([1, 1, 2, 2])],
                     mode="linear")
    with pytest.raises(NotImplementedError):
        numpy_onnx.run(model, {"x": f32(1, 1, 2, 2)})
