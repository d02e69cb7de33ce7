"""Check the built website for problems a -W build does not catch.

Run after ``jupyter-book build``: ``python book/_ext/check_site.py _build/html``.

* every notebook that draws a figure shows images on its page (a non-inline matplotlib
  backend silently drops them);
* no page shows a stray matplotlib repr (``<matplotlib.legend.Legend at 0x...>``,
  ``Text(0.5, 0.98, ...)``) or a NumPy scalar repr (``np.float64(...)``) in its outputs;
* every chapter of the registry ``book/chapters.yml`` that has questions appears on the
  question bank page, and every written chapter page shows its "Runs in N s" line;
* the build status page lists every notebook, and none as failed.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
STRAY = re.compile(
    r"&lt;matplotlib\.[\w.]+ (object )?at 0x|&lt;Axes: |\bText\(0(\.\d+)?, 0(\.\d+)?, |np\.float64\("
)


def main(site: Path) -> int:
    problems: list[str] = []
    for notebook in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        page = site / notebook.relative_to(ROOT).with_suffix(".html")
        if not page.exists():
            problems.append(f"{page} is missing")
            continue
        text = page.read_text(encoding="utf-8")
        draws = re.search(r"plt\.subplots|plt\.figure|viz\.show_", notebook.read_text())
        figures = re.findall(r'<img[^>]+src="[^"]*_images/', text)
        if draws and not figures:
            problems.append(
                f"{page.relative_to(site)}: the notebook draws figures, the page shows none"
            )
        for match in STRAY.finditer(text):
            snippet = html.unescape(text[match.start() : match.start() + 60]).splitlines()[0]
            problems.append(f"{page.relative_to(site)}: stray output {snippet!r}")
            break
    bank = (site / "book" / "question_bank.html").read_text(encoding="utf-8")
    if bank.count("coming") < 1 or "iq01" not in bank:
        problems.append("question_bank.html does not list the registry")
    chapters = yaml.safe_load((ROOT / "book" / "chapters.yml").read_text(encoding="utf-8"))
    for chapter in chapters:
        heading = f"{chapter['number']} · {html.escape(chapter['title'], quote=False)}"
        if chapter["questions"] and heading not in bank:
            problems.append(f"question_bank.html has no section {heading!r}")
        page = site / f"{chapter['page']}.html" if chapter["page"] else None
        if page is not None and chapter["folder"]:
            if not page.exists() or "Runs in" not in page.read_text(encoding="utf-8"):
                problems.append(f"{chapter['page']}.html does not show its notebooks' runtime")
    status = site / "book" / "status.html"
    text = status.read_text(encoding="utf-8") if status.exists() else ""
    for notebook in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        name = notebook.relative_to(ROOT / "notebooks").with_suffix("").as_posix()
        if name not in text:
            problems.append(f"book/status.html does not list {name}")
    if "❌" in text:
        problems.append("book/status.html reports a failed notebook")
    for line in problems:
        print("check_site:", line)
    print(f"check_site: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")))
