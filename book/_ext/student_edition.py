"""Write the student edition of the notebooks: solutions removed, self-checks added.

Usage (``make student``)::

    python book/_ext/student_edition.py [--out _build/student] [--cache _build/.jupyter_cache]

For every notebook in ``notebooks/*/``:

* the cells from a ``{solution-start}`` markdown cell up to and including the cell that
  holds ``{solution-end}`` are removed (the solution's code and its prose);
* each ``{exercise}`` prompt is kept and followed by an empty code cell to work in;
* where the full notebook glues the exercise's answer under its label
  (``glue("ex-06-bias-sigma", float(value), display=False)``) or under the label with
  hyphens turned into underscores (``glue("ex_06_bias_sigma", ...)``, for a ``glue``
  that accepts only Python identifiers), a self-check cell follows:
  ``check("ex-06-bias-sigma", ...)`` (see :mod:`miakit.selfcheck`);
* everything else is copied unchanged.

The reference answers come from the executed notebooks: from the jupyter cache of the
book build when it holds the notebook's current code, otherwise by executing the
notebook. They are written to ``answer_key.json`` next to the student notebooks, with
each exercise's tolerance and hint from ``book/exercises.yml`` (defaults, with a
warning, for exercises not registered there yet).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import re
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
KEY_FILENAME = "answer_key.json"
GLUE_MIME = "application/papermill.record/text/plain"
EXERCISE_LABEL = re.compile(r"[`:]{3,}\{exercise\}[^\n]*\n(?:[^\n]*\n)*?:label:\s*(\S+)")
# a whole {solution-start} or {solution-end} directive block, fences included
SOLUTION_BLOCK = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{solution-(?P<kind>start|end)\}.*?^(?P=fence)[ \t]*$\n?",
    re.M | re.S,
)
LABEL_PATTERN = re.compile(r"^ex-[0-9]{2}-[a-z0-9-]+$")
DEFAULTS = {"number": {"rtol": 0.05, "atol": 0.0}, "array": {"rtol": 0.05, "atol": 0.0}}
DEFAULT_HINT = "Re-read the section the exercise builds on and check your units."


def find_notebooks(root: Path = ROOT) -> list[Path]:
    """The course notebooks, found by glob (``notebooks/*/*.ipynb``)."""
    return sorted(
        p for p in (root / "notebooks").glob("*/*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )


def exercise_labels(nb: nbformat.NotebookNode) -> list[str]:
    """Labels of the ``{exercise}`` directives in the notebook's markdown cells."""
    labels = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            labels += EXERCISE_LABEL.findall(cell.source)
    return labels


def glue_names(label: str) -> tuple[str, str]:
    """The names an exercise's answer may be glued under: the label and its identifier form.

    Examples
    --------
    >>> glue_names("ex-06-bias-sigma")
    ('ex-06-bias-sigma', 'ex_06_bias_sigma')
    """
    return label, label.replace("-", "_")


def glues_an_answer(nb: nbformat.NotebookNode) -> bool:
    """Whether a code cell of ``nb`` names one of its exercises in quotes (either form)."""
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    return any(
        re.search(rf"[\"']{re.escape(name)}[\"']", code)
        for label in exercise_labels(nb)
        for name in glue_names(label)
    )


def strip_solutions(nb: nbformat.NotebookNode, checks: dict[str, str] | None = None):
    """Return a copy of ``nb`` without solutions and with a work cell after each exercise.

    Parameters
    ----------
    nb : NotebookNode
        The full notebook.
    checks : dict, optional
        Exercise label -> answer kind for the exercises that get a self-check cell.

    Returns
    -------
    NotebookNode
        The student notebook.

    Raises
    ------
    ValueError
        If a ``{solution-start}`` has no matching ``{solution-end}``.
    """
    checks = checks or {}
    out = copy.deepcopy(nb)
    cells = []
    inside = False
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            if not inside:
                cells.append(copy.deepcopy(cell))
            continue
        kept, inside = _strip_text(cell.source, inside)
        if not kept.strip():
            continue
        cell = copy.deepcopy(cell)
        cell.source = kept.strip("\n")
        cells.append(cell)
        for label in EXERCISE_LABEL.findall(kept):
            cells.append(nbformat.v4.new_code_cell(""))
            if label in checks:
                cells.append(nbformat.v4.new_code_cell(_check_source(label, checks[label])))
    if inside:
        raise ValueError("nb: a {solution-start} cell has no matching {solution-end} cell")
    out.nbformat, out.nbformat_minor = 4, max(5, int(out.get("nbformat_minor", 0)))
    for number, cell in enumerate(cells):
        cell.setdefault("id", f"student-{number}")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    out.cells = cells
    out.metadata["miakit"] = {"edition": "student"}
    nbformat.validate(out)
    return out


def _strip_text(text: str, inside: bool) -> tuple[str, bool]:
    """Text of a markdown cell outside solutions; whether a solution is still open."""
    kept, position = [], 0
    for block in SOLUTION_BLOCK.finditer(text):
        if block["kind"] == "start":
            if not inside:
                kept.append(text[position : block.start()])
            inside = True
        else:
            inside = False
        position = block.end()
    if not inside:
        kept.append(text[position:])
    return "".join(kept), inside


