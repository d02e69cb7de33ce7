"""Check the built website for problems a -W build does not catch.

Run after ``jupyter-book build``: ``python book/_ext/check_site.py _build/html``.

* every notebook that draws a figure shows images on its page (a non-inline matplotlib
  backend silently drops them);
* no page shows a stray matplotlib repr (``<matplotlib.legend.Legend at 0x...>``,
  ``Text(0.5, 0.98, ...)``) or a NumPy scalar repr (``np.float64(...)``) in its outputs;
* every chapter of the registry that has notebooks appears on the question bank page.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

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
    for line in problems:
        print("check_site:", line)
    print(f"check_site: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html")))
