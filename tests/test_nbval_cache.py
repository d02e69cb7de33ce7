"""conftest.py at the root: nbval's executions land in the jupyter-cache of the book.

The book build (myst-nb, ``execute_notebooks: cache``) looks a notebook up with
``cache.match_cache_notebook(notebook)`` and merges the cached outputs into it; these
tests run nbval on a small notebook in a temporary project and check that exactly this
lookup finds the executed notebook, with its figure, and that an edited or failing
notebook is not cached (so the build executes it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT
from jupyter_cache import get_cache

CELLS = [
    "import matplotlib.pyplot as plt\nvalue = 6 * 7",
    "# Check: the answer\nassert value == 42, f'expected 42, measured {value}'\nprint(value)",
    "fig, ax = plt.subplots()\nax.plot([0, 1], [0, value])",
]


def project(tmp_path, cells):
    shutil.copy(ROOT / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_markdown_cell("# Title")]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    path = tmp_path / "nb" / "demo.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    return path


def run_nbval(tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["--nbval-lax", "--nbval-current-env", "nb"]
    return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("project")
    path = project(tmp_path, CELLS)
    result = run_nbval(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp_path, path, result


def test_the_build_finds_the_executed_notebook_with_its_outputs(executed):
    tmp_path, path, result = executed
    assert "cached 1 executed notebook(s)" in result.stdout, result.stdout
    cache = get_cache(str(tmp_path / "_build" / ".jupyter_cache"))
    record = cache.match_cache_notebook(nbformat.read(path, as_version=4))  # as myst-nb does
    assert record.data["executed_by"] == "nbval" and record.data["execution_seconds"] > 0
    _, merged = cache.merge_match_into_notebook(nbformat.read(path, as_version=4))
    code = [cell for cell in merged.cells if cell.cell_type == "code"]
    assert code[1].outputs[0]["text"] == "42\n", code[1].outputs
    kinds = {key for out in code[2].outputs for key in out.get("data", {})}
    assert "image/png" in kinds, f"the inline backend draws the figure; outputs {kinds}"
    assert merged.metadata["language_info"]["pygments_lexer"] == "ipython3"
    assert not (tmp_path / "_build" / ".nbval-staging").exists()


def test_an_edited_notebook_is_not_found(executed):
    tmp_path, path, _ = executed
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source += "\nvalue += 1"
    cache = get_cache(str(tmp_path / "_build" / ".jupyter_cache"))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nb)


def test_a_failing_notebook_is_not_cached(tmp_path):
    path = project(tmp_path, [CELLS[0], "assert value == 41, f'measured {value}'"])
    result = run_nbval(tmp_path)
    assert result.returncode != 0
    cache = get_cache(str(tmp_path / "_build" / ".jupyter_cache"))
    with pytest.raises(KeyError):
        cache.match_cache_notebook(nbformat.read(path, as_version=4))
