"""The student edition (``make student``): solutions removed, self-checks that work.

The mechanism is tested end to end on a small notebook written here, and on the book's
own notebooks: every notebook loses its solutions and keeps its exercises, one student
notebook is executed end to end, and each exercise that glues its answer under its label
gets a self-check that accepts the reference answer and rejects a wrong one.
"""

from __future__ import annotations

import importlib.util
import os

import nbformat
import pytest
import yaml
from conftest import NOTEBOOKS, ROOT

from miakit.selfcheck import check

_spec = importlib.util.spec_from_file_location(
    "student_edition", ROOT / "book" / "_ext" / "student_edition.py"
)
student_edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_edition)

CACHE = ROOT / "_build" / ".jupyter_cache"


def _md(text):
    return nbformat.v4.new_markdown_cell(text)


def _code(text):
    return nbformat.v4.new_code_cell(text)


def _demo_notebook():
    return nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        cells=[
            _md("# Demo"),
            _code("from miakit.report import glue\n\nwidth = 2.5"),
            _md("```{exercise}\n:label: ex-99-double\nDouble the width.\n```"),
            _md("```{solution-start} ex-99-double\n:class: dropdown\n```"),
            _code('doubled = 2 * width\nglue("ex-99-double", doubled, display=False)'),
            _md("The width doubles to 5.\n\n```{solution-end}\n```"),
            _md("```{exercise}\n:label: ex-99-filter\nWhich filter removes salt noise?\n```"),
            _md("```{solution-start} ex-99-filter\n:class: dropdown\n```"),
            _code('glue("ex-99-filter", "median", display=False)'),
            _md("SOLUTION TEXT: the median."),
            _md("```{solution-end}\n```"),
            _md("```{exercise}\n:label: ex-99-half-width\nHalve the width.\n```"),
            _md("```{solution-start} ex-99-half-width\n:class: dropdown\n```"),
            # the identifier form of the label, for a glue that accepts only identifiers
            _code('glue("ex_99_half_width", width / 2, display=False)'),
            _md("```{solution-end}\n```"),
            _md("```{exercise}\n:label: ex-99-essay\nDiscuss.\n```"),
            _md("```{solution-start} ex-99-essay\n:class: dropdown\n```"),
            _md("SOLUTION TEXT: an essay.\n\n```{solution-end}\n```"),
            _md("## Summary"),
            _code('assert width == 2.5, f"expected 2.5, measured {width}"'),
        ],
    )


@pytest.fixture(scope="module")
def demo_edition(tmp_path_factory):
    root = tmp_path_factory.mktemp("book")
    (root / "notebooks" / "99_demo").mkdir(parents=True)
    (root / "book").mkdir()
    (root / "book" / "exercises.yml").write_text(
        yaml.safe_dump({"ex-99-double": {"rtol": 0.1, "hint": "Twice as wide."}})
    )
    nbformat.write(_demo_notebook(), root / "notebooks" / "99_demo" / "01_demo.ipynb")
    out = root / "student"
    key = student_edition.build(out, root=root, log=lambda _: None)
    return out, key


def test_demo_answer_key_has_reference_tolerance_and_hint(demo_edition):
    out, key = demo_edition
    assert set(key) == {"ex-99-double", "ex-99-filter", "ex-99-half-width"}
    assert key["ex-99-half-width"]["value"] == 1.25
    assert key["ex-99-double"]["value"] == 5.0 and key["ex-99-double"]["rtol"] == 0.1
    assert key["ex-99-double"]["hint"] == "Twice as wide."
    assert key["ex-99-filter"]["kind"] == "choice"
    assert (out / "answer_key.json").is_file()


def test_demo_student_notebook_has_no_solutions_and_a_cell_per_exercise(demo_edition):
    out, _ = demo_edition
    nb = nbformat.read(out / "99_demo" / "01_demo.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "SOLUTION" not in text and "solution-" not in text and "doubled" not in text
    labels = [
        i for i, c in enumerate(nb.cells) if "{exercise}" in c.source and c.cell_type == "markdown"
    ]
    assert len(labels) == 4
    for i in labels:
        assert nb.cells[i + 1].cell_type == "code" and nb.cells[i + 1].source == ""
    assert 'check("ex-99-double", ...)' in text and 'check("ex-99-filter", ...)' in text
    assert 'check("ex-99-half-width", ...)' in text
    assert "ex-99-essay" in text and 'check("ex-99-essay"' not in text
    assert "## Summary" in text and "assert width == 2.5" in text


def test_demo_student_notebook_runs_and_self_checks_judge(demo_edition):
    out, key = demo_edition
    path = out / "99_demo" / "01_demo.ipynb"
    executed = student_edition.execute(nbformat.read(path, as_version=4), path.parent)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert any("not answered yet" in str(o) for o in outputs), outputs
    key_file = out / "answer_key.json"
    assert check("ex-99-double", 5.4, key=key_file)
    wrong = check("ex-99-double", 2.5, key=key_file)
    assert not wrong and "Twice as wide." in wrong.message and "5" not in wrong.message
    assert check("ex-99-filter", "Median", key=key_file)
    assert not check("ex-99-filter", "gaussian", key=key_file)
    assert check("ex-99-half-width", 1.25, key=key_file)
    assert check("ex_99_half_width", 1.25, key=key_file)
    assert not check("ex-99-half-width", 2.5, key=key_file)


@pytest.mark.parametrize("name", ["ex-99-demo-value", "ex_99_demo_value"])
def test_glued_answer_found_under_label_or_identifier_form(name):
    nb = nbformat.v4.new_notebook(
        cells=[
            _md("```{exercise}\n:label: ex-99-demo-value\nCompute it.\n```"),
            _code(f'glue("{name}", 0.5, display=False)'),
        ]
    )
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/text/plain": "0.5"},
            metadata={"scrapbook": {"name": name}},
        )
    ]
    assert student_edition.glues_an_answer(nb)
    assert student_edition.glued_answers(nb) == {"ex-99-demo-value": 0.5}