def _check_source(label: str, kind: str) -> str:
    what = {"number": "a number", "array": "an array", "choice": "a string"}[kind]
    return (
        f"# Self-check: replace ... with your answer ({what}) and run this cell.\n"
        "from miakit.selfcheck import check\n\n"
        f'check("{label}", ...)'
    )


def parse_glued(text: str) -> object:
    """The Python value of a glued ``text/plain`` output (number, string or array).

    Examples
    --------
    >>> parse_glued("0.25"), parse_glued("'otsu'"), parse_glued("np.float64(1.5)")
    (0.25, 'otsu', 1.5)
    >>> parse_glued("array([1., 2.])")
    [1.0, 2.0]
    """
    text = text.strip()
    text = re.sub(r"np\.(?:float|int|uint|bool_|str_)\w*\((.*)\)$", r"\1", text, flags=re.S)
    if text.startswith("array("):
        inner = re.sub(r",\s*dtype=[\w.]+\)$", ")", text)[len("array(") : -1]
        return np.asarray(ast.literal_eval(inner), dtype=float).tolist()
    return ast.literal_eval(text)


def _kind(value: object) -> str:
    if isinstance(value, str | bool):
        return "choice"
    if isinstance(value, list):
        return "array"
    if isinstance(value, int | float):
        return "number"
    raise TypeError(f"value: glued answer {value!r} is not a number, string or array")


def glued_answers(
    executed: nbformat.NotebookNode, labels: list[str] | None = None
) -> dict[str, object]:
    """Exercise label -> glued value, read from an executed notebook's outputs.

    A value glued under the label or under its identifier form (see :func:`glue_names`)
    counts; when a notebook glues both, the label's own wins. ``labels`` are the
    notebook's exercise labels; by default they are read from ``executed``, which must
    then hold its markdown cells (a jupyter-cache bundle holds only the code cells).
    """
    if labels is None:
        labels = exercise_labels(executed)
    labels = {name: label for label in labels for name in glue_names(label)}
    found, under_label = {}, set()
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name not in labels:
                continue
            label = labels[name]
            data = output.get("data", {})
            text = data.get(GLUE_MIME, data.get("text/plain"))
            if text is None or (label in under_label and name != label):
                continue
            found[label] = parse_glued(text)
            if name == label:
                under_label.add(label)
    return found


def _from_cache(nb: nbformat.NotebookNode, cache_path: Path | None):
    if cache_path is None or not cache_path.exists():
        return None
    from jupyter_cache import get_cache

    cache = get_cache(str(cache_path))
    try:
        record = cache.match_cache_notebook(nb)
    except KeyError:
        return None
    return cache.get_cache_bundle(record.pk).nb


def execute(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 120):
    """Execute ``nb`` in ``cwd`` with the current Python's kernel; return the notebook."""
    from nbclient import NotebookClient

    executed = copy.deepcopy(nb)
    NotebookClient(
        executed, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": cwd}}
    ).execute()
    return executed


def load_registry(root: Path = ROOT) -> dict[str, dict]:
    """``book/exercises.yml``: exercise label -> tolerance and hint."""
    path = root / "book" / "exercises.yml"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def key_entry(label: str, value: object, registry: dict, notebook: str) -> dict:
    """One answer-key entry: kind, value, tolerance and hint (registry over defaults)."""
    kind = _kind(value)
    settings = dict(DEFAULTS.get(kind, {}))
    settings.update({k: v for k, v in registry.get(label, {}).items() if k != "hint"})
    hint = registry.get(label, {}).get("hint", DEFAULT_HINT)
    return {"kind": kind, "value": value, **settings, "hint": hint, "notebook": notebook}


def build(
    out: Path,
    *,
    root: Path = ROOT,
    cache_path: Path | None = None,
    notebooks: list[Path] | None = None,
    log=print,
) -> dict:
    """Write the student notebooks and ``answer_key.json`` into ``out``; return the key."""
    registry = load_registry(root)
    key: dict[str, dict] = {}
    for path in notebooks if notebooks is not None else find_notebooks(root):
        rel = path.relative_to(root / "notebooks").as_posix()
        nb = nbformat.read(path, as_version=4)
        answers: dict[str, object] = {}
        if glues_an_answer(nb):
            executed = _from_cache(nb, cache_path)
            if executed is None:
                log(f"student: executing {rel} (not in the jupyter cache) ...")
                start = time.perf_counter()
                executed = execute(nb, path.parent)
                log(f"student:   done in {time.perf_counter() - start:.0f} s")
            answers = glued_answers(executed, exercise_labels(nb))
        for label, value in answers.items():
            key[label] = key_entry(label, value, registry, rel)
            if label not in registry:
                log(f"student: {label} has no entry in book/exercises.yml: default tolerance")
        student = strip_solutions(nb, {label: key[label]["kind"] for label in answers})
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(student, target)
    for label in sorted(set(registry) - set(key)):
        log(f"student: book/exercises.yml lists {label}, which no notebook glues")
    payload = {
        "about": "Reference answers of the self-checks; written by `make student`.",
        "exercises": key,
    }
    (out / KEY_FILENAME).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    log(f"student: {len(key)} self-check(s); student edition written to {out}")
    return key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "student")
    parser.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    args = parser.parse_args(argv)
    build(args.out, cache_path=args.cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
