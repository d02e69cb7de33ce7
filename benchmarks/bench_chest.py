"""Benchmark of miakit.chest: prints figures (not a test). Run: python benchmarks/bench_chest.py

Targets (issue 11): 1,000 radiographs at 256x256 with masks and boxes in <= 30 s on 2 CPU
cores (<= 10 s at 128x128); one 128^3 CT volume in <= 1 s. The first call pays imports
and caches; it is timed separately. Wall time depends on what else runs on the machine,
so the CPU time of this process (``time.process_time``) is printed next to it: on an
idle machine the two agree for this single-threaded code.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from miakit import chest


def _timed(function: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(n_films: int = 1000) -> None:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU cores: {os.cpu_count()}, load average (1 min) at start: {load:.1f}")
    start = time.perf_counter()
    chest.generate_radiographs(2, size=64)
    print(f"first call (imports, caches): {time.perf_counter() - start:.2f} s")

    for size, target in ((128, 10.0), (256, 30.0)):
        batch, wall, cpu = _timed(lambda s=size: chest.generate_radiographs(n_films, size=s))
        print(
            f"{n_films} PA radiographs at {size}x{size} with masks and boxes: wall {wall:.2f} s, "
            f"CPU {cpu:.2f} s (target <= {target * n_films / 1000:.0f} s); "
            f"{batch.images.nbytes / 1e6:.0f} MB"
        )

    subject = chest.make_chest_subject(0, findings=("nodule",))
    chest.render_chest_ct(subject, shape=(32, 32, 32))
    walls, cpus = [], []
    for sid in range(1, 4):
        subject = chest.make_chest_subject(sid, findings=("nodule",))
        _, wall, cpu = _timed(lambda s=subject: chest.render_chest_ct(s, shape=(128, 128, 128)))
        walls.append(wall)
        cpus.append(cpu)
    print(
        f"one 128^3 CT volume (best of 3): wall {min(walls):.3f} s, CPU {min(cpus):.3f} s "
        "(target <= 1 s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
