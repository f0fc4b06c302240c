"""Where `coordsr --backend tch train` loses to PyTorch in the backward pass: burn 0.22 differentiates
some ops by generic decompositions that LibTorch runs as several kernels, where PyTorch's autograd
calls one fused kernel. Times both on the training step's own shapes (batch 8, 32 channels, 40²
latents; the decoder's [4·8·1024, 128] activations), in LibTorch through PyTorch, one op at a time:
- conv2d weight gradient: burn's swapped convolution (x and the output gradient with batch and
  channels exchanged, a 40×40 "kernel") vs aten::convolution_backward;
- conv2d input gradient: conv_transpose2d (burn) vs convolution_backward;
- relu backward: burn's `mask_fill(grad, output <= 0, 0)` on a shared gradient (compare, copy,
  masked fill) vs aten::threshold_backward;
- the gather's backward: burn's zeros + index_add vs PyTorch's index_put_(accumulate).
Usage: python bench_ops_torch.py [threads]   (median milliseconds of 20 runs each)"""
import sys
import time

import torch
import torch.nn.functional as F


def median_ms(f, n=20):
    f()
    ts = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        ts.append(time.perf_counter() - start)
    return sorted(ts)[n // 2] * 1e3


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    torch.manual_seed(1)
    B, C, P, H = 8, 32, 40, 128
    n = 4 * B * 32 * 32
    x, w, g = torch.rand(B, C, P, P), torch.rand(C, C, 3, 3), torch.rand(B, C, P, P)
    native = lambda mask: torch.ops.aten.convolution_backward(g, x, w, [C], [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)
    h, gh = torch.rand(n, H) - 0.5, torch.rand(n, H)
    index = torch.randint(0, B * P * P, (n,))
    rows = [
        ("conv2d weight gradient", lambda: F.conv2d(x.transpose(0, 1), g.transpose(0, 1), padding=1).transpose(0, 1),
         lambda: native([False, True, False])),
        ("conv2d input gradient", lambda: F.conv_transpose2d(g, w, padding=1), lambda: native([True, False, False])),
        ("relu backward", lambda: gh.masked_fill(h <= 0, 0.0), lambda: torch.ops.aten.threshold_backward(gh, h, 0.0)),
        ("gather backward", lambda: torch.zeros(B * P * P, H).index_add_(0, index, gh),
         lambda: torch.zeros(B * P * P, H).index_put_((index,), gh, accumulate=True)),
    ]
    print(f"| op ({torch.get_num_threads()} threads, torch {torch.__version__}) | burn's decomposition (ms) | LibTorch's kernel (ms) |")
    print("|---|---|---|")
    for name, burn, fused in rows:
        print(f"| {name} | {median_ms(burn):.2f} | {median_ms(fused):.2f} |")


if __name__ == "__main__":
    main()
