"""The question registry book/questions.yml and the generated question bank."""

from __future__ import annotations

import importlib.util
import re
from collections import Counter

import yaml
from conftest import ROOT, load_notebook

# The book's Sphinx extension, loaded from its file (it is not part of miakit).
_spec = importlib.util.spec_from_file_location(
    "book_pages", ROOT / "book" / "_ext" / "book_pages.py"
)
book_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book_pages)

#: The ids of the curriculum and their chapters (the contract with ../shared/curriculum.md).
EXPECTED = {
    **{
        f"iq{n:02d}": c
        for n, c in zip(
            range(1, 28),
            [
                "01",
                "07",
                "06",
                "04",
                "03",
                "13",
                "13",
                "19",
                "05",
                "21",
                "04",
                "09",
                "08",
                "10",
                "12",
                "17",
                "14",
                "15",
                "23",
                "11",
                "24",
                "16",
                "22",
                "22",
                "02",
                "20",
                "24",
            ],
            strict=True,
        )
    },
    "lp1": "13",
    "lp2": "16",
    "lp3": "11",
    "lp4": "14",
    "lp5": "18",
    "kt1": "06",
    "kt2": "09",
    "kt3": "19",
    "kt4": "13",
    "kt5": "07",
    "kt6": "01",
    "kt7": "19",
}
FIELDS = {"id", "question", "chapter", "notebooks", "answer"}


def registry() -> list[dict]:
    return yaml.safe_load((ROOT / "book" / "questions.yml").read_text(encoding="utf-8"))


def interview_corner(path) -> str:
    """Text of the notebook's Interview corner section (up to the next ## heading)."""
    text = "\n".join(
        "".join(c["source"]) for c in load_notebook(path)["cells"] if c["cell_type"] == "markdown"
    )
    match = re.search(r"^## Interview corner\s*$(.*?)(?=^## )", text, re.M | re.S)
    return match.group(1) if match else ""


def test_every_id_present_once_with_all_fields():
    entries = registry()
    counts = Counter(e["id"] for e in entries)
    assert set(counts) == set(EXPECTED), set(counts) ^ set(EXPECTED)
    assert all(n == 1 for n in counts.values()), [k for k, n in counts.items() if n > 1]
    assert len(entries) == 39
    for entry in entries:
        assert set(entry) == FIELDS, f"{entry['id']}: fields {sorted(entry)}"
        assert entry["chapter"] == EXPECTED[entry["id"]], entry["id"]
        assert isinstance(entry["notebooks"], list), entry["id"]
        assert entry["question"].strip().endswith(("?", ".")), entry["id"]


def test_registered_notebooks_exist_and_sit_in_their_chapter():
    for entry in registry():
        for notebook in entry["notebooks"]:
            path = ROOT / notebook
            assert path.is_file(), f"{entry['id']}: {notebook} does not exist"
            assert path.parent.name.startswith(entry["chapter"] + "_"), (entry["id"], notebook)


def test_answered_questions_have_an_interview_corner_naming_them():
    answered = [e for e in registry() if (e["answer"] or "").strip()]
    for entry in answered:
        assert entry["notebooks"], f"{entry['id']} is answered but lists no notebook"
        corners = [interview_corner(ROOT / nb) for nb in entry["notebooks"]]
        assert any(entry["id"] in corner for corner in corners), (
            f"{entry['id']}: no Interview corner in {entry['notebooks']} mentions it"
        )


def test_question_bank_lists_every_id_and_marks_coming():
    entries = registry()
    text = book_pages.render_question_bank(entries, ROOT)
    for entry in entries:
        assert f"**{entry['id']}**" in text or f"}} {entry['id']} ·" in text, entry["id"]
    coming = [e for e in entries if not (e["answer"] or "").strip()]
    assert text.count("{bdg-secondary}`coming`") == len(coming) + 1  # +1: the legend


def test_datasets_page_lists_every_source():
    from miakit.datasets import SOURCES

    text = book_pages.render_datasets()
    for source in SOURCES.values():
        assert source.title in text and source.licence in text
