"""Every notebook follows the book's template (CONTRIBUTING.md); found by glob."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from conftest import NOTEBOOKS, ROOT, load_notebook

REQUIRED_ORDER = [
    "Learning objectives",
    "Setup",
    "Exercises",
    "Interview corner",
    "Common wrong answers",
    "Summary",
]
ids = [p.relative_to(ROOT).as_posix() for p in NOTEBOOKS]


def headings(nb: dict) -> list[tuple[int, str, int]]:
    """(level, text, cell index) of every markdown heading outside code fences."""
    found = []
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        in_fence = False
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith(("```", "~~~", ":::")):
                in_fence = not in_fence
            match = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
            if match and not in_fence:
                found.append((len(match.group(1)), match.group(2), index))
    return found


def test_notebooks_exist():
    assert len(NOTEBOOKS) >= 2, "no notebooks found under notebooks/*/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_name_and_folder_follow_convention(path):
    assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    assert re.fullmatch(r"\d\d_[a-z0-9_]+", path.parent.name), path.parent.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_sections_in_order(path):
    nb = load_notebook(path)
    heads = headings(nb)
    titles = [h for h in heads if h[0] == 1]
    assert len(titles) == 1, f"expected one '#' title, found {[t[1] for t in titles]}"
    assert heads[0][0] == 1, "the notebook must start with its '#' title"
    level2 = [text for level, text, _ in heads if level == 2]
    positions = []
    for name in REQUIRED_ORDER:
        assert name in level2, f"missing section '## {name}' (found {level2})"
        positions.append(level2.index(name))
    assert positions == sorted(positions), f"sections out of order: {level2}"
    content = level2[level2.index("Setup") + 1 : level2.index("Exercises")]
    assert content, "no content section between Setup and Exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_setup_is_one_code_cell_with_seed_and_miakit(path):
    nb = load_notebook(path)
    heads = headings(nb)
    start = next(i for level, text, i in heads if level == 2 and text == "Setup")
    after = [i for level, _, i in heads if i > start]
    end = after[0] if after else len(nb["cells"])
    code = [c for c in nb["cells"][start + 1 : end] if c["cell_type"] == "code"]
    assert len(code) == 1, f"Setup must be one code cell, found {len(code)}"
    source = "".join(code[0]["source"])
    assert "miakit" in source, "the Setup cell imports miakit"
    assert "default_rng" in source or "SEED" in source, "the Setup cell fixes the seed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_no_stored_outputs(path):
    nb = load_notebook(path)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), "notebooks are stored without outputs (nbstripout)"
            assert cell.get("execution_count") is None, "execution counts must be stripped"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_claims_are_checked_and_no_path_hacks(path):
    nb = load_notebook(path)
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    checks = [s for s in code if s.lstrip().startswith("# Check:") and "assert" in s]
    assert checks, "at least one visible '# Check:' cell with assertions"
    joined = "\n".join(code)
    assert "sys.path" not in joined and "%run" not in joined, "no sys.path edits or %run"
    assert "from myst_nb import glue" not in joined, (
        "glue numbers with miakit.report.glue (NumPy scalars would not format)"
    )
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_every_exercise_has_a_solution(path):
    text = "\n".join(
        "".join(c["source"]) for c in load_notebook(path)["cells"] if c["cell_type"] == "markdown"
    )
    exercises = re.findall(r"\{exercise\}[^\n]*\n:label:\s*(\S+)", text)
    solutions = re.findall(r"\{solution-start\}\s+(\S+)", text)
    assert exercises, "the Exercises section holds at least one exercise"
    assert sorted(exercises) == sorted(solutions), "each exercise has exactly one solution"
    assert text.count("{solution-start}") == text.count("{solution-end}")


def test_exercise_labels_unique_across_book():
    labels = []
    for path in NOTEBOOKS:
        for cell in load_notebook(path)["cells"]:
            if cell["cell_type"] == "markdown":
                labels += re.findall(
                    r"\{exercise\}[^\n]*\n:label:\s*(\S+)", "".join(cell["source"])
                )
    duplicated = [label for label, n in Counter(labels).items() if n > 1]
    assert not duplicated, f"exercise labels used twice: {duplicated}"
