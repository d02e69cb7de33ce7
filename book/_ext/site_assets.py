"""Sphinx extension: the website's assets and accessibility fixes.

* ``book/_static`` is added to the static files: ``miakit.css`` (long links and inline
  code wrap on a phone, readable "coming" badges, wide figures scroll in their box) and
  the favicon ``favicon.svg``.
* MathJax 2.7 (self-hosted from ``jupyter-server-mathjax``) ships only the STIX-Web
  fonts; its default asks for the TeX fonts, which are not there (404 on
  ``fonts/TeX/fontdata.js``, a "File failed to load" banner, wrongly set equations).
  The ``HTML-CSS`` output is told to use the shipped fonts.
* Figures from notebook outputs get a text alternative instead of their file path:
  the figure's own description (its titles, recorded by :func:`miakit.viz.set_style`
  as the output's ``text/plain``), else the section it belongs to.
* ``sphinx-exercise`` gives every exercise and solution body the same id
  (``exercise-content``, ``solution-content``); ids must be unique in a page, so each
  gets a numbered id (and the old id as a class).
* Bare ``http(s)://`` URLs in the text become links.
* Identical inline scripts added twice to a page are kept once (sphinx-thebe's
  ``const THEBE_JS_URL`` twice is a JavaScript SyntaxError on every page), and the
  theme's colour mode defaults to ``auto`` (an empty mode is logged as an error).
"""

from __future__ import annotations

import hashlib
import json
import re
from base64 import b64decode
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

STATIC = Path(__file__).resolve().parents[1] / "_static"
MATHJAX_FONTS = {
    "availableFonts": ["STIX"],
    "preferredFont": "STIX",
    "webFont": "STIX-Web",
    "imageFont": None,
}
URL = re.compile(r"https?://[^\s<>()\"']+[^\s<>()\"'.,;:]")
DEFAULT_FIGURE_REPR = re.compile(r"^<Figure size [\dx.]+ with \d+ Axes>$")


def _config_inited(app: Sphinx, config) -> None:
    # pydata-sphinx-theme logs an error when the stored colour mode is empty
    config.html_context = {"default_mode": "auto", **(config.html_context or {})}
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    if not config.html_favicon:
        config.html_favicon = str(STATIC / "favicon.svg")
    mathjax = dict(config.mathjax2_config or {})
    html_css = dict(mathjax.get("HTML-CSS", {}))
    for key, value in MATHJAX_FONTS.items():
        html_css.setdefault(key, value)
    mathjax["HTML-CSS"] = html_css
    config.mathjax2_config = mathjax


def _figure_descriptions(app: Sphinx, docname: str) -> dict[str, str]:
    """sha256 of each PNG output of the executed notebook -> its text/plain."""
    executed = Path(app.outdir).parent / "jupyter_execute" / f"{docname}.ipynb"
    if not executed.exists():
        return {}
    notebook = json.loads(executed.read_text(encoding="utf-8"))
    found = {}
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/png" in data:
                png = data["image/png"]
                digest = hashlib.sha256(b64decode("".join(png))).hexdigest()
                text = "".join(data.get("text/plain", ""))
                found[digest] = text
    return found


def _section_title(node: nodes.Node) -> str | None:
    while node is not None:
        if isinstance(node, nodes.section) and node.children:
            title = node.children[0]
            if isinstance(title, nodes.title):
                return title.astext()
        node = node.parent
    return None


def _alt_texts(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.docname
    descriptions: dict[str, str] | None = None
    numbers: dict[str, int] = {}
    for image in doctree.findall(nodes.image):
        uri = str(image.get("uri", ""))
        if image.get("alt") and image["alt"] != uri:
            continue
        if descriptions is None:
            descriptions = _figure_descriptions(app, docname)
        text = descriptions.get(Path(uri).stem, "").strip()
        if text and not DEFAULT_FIGURE_REPR.match(text):
            image["alt"] = text
            continue
        section = _section_title(image) or "this page"
        numbers[section] = numbers.get(section, 0) + 1
        image["alt"] = f"Figure {numbers[section]} of the section “{section}”"


def _unique_exercise_ids(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for fixed in ("exercise-content", "solution-content"):
        sections = [s for s in doctree.findall(nodes.section) if fixed in s["ids"]]
        for number, section in enumerate(sections, start=1):
            section["ids"] = [f"{fixed}-{number}" if i == fixed else i for i in section["ids"]]
            section["classes"] = [*section["classes"], fixed]


def _link_urls(app: Sphinx, doctree: nodes.document) -> None:
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or isinstance(
            parent, nodes.reference | nodes.literal | nodes.literal_block | nodes.raw
        ):
            continue
        if any(isinstance(a, nodes.reference | nodes.literal_block) for a in _ancestors(parent)):
            continue
        value = str(text)
        if not URL.search(value):
            continue
        pieces: list[nodes.Node] = []
        position = 0
        for match in URL.finditer(value):
            pieces.append(nodes.Text(value[position : match.start()]))
            url = match.group(0)
            pieces.append(nodes.reference(url, url, refuri=url))
            position = match.end()
        pieces.append(nodes.Text(value[position:]))
        parent.replace(text, [p for p in pieces if not (isinstance(p, nodes.Text) and not p)])


def _dedupe_scripts(app: Sphinx, pagename, templatename, context, doctree) -> None:
    """Drop repeated identical inline scripts (sphinx-thebe's ``const THEBE_JS_URL``
    is added twice by Jupyter Book, a SyntaxError on every page)."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (getattr(script, "filename", str(script)), str(sorted(attributes.items())))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def setup(app: Sphinx) -> dict:
    app.setup_extension("course_plan")  # the instructor guide's generated course plan
    app.connect("config-inited", _config_inited)
    app.connect("doctree-read", _alt_texts)
    app.connect("doctree-read", _link_urls)
    app.connect("doctree-resolved", _unique_exercise_ids)
    app.connect("html-page-context", _dedupe_scripts)
    app.add_css_file("miakit.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
