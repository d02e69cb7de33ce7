"""Benchmark of miakit.cohort: prints figures (not a test). Run: python benchmarks/bench_cohort.py

Targets (issue): 1,000 2D subjects at 128x128 in <= 10 s on 2 CPU cores; one 64^3 subject
in <= 1 s. The template is loaded once before timing (a cached, one-off cost).
"""

from __future__ import annotations

import time

from miakit import cohort


def main() -> None:
    start = time.perf_counter()
    cohort.generate_slices(2, size=32)
    print(f"first call (loads and caches the MNI template): {time.perf_counter() - start:.2f} s")

    start = time.perf_counter()
    data = cohort.generate_slices(1000, size=128, contrasts=("T1w",))
    elapsed = time.perf_counter() - start
    print(
        f"1000 subjects, 1 slice of 128x128, T1w: {elapsed:.2f} s (target <= 10 s); "
        f"{data.images.nbytes / 1e6:.0f} MB"
    )

    subject = cohort.make_subject(0, lesion=True)
    cohort.render_volume(subject, shape=(64, 64, 64))  # warm the 3 mm template cache
    for contrasts in (("T1w",), cohort.CONTRASTS):
        start = time.perf_counter()
        cohort.render_volume(cohort.make_subject(1, lesion=True), shape=(64, 64, 64),
                             contrasts=contrasts)  # fmt: skip
        elapsed = time.perf_counter() - start
        print(f"one 64^3 subject, {len(contrasts)} contrast(s): {elapsed:.3f} s (target <= 1 s)")


if __name__ == "__main__":
    main()
