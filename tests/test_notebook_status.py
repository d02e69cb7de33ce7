"""The counts on the build status page (book/_ext/notebook_status.py)."""

from __future__ import annotations

import importlib.util
import json
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))  # notebook_status imports book_pages
_spec = importlib.util.spec_from_file_location(
    "notebook_status", ROOT / "book" / "_ext" / "notebook_status.py"
)
notebook_status = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook_status)


def test_count_asserts_counts_statements_not_words(tmp_path):
    cells = [
        {"cell_type": "code", "source": "# Check: two claims\nassert 1 < 2, 'x'\nassert 3 > 2"},
        {"cell_type": "code", "source": "%matplotlib inline\nfor i in range(3):\n    assert i < 3"},
        {"cell_type": "code", "source": "text = 'assert is a keyword'"},
        {"cell_type": "markdown", "source": "assert in prose"},
    ]
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert notebook_status.count_asserts(path) == 3


def test_count_glued_numbers_skips_text_and_figures(tmp_path):
    glue = {
        "psnr": {"data": {"text/plain": "31.25"}},
        "n": {"data": {"text/plain": "12"}},
        "tiny": {"data": {"text/plain": "1.5e-05"}},
        "method": {"data": {"text/plain": "'median'"}},
        "fig": {"data": {"image/png": "iVBOR", "text/plain": "<Figure size 640x480>"}},
    }
    path = tmp_path / "nb.glue.json"
    path.write_text(json.dumps(glue), encoding="utf-8")
    assert notebook_status.count_glued_numbers(path) == 3
    assert notebook_status.count_glued_numbers(tmp_path / "missing.glue.json") == 0
