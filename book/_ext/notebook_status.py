"""Sphinx extension: the build status of every notebook, from the build itself.

* ``{notebook-status}`` (on ``book/status.md``) becomes a table: each notebook with its
  execution time in this build, the number of ``assert`` statements in its code cells,
  the number of glued numbers, who executed it (the nbval test run of ``make test``,
  whose executions the build reuses from the jupyter-cache, or the book build itself)
  and the result.
* Every chapter page of ``book/chapters.yml`` gets, under its title, a line "Runs in N s
  on a laptop-class CPU" computed from the same data (injected at ``source-read``, so the
  chapter pages need no marker).

The numbers come from myst-nb's execution data of this build (run time, success), the
glue data it wrote next to the executed notebooks, and the jupyter-cache record (which
stage executed the notebook). At the end of the build the extension logs how many
notebooks the build executed itself: after ``make test`` it is zero.
"""

from __future__ import annotations

import ast
import json
import os
import re
import time
from datetime import UTC, datetime
from pathlib import Path

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

STATUS_DOC = "book/status"
MARKER_KEY = "has_notebook_status"
NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class StatusNode(nodes.General, nodes.Element):
    """Placeholder for the status table, or (with ``folder``) a chapter's runtime line."""


class NotebookStatus(SphinxDirective):
    """``{notebook-status}``: the table of every notebook of the build."""

    def run(self) -> list[nodes.Node]:
        from myst_nb.sphinx_ import NbMetadataCollector

        NbMetadataCollector.set_doc_data(self.env, self.env.docname, MARKER_KEY, True)
        return [StatusNode()]


