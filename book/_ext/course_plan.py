"""Sphinx extension: the instructor guide's 12-session course plan, generated at build time.

The line ``% GENERATED: course-plan`` in ``book/instructor_guide.md`` is replaced by:

* a plan of 12 sessions: the chapters in the order of ``_toc.yml`` (chapters not written
  yet, from ``book/chapters.yml``, fill the later sessions), two or three per session;
* per session, the in-class time: the reading time the chapter pages state ("About N
  minutes of reading") and the notebooks' execution time measured in this build (from
  the jupyter cache);
* prerequisites as a dependency list (chapters named in each page's *Prerequisites*);
* suggested assignments: the exercises of the session's notebooks, linked;
* discussion prompts: the misconceptions of the notebooks' *Common wrong answers*.

The guide is read after every notebook (``env-before-read-docs``), so the execution
times of a fresh build are already in the cache.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from sphinx.application import Sphinx

MARKER = "% GENERATED: course-plan"
GUIDE = "book/instructor_guide"
SESSIONS = 12
READING = re.compile(r"About (\d+) minutes of reading")
PREREQ_CHAPTER = re.compile(r"[Cc]hapters? (\d{2})((?:,? (?:and )?\d{2})*)")
EXERCISE = re.compile(r"[`:]{3,}\{exercise\}[^\n]*\n(?:[^\n]*\n)*?:label:\s*(\S+)")
WRONG = re.compile(r'^- \*{1,2}"?(.+?)"?\*{1,2}', re.M)


def _chapters(root: Path) -> list[dict]:
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    chapters = []
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            globs = [s["glob"] for s in entry.get("sections", []) if "glob" in s]
            if not globs:
                continue
            page = root / f"{entry['file']}.md"
            text = page.read_text(encoding="utf-8")
            title = next((line[2:] for line in text.splitlines() if line.startswith("# ")), "")
            notebooks = sorted(p for g in globs for p in root.glob(f"{g}.ipynb"))
            number = re.match(r"book/(\d{2})_", entry["file"])
            chapters.append(
                {
                    "id": number.group(1) if number else Path(entry["file"]).stem,
                    "doc": entry["file"],
                    "title": title,
                    "text": text,
                    "notebooks": notebooks,
                }
            )
    return chapters


def _prerequisites(text: str, known: set[str]) -> list[str]:
    section = re.search(r"## Prerequisites\n(.*?)(\n## |\Z)", text, re.S)
    if section is None:
        return []
    body = section.group(1)
    found = []
    for match in PREREQ_CHAPTER.finditer(body):
        found += [match.group(1), *re.findall(r"\d{2}", match.group(2))]
    if "virtual cohort" in body or "virtual_cohort" in body:
        found.append("virtual_cohort")
    return [c for c in dict.fromkeys(found) if c in known]


def _runtimes(root: Path) -> dict[str, float]:
    cache_dir = root / "_build" / ".jupyter_cache"
    if not cache_dir.exists():
        return {}
    from jupyter_cache import get_cache

    found: dict[str, float] = {}
    for record in get_cache(str(cache_dir)).list_cache_records():
        seconds = (record.data or {}).get("execution_seconds")
        if seconds is not None:
            found[Path(record.uri).resolve().as_posix()] = float(seconds)
    return found


def _notebook_facts(path: Path) -> tuple[list[str], list[str]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    exercises = EXERCISE.findall(text)
    wrong: list[str] = []
    section = re.search(r"## Common wrong answers\n(.*?)(\n## |\Z)", text, re.S)
    if section is not None:
        wrong = [" ".join(w.split()).strip('"*') for w in WRONG.findall(section.group(1))]
    return exercises, wrong


def _sessions(items: list[dict]) -> list[list[dict]]:
    size, extra = divmod(len(items), SESSIONS)
    sessions, start = [], 0
    for index in range(SESSIONS):
        end = start + size + (1 if index >= SESSIONS - extra else 0)
        sessions.append(items[start:end])
        start = end
    return sessions


def render_plan(root: Path, coming: dict[str, str] | None = None) -> str:
    """MyST markdown of the course plan."""
    chapters = _chapters(root)
    written = {c["id"] for c in chapters}
    for number, title in sorted((coming or {}).items()):
        if number not in written:
            chapters.append({"id": number, "title": title, "coming": True, "notebooks": []})
    runtimes = _runtimes(root)
    known = {c["id"] for c in chapters}
    lines = [
        "| session | chapters | reading | notebooks run in | prerequisites |",
        "|---|---|---|---|---|",
    ]
    details: list[str] = []
    total_reading = 0
    for number, session in enumerate(_sessions(chapters), start=1):
        names, reading, seconds, prereqs, unmeasured = [], 0, 0.0, [], 0
        assignments, prompts = [], []
        for chapter in session:
            if chapter.get("coming"):
                names.append(f"{chapter['id']} {chapter['title']} (coming)")
                continue
            names.append(f"{{doc}}`/{chapter['doc']}`")
            match = READING.search(chapter["text"])
            reading += int(match.group(1)) if match else 0
            prereqs += _prerequisites(chapter["text"], known)
            for notebook in chapter["notebooks"]:
                runtime = runtimes.get(notebook.resolve().as_posix())
                if runtime is None:
                    unmeasured += 1
                else:
                    seconds += runtime
                exercises, wrong = _notebook_facts(notebook)
                doc = notebook.relative_to(root).with_suffix("").as_posix()
                assignments += [f"{{ref}}`{label}`" for label in exercises]
                prompts += [f'"{w}" ({{doc}}`why not? </{doc}>`)' for w in wrong]
        total_reading += reading
        in_session = {c["id"] for c in session}
        prereqs = [p for p in dict.fromkeys(prereqs) if p not in in_session]
        run = f"{seconds:.0f} s" if seconds else "—"
        if unmeasured:
            run += f" ({unmeasured} not measured yet)"
        lines.append(
            f"| {number} | {'; '.join(names)} | {reading or '—'} min | {run} | "
            f"{', '.join(prereqs) or '—'} |"
        )
        if assignments or prompts:
            details += [f"### Session {number}", ""]
            if assignments:
                details += ["**Assignments** (the exercises): " + ", ".join(assignments), ""]
            if prompts:
                details += ["**Discussion prompts** (Common wrong answers):", ""]
                details += [f"- {p}" for p in prompts] + [""]
    lines += [
        "",
        f"Reading time of the written chapters: {total_reading} min in all. "
        + (
            "Notebook run times are those measured in this build of the website."
            if runtimes
            else "No notebook execution was measured in this build."
        ),
        "",
        "## Assignments and discussion prompts per session",
        "",
        *details,
    ]
    return "\n".join(lines)


def _reorder(app: Sphinx, env, docnames: list[str]) -> None:
    if GUIDE in docnames:
        docnames.remove(GUIDE)
        docnames.append(GUIDE)


def _outdated(app: Sphinx, env, added, changed, removed) -> list[str]:
    return [GUIDE] if GUIDE in env.found_docs else []


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if MARKER not in source[0]:
        return
    from book_pages import load_chapters  # the chapter registry book/chapters.yml

    chapters = load_chapters(Path(app.srcdir))
    coming = {c["number"]: c["title"] for c in chapters if c["page"] is None}
    source[0] = source[0].replace(MARKER, render_plan(Path(app.srcdir), coming))


def setup(app: Sphinx) -> dict:
    app.connect("env-before-read-docs", _reorder)
    app.connect("env-get-outdated", _outdated)
    app.connect("source-read", _source_read)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
