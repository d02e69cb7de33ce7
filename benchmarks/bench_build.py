"""Benchmark of the book's pipeline: prints figures (not a test).

Measures, on a fresh clone of the repository (``git clone --local``) in a temporary
folder:

* **install**: ``make install`` (a new ``.venv`` with the pinned requirements), unless
  ``--venv PATH`` reuses an existing environment (then install is not measured);
* **tests**: the pytest stage of ``make test`` (unit tests, doctests, every notebook
  under nbval, ``-n JOBS --dist loadfile``);
* **book**: the build stage of ``make test`` (``jupyter-book build`` + ``check_site``),
  with the number of notebooks the build executed itself (0 when it reuses the test
  run's executions);
* **per notebook**: the execution time of each notebook, from the jupyter-cache records.

``--no-reuse`` measures the old pipeline (the tests do not fill the cache, so the book
build executes every notebook again). The machine's load average is printed before and
after, since a shared CPU distorts every figure.

Targets (issue 9), with all 24 chapters: ``make test`` after installation <= 10 min on
2 CPU cores; ``make book`` on a fresh clone (install included) <= 15 min.

Examples
--------
``python benchmarks/bench_build.py --venv .venv`` (reuse this checkout's environment);
``python benchmarks/bench_build.py`` (from scratch, needs the package index);
``python benchmarks/bench_build.py --report-only`` (per-notebook times of the last run
in this checkout's ``_build``).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CPU: dict[str, float] = {}


def load() -> str:
    return (
        " ".join(Path("/proc/loadavg").read_text().split()[:3])
        if Path("/proc/loadavg").exists()
        else "n/a"
    )


def cpu_seconds() -> float:
    """User + system CPU time of the finished child processes (kernels included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(label: str, command: list[str], cwd: Path, env: dict, log: Path) -> tuple[float, str]:
    """Run ``command``; return (seconds, output). Exit on failure, showing the log.

    Prints wall time and CPU time: on a shared machine the CPU time is the steadier one.
    """
    print(f"[{label}] {' '.join(command)}  (load {load()})", flush=True)
    start, cpu = time.perf_counter(), cpu_seconds()
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    CPU[label] = cpu_seconds() - cpu
    output = result.stdout + result.stderr
    log.write_text(output, encoding="utf-8")
    if result.returncode != 0:
        print(output[-4000:])
        sys.exit(f"[{label}] failed with exit code {result.returncode}; log: {log}")
    print(f"[{label}] {seconds:.1f} s wall, {CPU[label]:.1f} s CPU", flush=True)
    return seconds, output


def notebook_times(cache_dir: Path) -> list[tuple[str, float, str]]:
    """(notebook, seconds, executed by) of every record in a jupyter-cache."""
    from jupyter_cache import get_cache

    if not cache_dir.exists():
        return []
    rows = []
    for record in get_cache(str(cache_dir)).list_cache_records():
        uri = Path(record.uri)
        name = "/".join(uri.parts[-2:])
        rows.append(
            (
                name,
                float(record.data.get("execution_seconds") or 0.0),
                record.data.get("executed_by", "book build"),
            )
        )
    return sorted(rows)


def print_notebooks(rows: list[tuple[str, float, str]]) -> None:
    if not rows:
        print("no executed notebooks in the cache")
        return
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, by in rows:
        print(f"  {name:<{width}}  {seconds:6.1f} s  ({by})")
    total = sum(seconds for _, seconds, _ in rows)
    print(f"  {'all ' + str(len(rows)) + ' notebooks':<{width}}  {total:6.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, help="reuse this environment (no install)")
    parser.add_argument("--jobs", type=int, default=2, help="pytest-xdist workers")
    parser.add_argument("--no-reuse", action="store_true", help="old pipeline: no cache fill")
    parser.add_argument("--keep", action="store_true", help="keep the clone")
    parser.add_argument("--report-only", action="store_true", help="per-notebook times only")
    args = parser.parse_args()

    if args.report_only:
        print_notebooks(notebook_times(ROOT / "_build" / ".jupyter_cache"))
        return

    print(f"CPU cores: {os.cpu_count()}; load average: {load()}")
    work = Path(tempfile.mkdtemp(prefix="bench-book-"))
    clone = work / "book"
    subprocess.run(["git", "clone", "--quiet", "--local", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "MPLBACKEND"}}
    figures: dict[str, float] = {}

    if args.venv is None:
        figures["install"], _ = run(
            "install", ["make", "install"], clone, env, work / "install.log"
        )
        python = clone / ".venv" / "bin" / "python"
    else:
        python = args.venv.resolve() / "bin" / "python"
        env["PYTHONPATH"] = str(clone / "src")  # the clone's miakit, not the venv's
    bin_dir = python.parent

    pytest = [str(python), "-m", "pytest", "-n", str(args.jobs), "--dist", "loadfile"]
    pytest += ["-p", "no:cacheprovider", "--durations=0"]
    if args.no_reuse:
        pytest.append("--nbval-cache-dir=")
    figures["tests"], _ = run("tests", pytest, clone, env, work / "tests.log")

    build = [str(bin_dir / "jupyter-book"), "build", ".", "-W", "-n", "--keep-going"]
    figures["book"], output = run("book", build, clone, env, work / "book.log")
    seconds, _ = run(
        "check_site",
        [str(python), "book/_ext/check_site.py", "_build/html"],
        clone,
        env,
        work / "check.log",
    )
    figures["book"] += seconds
    match = re.search(r"this build executed (\d+) notebook\(s\) and took (\d+)", output)
    executed = f"{match.group(1)} executed, {match.group(2)} from the cache" if match else "?"

    print()
    print(f"load average at the end: {load()}")
    book_cpu = CPU["book"] + CPU["check_site"]
    if "install" in figures:
        print(f"install                 {figures['install']:7.1f} s wall")
    print(f"tests (pytest stage)    {figures['tests']:7.1f} s wall {CPU['tests']:7.1f} s CPU")
    print(f"book build + check      {figures['book']:7.1f} s wall {book_cpu:7.1f} s CPU")
    print(f"  notebooks executed by the build: {executed}")
    total = figures["tests"] + figures["book"]
    print(f"make test (both)        {total:7.1f} s wall {CPU['tests'] + book_cpu:7.1f} s CPU")
    print("per notebook (execution time stored in the jupyter-cache):")
    print_notebooks(notebook_times(clone / "_build" / ".jupyter_cache"))
    if args.keep:
        print(f"clone kept in {clone}")
    else:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