def test_glued_answer_under_the_label_wins_over_the_identifier_form():
    nb = nbformat.v4.new_notebook(
        cells=[_md("```{exercise}\n:label: ex-99-both\nCompute it.\n```"), _code("")]
    )
    nb.cells[1].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"application/papermill.record/text/plain": value},
            metadata={"scrapbook": {"name": name}},
        )
        for name, value in (("ex-99-both", "1.0"), ("ex_99_both", "2.0"))
    ]
    assert student_edition.glued_answers(nb) == {"ex-99-both": 1.0}


def test_answer_key_from_the_jupyter_cache(tmp_path):
    # the cache stores only code cells: the labels must come from the source notebook
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    root = tmp_path / "book"
    (root / "notebooks" / "99_demo").mkdir(parents=True)
    path = root / "notebooks" / "99_demo" / "01_demo.ipynb"
    nb = _demo_notebook()
    nbformat.write(nb, path)
    cache = get_cache(str(tmp_path / "cache"))
    executed = student_edition.execute(nb, path.parent)
    # as the book build caches it: without the fields nbclient adds (timings, language)
    executed.metadata = nb.metadata
    for cell, source_cell in zip(executed.cells, nb.cells, strict=True):
        cell.metadata = source_cell.metadata
    cache.cache_notebook_bundle(CacheBundleIn(executed, str(path)), check_validity=False)
    messages = []
    key = student_edition.build(
        tmp_path / "student", root=root, cache_path=tmp_path / "cache", log=messages.append
    )
    assert not any("executing" in m for m in messages), messages
    assert set(key) == {"ex-99-double", "ex-99-filter", "ex-99-half-width"}, key


def test_unclosed_solution_is_an_error():
    nb = nbformat.v4.new_notebook(cells=[_md("```{solution-start} ex-99-x\n```"), _code("1")])
    with pytest.raises(ValueError, match="no matching"):
        student_edition.strip_solutions(nb)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_book_notebook_student_edition_keeps_exercises_drops_solutions(path):
    nb = nbformat.read(path, as_version=4)
    labels = student_edition.exercise_labels(nb)
    student = student_edition.strip_solutions(nb)
    text = "\n".join(c.source for c in student.cells)
    assert "{solution-start}" not in text and "{solution-end}" not in text
    assert student_edition.exercise_labels(student) == labels
    solutions = sum(c.source.count("{solution-start}") for c in nb.cells)
    code_removed = sum(c.cell_type == "code" for c in nb.cells) - sum(
        c.cell_type == "code" and c.source != "" for c in student.cells
    )
    assert code_removed >= 0 and (solutions == 0 or len(student.cells) < len(nb.cells))


def test_exercise_registry_names_existing_exercises():
    registry = student_edition.load_registry(ROOT)
    labels = {
        label
        for path in NOTEBOOKS
        for label in student_edition.exercise_labels(nbformat.read(path, as_version=4))
    }
    unknown = sorted(set(registry) - labels)
    assert not unknown, f"book/exercises.yml names exercises no notebook has: {unknown}"
    assert list(registry) == sorted(registry), "keep book/exercises.yml sorted by label"
    for label, entry in registry.items():
        extra = set(entry) - {"rtol", "atol", "hint", "accept"}
        assert not extra, f"{label}: unknown settings {sorted(extra)}"


def _glues_an_answer(path):
    return student_edition.glues_an_answer(nbformat.read(path, as_version=4))


SELF_CHECKED = [p for p in NOTEBOOKS if _glues_an_answer(p)]
# the notebook executed end to end in its student edition: the first with self-checks
# (or, while no chapter glues exercise answers yet, the first notebook);
# MIAKIT_STUDENT_ALL=1 executes every student notebook
END_TO_END = (
    NOTEBOOKS if os.environ.get("MIAKIT_STUDENT_ALL") == "1" else (SELF_CHECKED or NOTEBOOKS)[:1]
)


@pytest.mark.parametrize("path", END_TO_END, ids=lambda p: p.stem)
def test_book_student_notebook_runs_end_to_end(path, tmp_path):
    student_edition.build(tmp_path, cache_path=CACHE, notebooks=[path], log=lambda _: None)
    target = tmp_path / path.relative_to(ROOT / "notebooks")
    student_edition.execute(nbformat.read(target, as_version=4), target.parent)


@pytest.mark.parametrize("path", SELF_CHECKED, ids=lambda p: p.stem)
def test_book_self_checks_accept_the_reference_and_reject_a_wrong_answer(path, tmp_path):
    key = student_edition.build(tmp_path, cache_path=CACHE, notebooks=[path], log=lambda _: None)
    assert key, f"{path.name} glues exercise answers, but none reached the answer key"
    for label, entry in key.items():
        value = entry["value"]
        assert check(label, value, key=key), f"{label}: the reference answer is rejected"
        if entry["kind"] == "choice":
            wrong = "certainly not " + str(value)
        elif entry["kind"] == "array":
            wrong = [v * 1.5 + 1 for v in value]
        else:
            wrong = value * 1.5 + 1
        assert not check(label, wrong, key=key), f"{label}: a wrong answer {wrong!r} passes"