class ChapterRuntime(SphinxDirective):
    """``{chapter-runtime} <notebook folder>``: the runtime line of a chapter page."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        from myst_nb.sphinx_ import NbMetadataCollector

        NbMetadataCollector.set_doc_data(self.env, self.env.docname, MARKER_KEY, True)
        return [StatusNode(folder=self.arguments[0])]


def count_asserts(path: Path) -> int:
    """Number of ``assert`` statements in the code cells of a notebook."""
    with open(path, encoding="utf-8") as handle:
        cells = json.load(handle)["cells"]
    total = 0
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        source = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in lines)
        try:
            tree = ast.parse(source)
        except SyntaxError:
            total += sum(1 for ln in lines if ln.lstrip().startswith("assert "))
            continue
        total += sum(isinstance(node, ast.Assert) for node in ast.walk(tree))
    return total


def count_glued_numbers(glue_file: Path) -> int:
    """Number of glued values whose plain-text form is a number."""
    if not glue_file.exists():
        return 0
    data = json.loads(glue_file.read_text(encoding="utf-8"))
    count = 0
    for entry in data.values():
        text = entry.get("data", {}).get("text/plain", "") if isinstance(entry, dict) else ""
        count += bool(NUMBER.match(str(text).strip().strip("'\"")))
    return count


def _executed_by(app: Sphinx, source: Path) -> str:
    """'make test (nbval)' when the cache record came from the test run, else 'book build'."""
    try:
        import nbformat
        from jupyter_cache import get_cache

        cache = get_cache(app.env.mystnb_config.execution_cache_path)
        record = cache.match_cache_notebook(nbformat.read(source, as_version=4))
    except Exception:  # no cache (execution mode off or force) or no record
        return "book build"
    return "make test (nbval)" if record.data.get("executed_by") == "nbval" else "book build"


def collect(app: Sphinx) -> list[dict]:
    """One row per notebook document of the build, in document order."""
    from myst_nb.sphinx_ import NbMetadataCollector

    env = app.env
    root = Path(app.srcdir)
    jupyter_execute = Path(app.outdir).parent / "jupyter_execute"
    rows = []
    for docname in sorted(env.found_docs):
        if not docname.startswith("notebooks/"):
            continue
        source = root / (docname + ".ipynb")
        if not source.exists():
            continue
        data = NbMetadataCollector.get_exec_data(env, docname) or {}
        rows.append(
            {
                "docname": docname,
                "folder": docname.split("/")[1],
                "runtime": data.get("runtime"),
                "mtime": data.get("mtime"),
                "succeeded": data.get("succeeded"),
                "error": data.get("error"),
                "checks": count_asserts(source),
                "glued": count_glued_numbers(jupyter_execute / (docname + ".glue.json")),
                "by": _executed_by(app, source) if data else "not executed",
            }
        )
    return rows


def _link(parent: str, docname: str, text: str) -> pending_xref:
    xref = pending_xref(
        refdoc=parent,
        reftarget="/" + docname,
        reftype="doc",
        refdomain="std",
        refexplicit=True,
        refwarn=True,
    )
    xref += nodes.inline(text=text)
    return xref


def _result(row: dict) -> str:
    if row["succeeded"] is True:
        return "✅ ran without error, all checks passed"
    if row["succeeded"] is False:
        return f"❌ failed ({row['error']})"
    return "not executed"


def _table(parent: str, rows: list[dict]) -> nodes.table:
    header = ["Notebook", "Run time (s)", "Checks", "Glued numbers", "Executed by", "Result"]
    table = nodes.table(classes=["colwidths-auto", "notebook-status"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for _ in header:
        group += nodes.colspec(colwidth=1)
    head = nodes.thead()
    group += head
    row_node = nodes.row()
    head += row_node
    for name in header:
        row_node += nodes.entry("", nodes.paragraph(text=name))
    body = nodes.tbody()
    group += body
    for row in rows:
        row_node = nodes.row()
        body += row_node
        link = nodes.paragraph()
        link += _link(parent, row["docname"], row["docname"].removeprefix("notebooks/"))
        runtime = "–" if row["runtime"] is None else f"{row['runtime']:.1f}"
        cells = [runtime, str(row["checks"]), str(row["glued"]), row["by"], _result(row)]
        row_node += nodes.entry("", link)
        for text in cells:
            row_node += nodes.entry("", nodes.paragraph(text=text))
    return table


def _summary(rows: list[dict]) -> nodes.paragraph:
    runtime = sum(r["runtime"] or 0 for r in rows)
    passed = sum(r["succeeded"] is True for r in rows)
    reused = sum(r["by"] == "make test (nbval)" for r in rows)
    day = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (
        f"Built on {day} on a machine with {os.cpu_count()} CPU cores. {passed} of {len(rows)} "
        f"notebooks ran without error ({reused} executed under nbval by the test run and "
        f"reused by this build, {len(rows) - reused} executed by the build); "
        f"{sum(r['checks'] for r in rows)} assert statements and "
        f"{sum(r['glued'] for r in rows)} glued numbers; {runtime:.0f} s of execution in all."
    )
    return nodes.paragraph(text=text)


def _chapter_line(parent: str, rows: list[dict], folder: str) -> nodes.Node:
    mine = [r for r in rows if r["folder"] == folder]
    if not mine or any(r["runtime"] is None for r in mine):
        return nodes.paragraph(text="")
    runtime = sum(r["runtime"] for r in mine)
    ok = all(r["succeeded"] is True for r in mine)
    para = nodes.paragraph(classes=["chapter-runtime"])
    para += nodes.strong(text=f"Runs in {max(1, round(runtime))} s on a laptop-class CPU")
    para += nodes.Text(
        f": the chapter's {len(mine)} notebook{'s' if len(mine) > 1 else ''} with "
        f"{sum(r['checks'] for r in mine)} checks, "
        + ("all passing" if ok else "NOT all passing")
        + f", executed when this site was built ({os.cpu_count()} CPU cores; "
    )
    para += _link(parent, STATUS_DOC, "build status")
    para += nodes.Text(").")
    return para


class StatusTransform(SphinxPostTransform):
    """Replace the placeholders once every notebook has been executed."""

    default_priority = 8  # before the reference resolvers (9, 10)

    def run(self, **kwargs) -> None:
        placeholders = list(self.document.findall(StatusNode))
        if not placeholders:
            return
        rows = collect(self.app)
        docname = self.env.docname
        for node in placeholders:
            folder = node.get("folder")
            if folder:
                node.replace_self(_chapter_line(docname, rows, folder))
            else:
                node.replace_self([_summary(rows), _table(docname, rows)])


def _inject_runtime_line(app: Sphinx, docname: str, source: list[str]) -> None:
    """Add ``{chapter-runtime}`` under the title of every chapter page of the registry."""
    pages = getattr(app, "_chapter_pages", None)
    if pages is None:
        from book_pages import load_chapters

        pages = {
            c["page"]: c["folder"]
            for c in load_chapters(Path(app.srcdir))
            if c.get("page") and c.get("folder")
        }
        app._chapter_pages = pages
    if docname not in pages:
        return
    lines = source[0].split("\n")
    for index, line in enumerate(lines):
        if line.startswith("# "):
            block = ["", f"```{{chapter-runtime}} {pages[docname]}", "```", ""]
            source[0] = "\n".join(lines[: index + 1] + block + lines[index + 1 :])
            return


def _outdated(app: Sphinx, env) -> list[str]:
    """Re-render the pages with status data when a notebook was executed again."""
    from myst_nb.sphinx_ import NbMetadataCollector

    if not NbMetadataCollector.new_exec_data(env):
        return []
    return [
        docname
        for docname, data in NbMetadataCollector.get_doc_data(env).items()
        if data.get(MARKER_KEY)
    ]


def _start(app: Sphinx) -> None:
    app._status_start = time.time()


def _report(app: Sphinx, exception: Exception | None) -> None:
    """Log how many notebooks this build executed itself (0 after ``make test``)."""
    if exception is not None:
        return
    from myst_nb.sphinx_ import NbMetadataCollector

    executed = reused = 0
    for docname in app.env.found_docs:
        data = NbMetadataCollector.get_exec_data(app.env, docname)
        if not data:
            continue
        if data.get("mtime") and data["mtime"] >= getattr(app, "_status_start", 0):
            executed += 1
        else:
            reused += 1
    logger.info(
        f"notebook_status: this build executed {executed} notebook(s) and took "
        f"{reused} from the jupyter-cache"
    )


def setup(app: Sphinx) -> dict:
    app.add_node(StatusNode)
    app.add_directive("notebook-status", NotebookStatus)
    app.add_directive("chapter-runtime", ChapterRuntime)
    app.add_post_transform(StatusTransform)
    app.connect("builder-inited", _start)
    app.connect("source-read", _inject_runtime_line)
    app.connect("env-updated", _outdated)
    app.connect("build-finished", _report)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
