"""Benchmark of miakit's surface metrics against MONAI: prints figures (not a test).

Run: python benchmarks/bench_surface_metrics.py

Target (issue 8): HD95 and the average surface distance give MONAI's values and run at
least as fast as MONAI on a pair of offset spheres in 128^3 and 256^3 volumes. Each
timing is the best of several runs (CPU time of this process, less inflated than wall
time on a shared machine). MONAI's numbers include its tensor conversions, which are
part of what a user pays for.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch
from monai.metrics import compute_average_surface_distance, compute_hausdorff_distance

from miakit import metrics


def spheres(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two spheres of radius n/4 and n/5, centres n/16 apart, in an n^3 volume."""
    z, y, x = np.ogrid[:n, :n, :n]
    c = n / 2
    a = (z - c) ** 2 + (y - c) ** 2 + (x - c) ** 2 <= (n / 4) ** 2
    b = (z - c - n / 16) ** 2 + (y - c) ** 2 + (x - c) ** 2 <= (n / 5) ** 2
    return a, b


def best_time(function, repeats: int) -> tuple[float, float]:
    """(value of the last call, best CPU time in s over ``repeats`` calls)."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        value = function()
        times.append(time.process_time() - start)
    return float(value), min(times)


def main() -> None:
    torch.set_num_threads(1)
    # MONAI 1.6 warns about an argument it passes to itself; not ours to fix
    warnings.filterwarnings("ignore", category=FutureWarning, module="monai")
    spacing = (1.0, 1.0, 1.0)
    for n, repeats in ((128, 7), (256, 5)):
        a, b = spheres(n)
        ta, tb = (torch.from_numpy(m[None, None]) for m in (a, b))
        cases = {
            "HD95": (
                lambda a=a, b=b: metrics.hd95(a, b, spacing_mm=spacing),
                lambda ta=ta, tb=tb: compute_hausdorff_distance(
                    tb, ta, percentile=95, spacing=spacing
                ).item(),
            ),
            "ASSD": (
                lambda a=a, b=b: metrics.average_symmetric_surface_distance(
                    a, b, spacing_mm=spacing
                ),
                lambda ta=ta, tb=tb: compute_average_surface_distance(
                    tb, ta, symmetric=True, spacing=spacing
                ).item(),
            ),
        }
        for name, (ours, theirs) in cases.items():
            value_ours, time_ours = best_time(ours, repeats)
            value_monai, time_monai = best_time(theirs, repeats)
            print(
                f"{n}^3 {name}: miakit {value_ours:.6f} mm in {time_ours:.3f} s, "
                f"MONAI {value_monai:.6f} mm in {time_monai:.3f} s; "
                f"|difference| {abs(value_ours - value_monai):.1e} mm; "
                f"time ratio miakit/MONAI {time_ours / time_monai:.2f}"
            )


if __name__ == "__main__":
    main()
