"""_toc.yml agrees with the chapter registry book/chapters.yml.

The registry is the one place where a chapter's number, title, part, questions, notebook
folder and page are written; the table of contents must list every written chapter in
the registry's order, under its part, with its notebook folder. Pages that are not
chapters (introduction, setup, reference pages) may sit anywhere.
"""

from __future__ import annotations

import yaml
from conftest import ROOT

CHAPTERS = yaml.safe_load((ROOT / "book" / "chapters.yml").read_text(encoding="utf-8"))
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def toc_chapters() -> list[tuple[str, dict]]:
    """(part caption, entry) of every chapter entry of the table of contents."""
    return [(part["caption"], entry) for part in TOC["parts"] for entry in part["chapters"]]


def expected_entry(chapter: dict) -> dict:
    entry = {"file": chapter["page"]}
    if chapter["folder"]:
        entry["sections"] = [{"glob": f"notebooks/{chapter['folder']}/*"}]
    return entry


def test_every_written_chapter_is_in_the_toc_under_its_part_with_its_notebooks():
    written = [c for c in CHAPTERS if c["page"]]
    by_file = {entry.get("file"): (caption, entry) for caption, entry in toc_chapters()}
    for chapter in written:
        want = expected_entry(chapter)
        assert chapter["page"] in by_file, (
            f"chapter {chapter['number']} is missing from _toc.yml; add under the part "
            f"{chapter['part']!r}:\n{yaml.safe_dump([want], sort_keys=False)}"
        )
        caption, entry = by_file[chapter["page"]]
        assert caption == chapter["part"], (chapter["page"], caption, chapter["part"])
        assert entry == want, f"_toc.yml has {entry}, chapters.yml gives {want}"


def test_toc_lists_chapters_in_registry_order_and_no_unregistered_chapter():
    pages = {c["page"] for c in CHAPTERS if c["page"]}
    in_toc = [entry.get("file") for _, entry in toc_chapters()]
    chapter_like = [f for f in in_toc if f and ("sections" in dict(_entry(f)) or f in pages)]
    assert [f for f in chapter_like if f in pages] == [c["page"] for c in CHAPTERS if c["page"]]
    unregistered = [f for f in chapter_like if f not in pages]
    assert not unregistered, f"chapters in _toc.yml but not in book/chapters.yml: {unregistered}"


def _entry(file: str) -> dict:
    return next(entry for _, entry in toc_chapters() if entry.get("file") == file)
