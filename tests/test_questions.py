"""The question registry book/questions.yml and the generated question bank."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter

import yaml
from conftest import NOTEBOOKS, ROOT, load_notebook

# The book's Sphinx extension, loaded from its file (it is not part of miakit).
_spec = importlib.util.spec_from_file_location(
    "book_pages", ROOT / "book" / "_ext" / "book_pages.py"
)
book_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book_pages)

#: Question id -> chapter, from the chapter registry book/chapters.yml (the contract with
#: ../shared/curriculum.md: 27 interview questions, 5 lung-project and 7 key-topic ids).
EXPECTED = {
    qid: chapter["number"]
    for chapter in book_pages.load_chapters(ROOT)
    for qid in chapter.get("questions") or []
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


def test_chapter_registry_is_well_formed():
    chapters = book_pages.load_chapters(ROOT)
    keys = {"number", "title", "part", "questions", "folder", "page"}
    ids = [qid for chapter in chapters for qid in chapter["questions"]]
    assert len(ids) == len(set(ids)) == 39, f"ids listed twice: {Counter(ids) - Counter(set(ids))}"
    numbers = [c["number"] for c in chapters]
    assert len(numbers) == len(set(numbers)), numbers
    assert sorted(n for n in numbers if n != "00") == [f"{n:02d}" for n in range(1, 25)]
    for chapter in chapters:
        assert set(chapter) == keys, f"{chapter['number']}: fields {sorted(chapter)}"
        folder, page = chapter["folder"], chapter["page"]
        if folder is not None:
            assert folder.startswith(chapter["number"] + "_"), (chapter["number"], folder)
            assert (ROOT / "notebooks" / folder).is_dir(), f"notebooks/{folder} is missing"
        if page is not None:
            path = ROOT / f"{page}.md"
            assert path.is_file(), f"{chapter['number']}: {page}.md is missing"
            title = path.read_text(encoding="utf-8").splitlines()[0]
            expected = (
                f"# {chapter['title']}"
                if chapter["number"] == "00"
                else (f"# {chapter['number']} {chapter['title']}")
            )
            assert title == expected, f"{page}.md: title {title!r}, registry {expected!r}"
    on_disk = {p.name for p in (ROOT / "notebooks").iterdir() if p.is_dir()}
    registered = {c["folder"] for c in chapters if c["folder"]}
    assert on_disk <= registered, (
        f"notebook folders missing from chapters.yml: {on_disk - registered}"
    )


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


def _words(text: str) -> str:
    return " ".join(str(text).split())


def corner_quotes(path) -> dict[str, tuple[str, str]]:
    """id -> (question, blockquoted answer) of each ``**id · question**`` in the corner.

    The corner is the markdown cell that starts with ``## Interview corner`` (COMMON.md
    convention 2); the answer is the blockquote that follows the bold line.
    """
    found = {}
    for cell in load_notebook(path)["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or not source.lstrip().startswith("## Interview corner"):
            continue
        lines = source.splitlines()
        for index, line in enumerate(lines):
            match = re.match(r"^\*\*(\w+) · (.+?)\*\*\s*$", line.strip())
            if not match:
                continue
            quote, rest = [], lines[index + 1 :]
            while rest and not rest[0].strip():
                rest = rest[1:]
            while rest and rest[0].lstrip().startswith(">"):
                quote.append(rest.pop(0).lstrip()[1:])
            found[match.group(1)] = (_words(match.group(2)), _words(" ".join(quote)))
    return found


def test_interview_corner_quotes_the_registry_answer():
    """The primary notebook's corner quotes the yml answer verbatim; no other holds one."""
    corners = {p.relative_to(ROOT).as_posix(): corner_quotes(p) for p in NOTEBOOKS}
    problems = []
    for entry in registry():
        answer = _words(entry["answer"] or "")
        if not answer:
            continue
        primary = entry["notebooks"][0]
        quoted = corners.get(primary, {}).get(entry["id"])
        if quoted is None:
            problems.append(f"{entry['id']}: no '**{entry['id']} · ...**' corner in {primary}")
        else:
            if quoted[0] != _words(entry["question"]):
                problems.append(f"{entry['id']}: the corner's question differs from the yml")
            if quoted[1] != answer:
                problems.append(f"{entry['id']}: the blockquote in {primary} differs from the yml")
        others = [nb for nb, ids in corners.items() if entry["id"] in ids and nb != primary]
        if others:
            problems.append(f"{entry['id']}: corners outside its primary notebook: {others}")
    assert not problems, "\n".join(problems)


def test_model_answers_have_at_most_150_words():
    long = {
        e["id"]: len(_words(e["answer"]).split())
        for e in registry()
        if len(_words(e["answer"] or "").split()) > 150
    }
    assert not long, f"answers longer than 150 words (id: words): {long}"


def test_question_bank_links_evidence_to_the_interview_corner():
    entries = registry()
    text = book_pages.render_question_bank(entries, ROOT)
    for entry in entries:
        if _words(entry["answer"] or ""):
            target = f"(/{entry['notebooks'][0]}#interview-corner)"
            assert target in text, f"{entry['id']}: no link {target} in the question bank"


def test_corner_parser_reads_the_convention(tmp_path):
    """Self-test of the drift check's parser on a corner written as COMMON.md shows."""
    cell = (
        "## Interview corner\n\n**iq99 · Why test a parser?**\n\n> Because a check that\n"
        ">   reads nothing passes.\n\n**Evidence from this notebook.** See above.\n\n"
        "**kt9 · Second id?**\n\n> Yes.\n"
    )
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": cell}]}
    path = tmp_path / "corner.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    assert corner_quotes(path) == {
        "iq99": ("Why test a parser?", "Because a check that reads nothing passes."),
        "kt9": ("Second id?", "Yes."),
    }
