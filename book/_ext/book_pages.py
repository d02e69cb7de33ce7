"""Sphinx extension: pages generated at build time from the project's registries.

* ``book/question_bank.md``: the line ``% GENERATED: question-bank`` is replaced by the
  question bank, built from ``book/questions.yml`` (grouped by chapter; answered
  questions link to their notebooks, the others are marked as coming).
* ``{{ repository_url }}`` in any page becomes ``repository.url`` of ``_config.yml``, the
  only place the repository's address is written (code blocks included).
* ``book/datasets.md``: the line ``% GENERATED: datasets`` is replaced by the table of
  offline data sources from :data:`miakit.datasets.SOURCES`.

A registered notebook that does not exist is reported as a Sphinx warning, so the
``-W`` build fails instead of publishing a dead link.

It also self-hosts MathJax: the files shipped by the ``jupyter-server-mathjax`` package
(MathJax 2.7) are copied to ``_static/mathjax`` so that equations render offline
(``mathjax_path`` in ``_config.yml`` points there instead of a CDN).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections import defaultdict
from pathlib import Path

import yaml
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

QUESTION_MARKER = "% GENERATED: question-bank"
#: Replaced in every page by ``repository.url`` of ``_config.yml`` (the one place of it).
REPOSITORY_TOKEN = "{{ repository_url }}"
DATASETS_MARKER = "% GENERATED: datasets"


def load_chapters(root: Path) -> list[dict]:
    """Read the chapter registry ``book/chapters.yml`` below ``root`` (in book order)."""
    with open(root / "book" / "chapters.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_questions(root: Path) -> list[dict]:
    """Read ``book/questions.yml`` below ``root``."""
    with open(root / "book" / "questions.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def notebook_title(path: Path) -> str:
    """The ``# `` title of a notebook (its file name when it has none)."""
    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def _evidence(notebooks: list[str], root: Path) -> str:
    """Links to the Interview corner of the primary notebook, then to the others."""
    links = []
    for number, notebook in enumerate(notebooks):
        path = root / notebook
        title = notebook_title(path) if path.exists() else Path(notebook).stem
        if number == 0:
            links.append(f"[Interview corner of *{title}*](/{notebook}#interview-corner)")
        else:
            links.append(f"{{doc}}`{title} </{Path(notebook).with_suffix('').as_posix()}>`")
    more = f"; more in {', '.join(links[1:])}" if len(links) > 1 else ""
    return f"Evidence: {links[0]}{more}"


def render_question_bank(questions: list[dict], root: Path) -> str:
    """MyST markdown of the question bank (chapters from ``book/chapters.yml``)."""
    chapters = {c["number"]: c for c in load_chapters(root)}
    by_chapter: dict[str, list[dict]] = defaultdict(list)
    for entry in questions:
        by_chapter[str(entry["chapter"])].append(entry)
    answered = sum(1 for q in questions if _one_line(q.get("answer") or ""))
    lines = [
        f"The registry holds **{len(questions)} questions**; **{answered}** have a model "
        f"answer backed by a notebook so far, the others are marked "
        "{bdg-secondary}`coming`. Open a question to see the short answer, then follow "
        "the link to the experiment that backs it.",
        "",
    ]
    for chapter in sorted(by_chapter):
        info = chapters.get(chapter, {})
        title, page = info.get("title", f"Chapter {chapter}"), info.get("page")
        lines.append(f"## {chapter} · {title}")
        lines.append("")
        if page is not None and (root / f"{page}.md").exists():
            lines += [f"Chapter page: {{doc}}`/{page}`", ""]
        for entry in by_chapter[chapter]:
            qid, question = entry["id"], _one_line(entry["question"])
            answer = _one_line(entry.get("answer") or "")
            notebooks = entry.get("notebooks") or []
            if not answer:
                lines += [f"- **{qid}** · {question} {{bdg-secondary}}`coming`", ""]
                continue
            lines += [
                f":::{{dropdown}} {qid} · {question}",
                answer,
                "",
                _evidence(notebooks, root),
                ":::",
                "",
            ]
    return "\n".join(lines)


def render_datasets() -> str:
    """MyST markdown of the data-source registry."""
    from miakit.datasets import SOURCES

    lines: list[str] = []
    for source in SOURCES.values():
        lines += [
            f"### {source.title}",
            "",
            f"- **Key in** `miakit.datasets`: `{source.key}`; installed with "
            f"`pip install {source.pip_name}`",
            f"- **What the book uses**: {source.contents}",
            f"- **Origin**: {source.origin}",
            f"- **Licence**: {source.licence}",
            f"- **Required attribution**: {source.attribution}",
            "",
        ]
    return "\n".join(lines)


def _source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    root = Path(app.srcdir)
    text = source[0]
    if QUESTION_MARKER in text:
        app.env.note_dependency(str(root / "book" / "questions.yml"))
        app.env.note_dependency(str(root / "book" / "chapters.yml"))
        questions = load_questions(root)
        for entry in questions:
            for notebook in entry.get("notebooks") or []:
                if not (root / notebook).exists():
                    logger.warning(
                        f"questions.yml: {entry['id']} lists {notebook}, which does not exist",
                        location=docname,
                    )
        text = text.replace(QUESTION_MARKER, render_question_bank(questions, root))
    if REPOSITORY_TOKEN in text:
        url = app.config.html_theme_options.get("repository_url", "")
        if not url:
            logger.warning("repository.url is not set in _config.yml", location=docname)
        text = text.replace(REPOSITORY_TOKEN, url)
    if DATASETS_MARKER in text:
        text = text.replace(DATASETS_MARKER, render_datasets())
    source[0] = text


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    spec = importlib.util.find_spec("jupyter_server_mathjax")
    if spec is None or spec.origin is None:
        logger.warning("jupyter-server-mathjax is not installed: equations will not render")
        return
    source = Path(spec.origin).parent / "static"
    target = Path(app.outdir) / "_static" / "mathjax"
    if not (target / "MathJax.js").exists():
        shutil.copytree(source, target, dirs_exist_ok=True)


def setup(app: Sphinx) -> dict:
    app.setup_extension("notebook_status")
    app.connect("source-read", _source_read)
    app.connect("build-finished", _copy_mathjax)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
