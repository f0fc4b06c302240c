"""PyTorch's side of scripts/bench-train.sh: one training step of the coord model in PyTorch, the
same model, batch and sizes as `coordsr train --decoder coord` (engine/src/model, TrainConfig's
coord_default): encoder C=32 with 8 residual blocks, the decoder's first layer applied as a 3x3
convolution on the latents (the split that engine/src/model/coord.rs uses), 4 neighbours per query
gathered, MLP 128-128-128-1, area-weighted; batch 8 of 40x40 patches with 32x32 queries each; L1
loss; Adam at 2e-4. Inputs are random (the model step alone, no data sampling: `coordsr train`'s
figure includes its sampling, so this side is favoured). Prints the median seconds per step, and
per phase as `coordsr train` splits it (forward up to reading the loss back, backward, optimizer).
Usage: python bench_train_torch.py [steps] [threads]"""
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

C, BLOCKS, HIDDEN, B, P, W = 32, 8, 128, 8, 40, 32


class ResBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(C, C, 3, padding=1)
        self.conv2 = nn.Conv2d(C, C, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(x)))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(1, C, 3, padding=1)
        self.body = nn.ModuleList(ResBlock() for _ in range(BLOCKS))
        self.tail = nn.Conv2d(C, C, 3, padding=1)
        self.first = nn.Linear(9 * C + 4, HIDDEN)
        self.layers = nn.ModuleList(nn.Linear(HIDDEN, HIDDEN) for _ in range(2))
        self.out = nn.Linear(HIDDEN, 1)

    def forward(self, lr, index, extra, weights):
        x = self.head(lr)
        y = x
        for block in self.body:
            y = block(y)
        latents = self.tail(y) + x
        kernel = self.first.weight[:, : 9 * C].reshape(HIDDEN, 3, 3, C).permute(0, 3, 1, 2)
        rows = F.conv2d(latents, kernel, self.first.bias, padding=1).permute(0, 2, 3, 1).reshape(-1, HIDDEN)
        h = F.relu(rows[index] + extra @ self.first.weight[:, 9 * C :].t())
        for layer in self.layers:
            h = F.relu(layer(h))
        pred = self.out(h).reshape(4, -1)
        return (pred * weights).sum(0)


def main():
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    torch.manual_seed(1)
    model = Model()
    optim = torch.optim.Adam(model.parameters(), lr=2e-4)
    n = B * W * W
    times, phases = [], []
    for step in range(steps + 5):
        lr = torch.rand(B, 1, P, P)
        index = torch.randint(0, B * P * P, (4 * n,))
        extra = torch.rand(4 * n, 4)
        weights = torch.rand(4, n)
        target = torch.rand(n)
        skip = torch.rand(n)
        start = time.perf_counter()
        pred = model(lr, index, extra, weights) + skip
        loss = (pred - target).abs().mean()
        loss.item()
        t_backward = time.perf_counter()
        optim.zero_grad()
        loss.backward()
        t_optimizer = time.perf_counter()
        optim.step()
        end = time.perf_counter()
        if step >= 5:
            times.append(end - start)
            phases.append((t_backward - start, t_optimizer - t_backward, end - t_optimizer))
    print(f"pytorch {torch.__version__}: {statistics.median(times):.3f} s per step (median of {steps}; {torch.get_num_threads()} threads)")
    forward, backward, optimizer = (statistics.median(p[i] for p in phases) for i in range(3))
    print(f"phases (medians, s): forward {forward:.3f}, backward {backward:.3f}, optimizer {optimizer:.3f}")


if __name__ == "__main__":
    main()
