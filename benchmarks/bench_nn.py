"""Training throughput of miakit.nn's models on a CPU: prints figures (not a test).

Run: python benchmarks/bench_nn.py   (set OMP_NUM_THREADS / torch threads as you like)

For each model: parameters, and images per second for a training step (forward,
backward, Adam update) at the input size the book uses for it.
"""

from __future__ import annotations

import os
import time

import torch
import torch.nn.functional as F

from miakit.nn import ResNet, SmallCNN, TinyDETR, TinyViT, UNet, count_parameters, detr_loss


def _throughput(model, inputs, loss_of, steps: int = 5) -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    loss_of(model(inputs)).backward()  # warm-up
    start = time.perf_counter()
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(model(inputs)).backward()
        optimizer.step()
    return steps * len(inputs) / (time.perf_counter() - start)


def main() -> None:
    gen = torch.Generator().manual_seed(0)
    load = os.getloadavg()[0]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {load:.1f}")
    cases = []
    x64 = torch.randn(16, 1, 64, 64, generator=gen)
    labels = torch.zeros(16, dtype=torch.long)
    classify = lambda out: F.cross_entropy(out, labels)  # noqa: E731
    cases.append(("SmallCNN width 16, 64^2", SmallCNN(1, 2, width=16), x64, classify))
    cases.append(("ResNet basic (2,2,2) width 16, 64^2", ResNet(1, 2, width=16), x64, classify))
    cases.append(
        (
            "ResNet bottleneck (1,1,1) w 8, 64^2",
            ResNet(1, 2, block="bottleneck", layers=(1, 1, 1)),
            x64,
            classify,
        )
    )
    cases.append(("TinyViT dim 64 depth 4, 64^2", TinyViT(1, 2), x64, classify))
    masks = (x64[:, 0] > 0).long()
    segment = lambda out: F.cross_entropy(out, masks)  # noqa: E731
    cases.append(("UNet width 16 depth 3, 64^2", UNet(1, 2, width=16), x64, segment))
    x128 = torch.randn(8, 1, 128, 128, generator=gen)
    masks128 = (x128[:, 0] > 0).long()
    cases.append(
        (
            "UNet width 16 depth 4, 128^2",
            UNet(1, 2, width=16, depth=4),
            x128,
            lambda o: F.cross_entropy(o, masks128),
        )
    )
    vol = torch.randn(2, 1, 32, 32, 32, generator=gen)
    masks3 = (vol[:, 0] > 0).long()
    cases.append(
        (
            "UNet 3D width 8 depth 2, 32^3",
            UNet(1, 2, width=8, depth=2, dims=3),
            vol,
            lambda o: F.cross_entropy(o, masks3),
        )
    )
    backbone = ResNet(1, 1, layers=(1, 1, 1), width=16)
    detr = TinyDETR(torch.nn.Sequential(backbone.stem, *backbone.stages), backbone.n_features)
    targets = [(torch.tensor([0]), torch.tensor([[0.5, 0.5, 0.2, 0.2]]))] * len(x64)
    cases.append(
        ("TinyDETR (ResNet backbone), 64^2", detr, x64, lambda out: detr_loss(*out, targets))
    )
    for name, model, inputs, loss_of in cases:
        rate = _throughput(model, inputs, loss_of)
        print(f"{name:40s} {count_parameters(model) / 1e6:6.2f} M params  {rate:7.1f} images/s")


if __name__ == "__main__":
    main()
