"""ONNX Runtime's int8 path on a Bottleneck model, timed for the host benchmark.

Reads the model's int8 parameters and the samples that `xtask/benches/inference.rs`
writes (JSON), builds the same network as an ONNX graph with its int8 weights (input
quantization with the model's per-feature affine, then per layer `MatMulInteger` on the
int8 activations and weights, the folded bias and per-channel scale in float, the
activation, `QuantizeLinear` to the layer's zero point; the head's logits and `ArgMax`),
runs it with ONNX Runtime on one thread (as the Rust runtime runs) and times it at each
batch size: the median wall time of repeated runs over at least a second, per sample.
Writes JSON: the version, per-batch medians, and the classes of the largest batch, which
the benchmark compares with the runtime's (the float requantization rounds differently,
so a few may differ).

    python3 scripts/onnx_int8_bench.py IN.json OUT.json
"""

import json
import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def build(model):
    nodes, inits = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    n_in = len(model["affine"])
    a = np.array([p[0] for p in model["affine"]], dtype=np.float32)
    b = np.array([p[1] for p in model["affine"]], dtype=np.float32)
    nodes.append(helper.make_node("Mul", ["x", const("affine_a", a)], ["x_a"]))
    nodes.append(helper.make_node("Add", ["x_a", const("affine_b", b)], ["x_ab"]))
    nodes.append(
        helper.make_node(
            "QuantizeLinear",
            ["x_ab", const("one", np.float32(1.0)), const("zero", np.int8(0))],
            ["q0"],
        )
    )
    current = "q0"
    for k, layer in enumerate(model["layers"]):
        w = np.array(layer["weights"], dtype=np.int8).reshape(layer["n_out"], layer["n_in"])
        p = f"l{k}"
        nodes.append(helper.make_node("MatMulInteger", [current, const(p + "_w", w.T.copy())], [p + "_acc"]))
        nodes.append(helper.make_node("Cast", [p + "_acc"], [p + "_f"], to=TensorProto.FLOAT))
        nodes.append(helper.make_node("Add", [p + "_f", const(p + "_b", np.array(layer["bias"], dtype=np.float32))], [p + "_fb"]))
        nodes.append(helper.make_node("Mul", [p + "_fb", const(p + "_s", np.array(layer["scale"], dtype=np.float32))], [p + "_y"]))
        y = p + "_y"
        if layer["activation"] == "relu":
            nodes.append(helper.make_node("Relu", [y], [p + "_act"]))
            y = p + "_act"
        elif layer["activation"] == "leaky_relu":
            nodes.append(helper.make_node("LeakyRelu", [y], [p + "_act"], alpha=float(layer["alpha"])))
            y = p + "_act"
        nodes.append(
            helper.make_node(
                "QuantizeLinear",
                [y, const(p + "_one", np.float32(1.0)), const(p + "_zp", np.int8(layer["zero_point"]))],
                [p + "_q"],
            )
        )
        current = p + "_q"
        if k == model["encoder_len"] - 1:
            break
    head = model["head"]
    w = np.array(head["weights"], dtype=np.int8).reshape(head["n_out"], head["n_in"])
    nodes.append(helper.make_node("MatMulInteger", [current, const("h_w", w.T.copy())], ["h_acc"]))
    nodes.append(helper.make_node("Cast", ["h_acc"], ["h_f"], to=TensorProto.FLOAT))
    nodes.append(helper.make_node("Add", ["h_f", const("h_b", np.array(head["bias"], dtype=np.float32))], ["h_fb"]))
    nodes.append(helper.make_node("Mul", ["h_fb", const("h_s", np.array(head["scale"], dtype=np.float32))], ["logits"]))
    if head["n_out"] == 1:
        nodes.append(helper.make_node("Greater", ["logits", const("h_zero", np.float32(0.0))], ["positive"]))
        nodes.append(helper.make_node("Cast", ["positive"], ["class2"], to=TensorProto.INT64))
        nodes.append(helper.make_node("Squeeze", ["class2", const("axis1", np.array([1], dtype=np.int64))], ["class"]))
    else:
        nodes.append(helper.make_node("ArgMax", ["logits"], ["class"], axis=1, keepdims=0))
    graph = helper.make_graph(
        nodes,
        "bottleneck_int8",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", n_in])],
        [helper.make_tensor_value_info("class", TensorProto.INT64, ["batch"])],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    m.ir_version = 10
    onnx.checker.check_model(m)
    return m


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        spec = json.load(f)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(build(spec).SerializeToString(), options, providers=["CPUExecutionProvider"])
    rows = np.array(spec["rows"], dtype=np.float32).reshape(-1, len(spec["affine"]))
    medians = {}
    for batch in spec["batches"]:
        x = np.ascontiguousarray(rows[:batch])
        session.run(None, {"x": x})
        times, start = [], time.perf_counter()
        while len(times) < 5 or time.perf_counter() - start < 1.0:
            t0 = time.perf_counter_ns()
            session.run(None, {"x": x})
            times.append(time.perf_counter_ns() - t0)
        medians[str(batch)] = statistics.median(times) / batch
    classes = session.run(None, {"x": rows})[0].tolist()
    with open(dst, "w") as f:
        json.dump(
            {"onnxruntime": ort.__version__, "ns_per_sample": medians, "classes": classes},
            f,
        )


if __name__ == "__main__":
    main()
