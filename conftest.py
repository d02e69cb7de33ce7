"""Run each notebook once: the book build reuses the executions of the nbval test run.

pytest loads this file for every run in the repository (it sits at the root), whatever
the arguments. It does two things for notebooks collected by nbval:

* the notebook's kernel starts with the inline matplotlib backend (the parent process
  uses Agg), exactly as in the book build, so that figures are part of the outputs;
* when every code cell of a notebook has run and passed, the executed notebook (the
  file's cells with the outputs nbval received) is written into the jupyter-cache that
  the book build reads (``execute_notebooks: cache`` in ``_config.yml``). The cache key
  is a hash of the code cells and the kernel spec, so the build finds the notebook and
  does not execute it again; if the notebook changed after the test run, or a cell
  failed, was skipped or deselected, nothing is cached and the build executes it. So is
  a notebook that clears or updates outputs (``clear_output``, ``display_id``, tqdm):
  nbval drops those messages, and its outputs would differ from a real execution.

With pytest-xdist, workers stage executed notebooks as files and the controller writes
them into the cache at the end of the session (one writer for the SQLite database).
``--nbval-cache-dir=`` (empty) switches caching off; the default is the cache of
``make book`` (``_build/.jupyter_cache``). The per-notebook execution time is stored in
the cache record (``execution_seconds``), which the build shows on the status page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
INLINE = "module://matplotlib_inline.backend_inline"
STAGING = ".nbval-staging"

# Tests and doctests draw without a display; notebook kernels get the inline backend.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--nbval-cache-dir",
        default="_build/.jupyter_cache",
        help="jupyter-cache that receives every notebook nbval ran without failure "
        "(relative to the repository root; empty: do not cache). Default: %(default)s",
    )


def _cache_dir(config: pytest.Config) -> Path | None:
    value = config.getoption("--nbval-cache-dir", default="")
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else ROOT / path


def _staging(config: pytest.Config) -> Path | None:
    cache = _cache_dir(config)
    return None if cache is None else cache.parent / STAGING


def _is_worker() -> bool:
    return "PYTEST_XDIST_WORKER" in os.environ


def _nbval_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell" and hasattr(item, "cell_num")


def pytest_configure(config: pytest.Config) -> None:
    staging = _staging(config)
    if staging is not None and not _is_worker() and staging.exists():
        shutil.rmtree(staging)  # left over from an interrupted run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    """Start the notebook's kernel (set up with its first cell) with the inline backend."""
    if not _nbval_cell(item) or item.cell_num != 0:
        return (yield)
    item.parent._nbcache = {"start": time.perf_counter(), "outputs": {}}
    previous = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = INLINE
    try:
        return (yield)
    finally:
        if previous is None:
            del os.environ["MPLBACKEND"]
        else:
            os.environ["MPLBACKEND"] = previous


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if not _nbval_cell(item) or _staging(item.config) is None:
        return report
    state = getattr(item.parent, "_nbcache", None)
    if state is None:
        return report
    if report.when == "call" and report.passed and not hasattr(report, "wasxfail"):
        state["outputs"][item.cell_num] = item.test_outputs or []
    elif not report.passed:
        state["failed"] = True
    n_code = sum(1 for cell in item.parent.nb.cells if cell.cell_type == "code")
    if report.when == "call" and item.cell_num == n_code - 1:
        if not state.get("failed") and len(state["outputs"]) == n_code:
            _stage(item, state, time.perf_counter() - state["start"])
    return report


#: nbval ignores the iopub messages that clear or update earlier outputs, so a notebook
#: that sends them (live plots, progress bars) is left to the book build to execute.
UPDATES_OUTPUTS = re.compile(r"clear_output|update_display|display_id|tqdm")


def _stage(item: pytest.Item, state: dict, seconds: float) -> None:
    """Write the executed notebook (cells of the collected file, nbval's outputs)."""
    import nbformat

    code = "\n".join(c.source for c in item.parent.nb.cells if c.cell_type == "code")
    if UPDATES_OUTPUTS.search(code):
        return
    nb = nbformat.from_dict(json.loads(json.dumps(item.parent.nb)))
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        cell.outputs = [nbformat.from_dict(dict(out)) for out in state["outputs"][number]]
        cell.execution_count = number + 1
    source = Path(str(item.parent.path)).resolve()
    nb.metadata["nbval_cache"] = {"source": str(source), "seconds": round(seconds, 3)}
    target = _staging(item.config) / os.environ.get("PYTEST_XDIST_WORKER", "main")
    target.mkdir(parents=True, exist_ok=True)
    name = source.relative_to(ROOT) if source.is_relative_to(ROOT) else Path(source.name)
    nbformat.write(nb, target / name.as_posix().replace("/", "__"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _is_worker():
        return
    staging, cache_dir = _staging(session.config), _cache_dir(session.config)
    if staging is None or not staging.exists():
        return
    cached = cache_executed(sorted(staging.rglob("*.ipynb")), cache_dir)
    shutil.rmtree(staging, ignore_errors=True)
    if cached:
        _SUMMARY.append(
            f"nbval: cached {len(cached)} executed notebook(s) in {cache_dir} for the book build"
        )


def cache_executed(staged: list[Path], cache_dir: Path) -> list[str]:
    """Write staged executed notebooks into the jupyter-cache at ``cache_dir``.

    A staged notebook is cached only if its source file still has the same code cells
    (otherwise the book build must execute the changed file itself).
    """
    import nbformat
    from ipykernel.ipkernel import IPythonKernel
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(cache_dir))
    done = []
    for path in staged:
        executed = nbformat.read(path, as_version=4)
        info = executed.metadata.pop("nbval_cache")
        source = Path(info["source"])
        if not source.exists():
            continue
        current = nbformat.read(source, as_version=4)
        _, key_now = cache.create_hashed_notebook(current)
        _, key_run = cache.create_hashed_notebook(executed)
        if key_now != key_run:
            continue  # edited since the test run: the build executes it
        executed.metadata["language_info"] = dict(IPythonKernel.language_info)
        try:
            nbformat.validate(executed)
        except nbformat.ValidationError:
            continue
        cache.cache_notebook_bundle(
            CacheBundleIn(
                executed,
                str(source),
                data={"execution_seconds": info["seconds"], "executed_by": "nbval"},
            ),
            check_validity=True,
            overwrite=True,
        )
        done.append(str(source))
    return done


_NOTEBOOK_REPORTS: list[str] = []
_SUMMARY: list[str] = []  # lines for the terminal summary (after the progress output)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if ".ipynb::" in report.nodeid:
        _NOTEBOOK_REPORTS.append(report.nodeid)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Report the cached notebooks; say that the book build is the second stage."""
    if _is_worker():
        return
    for line in _SUMMARY:
        terminalreporter.write_line(line)
    if os.environ.get("MIAKIT_BOOK_BUILD_FOLLOWS"):
        return
    if not _NOTEBOOK_REPORTS:
        return
    terminalreporter.write_line(
        "pytest ran the tests, doctests and notebooks (nbval) but not the book build: "
        "`make build` builds the website and reuses the notebooks executed here "
        "(`make test` runs both)."
    )
