"""The website fixes of book/_ext/site_assets.py that can be checked without a browser.

The browser test (``make site-test``) reads the built site; these tests pin the two
mechanisms whose failure it would only report as symptoms: Sphinx 7.4 writing an inline
script twice (a JavaScript SyntaxError on every page), and figure alt text taken from
the notebook output's text form.
"""

from __future__ import annotations

import importlib.util

from conftest import ROOT
from docutils import nodes
from sphinx.builders.html._assets import _JavaScript

_spec = importlib.util.spec_from_file_location(
    "site_assets", ROOT / "book" / "_ext" / "site_assets.py"
)
site_assets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(site_assets)

THEBE = 'const THEBE_JS_URL = "x"'


def test_inline_script_registered_twice_is_written_once():
    # what Sphinx 7.4 holds for sphinx-thebe's inline script: once with filename None
    # (app.add_js_file), once with '' (re-added from the registry in prepare_writing)
    scripts = [
        _JavaScript("_static/doctools.js", priority=200),
        _JavaScript(None, body=THEBE),
        _JavaScript("_static/sphinx-thebe.js", **{"async": "async"}),
        _JavaScript("", body=THEBE),
        _JavaScript("", body="var other = 1;"),
    ]
    context = {"script_files": scripts}
    site_assets._dedupe_scripts(None, "page", "page.html", context, None)
    bodies = [s.attributes.get("body") for s in context["script_files"]]
    assert bodies.count(THEBE) == 1, f"expected THEBE_JS_URL once, measured {bodies}"
    assert len(context["script_files"]) == 4, [s.filename for s in context["script_files"]]


def _output(*mime_types: tuple[str, nodes.Node]) -> tuple[nodes.section, nodes.image]:
    section = nodes.section(ids=["s"])
    section += nodes.title(text="Noise in CT")
    bundle = nodes.container(nb_element="mime_bundle")
    image = None
    for mime_type, child in mime_types:
        container = nodes.container(mime_type=mime_type)
        container += child
        bundle += container
        if isinstance(child, nodes.image):
            image = child
    section += bundle
    return section, image


def test_figure_alt_text_is_the_outputs_text_form():
    section, image = _output(
        ("image/png", nodes.image(uri="_build/jupyter_execute/abc.png")),
        ("text/plain", nodes.literal_block(text="Figure: Noise. Panels: raw; filtered")),
    )
    document = nodes.document(None, None)
    document += section
    site_assets._alt_texts(None, document)
    assert image["alt"] == "Figure: Noise. Panels: raw; filtered", image["alt"]


def test_figure_alt_text_falls_back_to_the_section_for_a_default_repr():
    section, image = _output(
        ("image/png", nodes.image(uri="_build/jupyter_execute/abc.png")),
        ("text/plain", nodes.literal_block(text="<Figure size 800x300 with 2 Axes>")),
    )
    document = nodes.document(None, None)
    document += section
    site_assets._alt_texts(None, document)
    assert image["alt"] == "Figure 1 of the section “Noise in CT”", image["alt"]
