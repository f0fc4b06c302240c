"""The coordinate decoder in onnxruntime, the fastest CPU peer measured, at our shipped sizes.

Times the same work `coordsr bench` times for its coord decoder rows: 262,144 queries (a 512²
output) in chunks of 16,384, each query gathering its four neighbours' rows from a 256² latent
grid, the MLP per neighbour, the area-weighted blend. Two graphs:

- unsplit: LIIF as written (gather 9C = 288 unfolded features, concatenate rel and cell, MLP
  292→128→128→128→1): the decoder the peers were first measured with;
- split: the same maths with the first layer split as coordsr does it (gather 128-wide prepared
  rows, add the rel/cell term, MLP 128→128→1), so the peer gets the same algorithm.

Weights are random (speed does not depend on their values). Run by scripts/bench-peers.sh, which
prints coordsr's figures beside these in one run.
"""

import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

C, HIDDEN, GRID, OUT, CHUNK = 32, 128, 256, 512, 16384
rng = np.random.default_rng(1)


def init(name, shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.05).astype(np.float32), name)


def graph(split):
    width = HIDDEN if split else 9 * C
    inits, nodes = [], []
    inputs = [
        helper.make_tensor_value_info("rows", TensorProto.FLOAT, [GRID * GRID, width]),
        helper.make_tensor_value_info("index", TensorProto.INT64, [None]),
        helper.make_tensor_value_info("extra", TensorProto.FLOAT, [None, 4]),
        helper.make_tensor_value_info("weights", TensorProto.FLOAT, [4, None]),
    ]
    nodes.append(helper.make_node("Gather", ["rows", "index"], ["g"], axis=0))
    if split:
        inits.append(init("we", [4, HIDDEN]))
        nodes += [helper.make_node("MatMul", ["extra", "we"], ["e"]), helper.make_node("Add", ["g", "e"], ["a0"])]
        nodes.append(helper.make_node("Relu", ["a0"], ["r0"]))
    else:
        nodes.append(helper.make_node("Concat", ["g", "extra"], ["r0"], axis=1))
    # The layers left after the split one: 128→128→128 (split) or 292→128→128→128 (unsplit).
    x, d_in = "r0", HIDDEN if split else 9 * C + 4
    dims = [HIDDEN, HIDDEN] if split else [HIDDEN, HIDDEN, HIDDEN]
    for i, d_out in enumerate(dims):
        inits += [init(f"w{i}", [d_in, d_out]), init(f"b{i}", [d_out])]
        nodes += [
            helper.make_node("MatMul", [x, f"w{i}"], [f"m{i}"]),
            helper.make_node("Add", [f"m{i}", f"b{i}"], [f"a{i + 1}"]),
            helper.make_node("Relu", [f"a{i + 1}"], [f"r{i + 1}"]),
        ]
        x, d_in = f"r{i + 1}", d_out
    inits += [init("wo", [d_in, 1]), init("bo", [1]), numpy_helper.from_array(np.array([4, -1], np.int64), "shape")]
    nodes += [
        helper.make_node("MatMul", [x, "wo"], ["mo"]),
        helper.make_node("Add", ["mo", "bo"], ["pred"]),
        helper.make_node("Reshape", ["pred", "shape"], ["pred4"]),
        helper.make_node("Mul", ["pred4", "weights"], ["wp"]),
        helper.make_node("ReduceSum", ["wp"], ["out"], keepdims=0),
    ]
    nodes[-1].input.append("axes")
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axes"))
    out = [helper.make_tensor_value_info("out", TensorProto.FLOAT, [None])]
    model = helper.make_model(helper.make_graph(nodes, "decoder", inputs, out, inits), opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString(), width


def run(split, threads, repeats):
    model, width = graph(split)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
    rows = rng.standard_normal((GRID * GRID, width)).astype(np.float32)
    n = OUT * OUT
    index = rng.integers(0, GRID * GRID, size=4 * n, dtype=np.int64)
    extra = rng.standard_normal((4 * n, 4)).astype(np.float32)
    weights = np.full((4, n), 0.25, np.float32)

    def once():
        for s in range(0, n, CHUNK):
            e = min(s + CHUNK, n)
            idx = np.concatenate([index[k * n + s:k * n + e] for k in range(4)])
            ext = np.concatenate([extra[k * n + s:k * n + e] for k in range(4)])
            sess.run(None, {"rows": rows, "index": idx, "extra": ext, "weights": weights[:, s:e]})

    once()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        once()
        times.append(time.perf_counter() - t)
    secs = sorted(times)[len(times) // 2]
    return n / secs, secs


if __name__ == "__main__":
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"onnxruntime {ort.__version__}, CPU, 2 threads, median of {repeats} after a warm-up, 512² output from a 256² grid")
    print("| runtime | decoder | time (s) | queries/s |")
    print("|---|---|---|---|")
    for split in (False, True):
        qps, secs = run(split, 2, repeats)
        name = "split first layer (as coordsr)" if split else "unsplit (LIIF as written)"
        print(f"| onnxruntime {ort.__version__} | {name} | {secs:.3f} | {qps:.0f} |")
