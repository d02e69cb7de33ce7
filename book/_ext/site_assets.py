"""Sphinx extension: the website's assets and accessibility fixes.

* ``book/_static`` is added to the static files: ``miakit.css`` (long links and inline
  code wrap on a phone, readable "coming" badges, wide figures scroll in their box) and
  the favicon ``favicon.svg``.
* MathJax 2.7 (self-hosted from ``jupyter-server-mathjax``) ships only the STIX-Web
  fonts; its default asks for the TeX fonts, which are not there (404 on
  ``fonts/TeX/fontdata.js``, a "File failed to load" banner, wrongly set equations).
  The ``HTML-CSS`` output is told to use the shipped fonts, and the font faces MathJax
  declares without shipping them (``about:blank``, the TeX ``.otf`` files of the
  NativeMML output) are pointed at local fonts, so no page requests a missing file.
* Figures from notebook outputs get a text alternative instead of their file path:
  the figure's own description (its titles, recorded by :func:`miakit.viz.set_style`
  as the output's ``text/plain``, read from the output's mime bundle), else the
  section it belongs to.
* ``sphinx-exercise`` gives every exercise and solution body the same id
  (``exercise-content``, ``solution-content``); ids must be unique in a page, so each
  gets a numbered id (and the old id as a class).
* Bare ``http(s)://`` URLs in the text become links.
* Inline scripts that Sphinx 7.4 writes twice are kept once (sphinx-thebe's
  ``const THEBE_JS_URL`` twice is a JavaScript SyntaxError on every page; see
  :func:`_dedupe_scripts`), and the theme's colour mode defaults to ``auto`` (an empty
  mode is logged as an error).
"""

from __future__ import annotations

import re
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
# Font faces of MathJax 2.7 whose files are not shipped. HTML-CSS declares a
# "MathJax_Blank" face at url('about:blank'), which Chromium refuses (a CORS error in
# the console of every page with math); the NativeMML output, whose styles also reach
# the hidden MathML that MathJax adds for screen readers, declares six TeX faces under
# fonts/HTML-CSS/TeX/otf (404 as soon as, e.g., \mathcal occurs). Each is pointed at a
# locally installed font of the same name instead: no request, the same fallback.
MATHJAX_MISSING_FACES = {
    "HTML-CSS": {"@font-face": "MathJax_Blank"},
    "NativeMML": {
        "@font-face /*1*/": "MathJax_Caligraphic",
        "@font-face /*2*/": "MathJax_Caligraphic Bold",
        "@font-face /*3*/": "MathJax_AMS",
        "@font-face /*4*/": "MathJax_Script",
        "@font-face /*5*/": "MathJax_Fraktur",
        "@font-face /*6*/": "MathJax_Fraktur Bold",
    },
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
    for jax, faces in MATHJAX_MISSING_FACES.items():
        settings = dict(mathjax.get(jax, {}))
        styles = dict(settings.get("styles", {}))
        for key, font in faces.items():
            styles.setdefault(key, {"src": f"local('{font}')"})
        settings["styles"] = styles
        mathjax[jax] = settings
    config.mathjax2_config = mathjax


def _figure_description(image: nodes.image) -> str:
    """The ``text/plain`` form of the notebook output an image belongs to, or "".

    While a document is read, myst-nb keeps every mime type of a display output
    (``container(nb_element="mime_bundle")`` holding one ``container(mime_type=...)``
    per type; the builder's choice is made later, in a post-transform), so the figure's
    text form sits next to its PNG.
    """
    node = image.parent
    while node is not None and not (
        isinstance(node, nodes.container) and str(node.get("mime_type", "")).startswith("image/")
    ):
        node = node.parent
    bundle = node.parent if node is not None else None
    if bundle is None or bundle.get("nb_element") != "mime_bundle":
        return ""
    for sibling in bundle.children:
        if isinstance(sibling, nodes.container) and sibling.get("mime_type") == "text/plain":
            return " ".join(sibling.astext().split())
    return ""


def _section_title(node: nodes.Node) -> str | None:
    while node is not None:
        if isinstance(node, nodes.section) and node.children:
            title = node.children[0]
            if isinstance(title, nodes.title):
                return title.astext()
        node = node.parent
    return None


def _alt_texts(app: Sphinx, doctree: nodes.document) -> None:
    numbers: dict[str, int] = {}
    for image in doctree.findall(nodes.image):
        uri = str(image.get("uri", ""))
        if image.get("alt") and image["alt"] != uri:
            continue
        text = _figure_description(image)
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
    """Keep one copy of each script (Sphinx 7.4 writes some inline scripts twice).

    An inline script registered after the builder started (sphinx-thebe's
    ``const THEBE_JS_URL ...`` at ``env-before-read-docs``, sphinx-togglebutton's
    selector at ``builder-inited``) reaches the builder twice: once from
    ``app.add_js_file(None, body=...)`` with filename ``None``, and again when
    ``prepare_writing`` re-adds the registry's scripts with filename ``''``. Sphinx's
    duplicate check compares filenames, ``None != ''``, so both are written and the
    second ``const`` declaration is a SyntaxError on every page. Fixed upstream in
    sphinx-doc/sphinx#13402 (Sphinx 8.2); here scripts are compared as that fix does,
    with no filename and an empty one the same.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {})
        key = (
            getattr(script, "filename", str(script)) or "",
            getattr(script, "priority", 500),
            tuple(sorted((k, str(v)) for k, v in attributes.items())),
        )
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


def _number_exercises_per_page(app: Sphinx, builder) -> None:
    """Number exercises 1, 2, ... on each page instead of through the whole book.

    Sphinx numbers enumerable nodes (sphinx-exercise's exercises) book-wide when the
    table of contents is not numbered, so chapter 06 showed "Exercise 26". Sphinx assigns
    the numbers after reading ("env-get-updated"); just before writing, renumber them per
    page in their original order.
    """
    for numbers in builder.env.toc_fignumbers.values():
        exercises = numbers.get("exercise")
        if not exercises:
            continue
        ordered = sorted(exercises, key=lambda key: exercises[key])
        for position, key in enumerate(ordered, start=1):
            exercises[key] = (position,)


def _favicon_ico(app: Sphinx, exception: Exception | None) -> None:
    """Write ``favicon.ico`` at the site root, drawn like ``favicon.svg``.

    Browsers ask for ``/favicon.ico`` on their own before they read the page's icon link;
    without the file that request is a 404 in the console (the browser test fails on it).
    """
    if exception is not None or app.builder.format != "html":
        return
    from PIL import Image, ImageDraw

    icon = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    draw.rounded_rectangle((0, 0, 31, 31), radius=6, fill="#1d3557")
    draw.ellipse((5, 4, 27, 29), outline="#f1f1f1", width=3)
    draw.ellipse((8, 8, 24, 25), fill="#8d99ae")
    draw.line((16, 9, 16, 24), fill="#1d3557", width=1)
    draw.ellipse((17, 11, 22, 16), fill="#e69f00")
    icon.save(Path(app.outdir) / "favicon.ico", sizes=[(16, 16), (32, 32)])


def setup(app: Sphinx) -> dict:
    app.setup_extension("course_plan")  # the instructor guide's generated course plan
    app.connect("config-inited", _config_inited)
    app.connect("doctree-read", _alt_texts)
    app.connect("doctree-read", _link_urls)
    app.connect("doctree-resolved", _unique_exercise_ids)
    app.connect("write-started", _number_exercises_per_page)
    app.connect("build-finished", _favicon_ico)
    app.connect("html-page-context", _dedupe_scripts)
    app.add_css_file("miakit.css")
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
