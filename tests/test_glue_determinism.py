"""Guard: no glued number may be computed from a clock.

Glued values appear in the book's prose and must be identical from build to build, so a
value passed to ``glue(...)`` must not depend on ``time.perf_counter``, ``time.time``,
``time.process_time``, ``timeit`` and the like. The check is a small flow-sensitive
data-flow over the names assigned in a notebook's code cells, in execution order (a
notebook is one namespace, so a timing from an earlier cell taints a later glue too).
Timings may be printed or plotted; they may not be glued. The taint is per name, not per
element: a table with a timing column taints every value glued from that table, so keep
timings out of tables whose values are glued.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))

CLOCK_MODULES = {"time", "timeit"}
CLOCK_FUNCTIONS = {
    "time.time",
    "time.time_ns",
    "time.perf_counter",
    "time.perf_counter_ns",
    "time.process_time",
    "time.process_time_ns",
    "time.monotonic",
    "time.monotonic_ns",
    "time.thread_time",
    "time.thread_time_ns",
    "timeit.timeit",
    "timeit.repeat",
    "timeit.default_timer",
    "datetime.now",
    "datetime.datetime.now",
}
MUTATORS = {"append", "extend", "insert", "update", "add", "setdefault", "__setitem__"}


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _base_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


class _Flow:
    """Taint of names by clock readings, carried through one notebook's cells."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # local name -> "time", "time.perf_counter", ...
        self.clock_functions: set[str] = set()  # user functions that read a clock
        self.tainted: set[str] = set()
        self.findings: list[str] = []

    # --- what counts as a clock reading --------------------------------------------
    def _resolve(self, node: ast.AST) -> str | None:
        name = _dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        head = self.aliases.get(head, head)
        return f"{head}.{rest}" if rest else head

    def _is_clock_call(self, call: ast.Call) -> bool:
        name = self._resolve(call.func)
        if name is None:
            return False
        if name in CLOCK_FUNCTIONS or name in self.clock_functions:
            return True
        return name.split(".")[0] == "timeit"  # anything from the timeit module

    def is_tainted(self, node: ast.AST | None) -> bool:
        if node is None:
            return False
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call) and self._is_clock_call(sub):
                return True
            if isinstance(sub, ast.Name) and sub.id in self.tainted:
                return True
        return False

    # --- statements ----------------------------------------------------------------
    def _assign(self, target: ast.AST, value: ast.AST | None, dirty: bool, strong: bool):
        if isinstance(target, ast.Tuple | ast.List):
            if (
                isinstance(value, ast.Tuple | ast.List)
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in target.elts)
            ):
                for t, v in zip(target.elts, value.elts, strict=True):
                    self._assign(t, v, self.is_tainted(v), strong)
            else:
                for t in target.elts:
                    self._assign(t, None, dirty, strong)
        elif isinstance(target, ast.Name):
            if dirty:
                self.tainted.add(target.id)
            elif strong:
                self.tainted.discard(target.id)
        else:  # x[i] = ..., x.attr = ...: the container now holds the value
            base = _base_name(target)
            if base is not None and dirty:
                self.tainted.add(base)

    def _check_glue(self, node: ast.AST, where: str) -> None:
        for call in ast.walk(node):
            if not isinstance(call, ast.Call):
                continue
            name = _dotted(call.func)
            if name is None or name.split(".")[-1] != "glue":
                continue
            values = list(call.args[1:]) + [k.value for k in call.keywords if k.arg != "name"]
            if any(self.is_tainted(v) for v in values):
                label = ast.unparse(call.args[0]) if call.args else "?"
                finding = f"{where}: glue({label}, ...) depends on a clock reading"
                if finding not in self.findings:  # loop bodies are visited twice
                    self.findings.append(finding)

    def run(self, statements: list[ast.stmt], where: str) -> None:
        for stmt in statements:
            self._check_glue_in(stmt, where)
            if isinstance(stmt, ast.Import | ast.ImportFrom):
                module = stmt.module if isinstance(stmt, ast.ImportFrom) else None
                for alias in stmt.names:
                    full = f"{module}.{alias.name}" if module else alias.name
                    self.aliases[alias.asname or alias.name.split(".")[0]] = (
                        full if module or alias.asname else alias.name.split(".")[0]
                    )
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                body = ast.Module(body=stmt.body, type_ignores=[])
                if self.is_tainted(body):
                    self.clock_functions.add(stmt.name)
            elif isinstance(stmt, ast.Assign):
                dirty = self.is_tainted(stmt.value)
                for target in stmt.targets:
                    self._assign(target, stmt.value, dirty, strong=True)
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                self._assign(stmt.target, stmt.value, self.is_tainted(stmt.value), strong=True)
            elif isinstance(stmt, ast.AugAssign):
                dirty = self.is_tainted(stmt.value) or self.is_tainted(stmt.target)
                self._assign(stmt.target, None, dirty, strong=False)
            elif isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
                before = set(self.tainted)
                if not isinstance(stmt, ast.While):
                    self._assign(stmt.target, None, self.is_tainted(stmt.iter), strong=True)
                for _ in range(2):  # a second pass carries taint around the loop
                    self.run(stmt.body, where)
                self.tainted |= before  # the body may run zero times
                self.run(stmt.orelse, where)
            elif isinstance(stmt, ast.If | ast.Try):
                before = set(self.tainted)
                branches = (
                    [stmt.body, stmt.orelse]
                    if isinstance(stmt, ast.If)
                    else [stmt.body + stmt.orelse, *(h.body for h in stmt.handlers)]
                )
                after: set[str] = set()
                for branch in branches:  # either branch may run: union of the outcomes
                    self.tainted = set(before)
                    self.run(branch, where)
                    after |= self.tainted
                self.tainted = after
                if isinstance(stmt, ast.Try):
                    self.run(stmt.finalbody, where)
            elif isinstance(stmt, ast.With | ast.AsyncWith):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        dirty = self.is_tainted(item.context_expr)
                        self._assign(item.optional_vars, None, dirty, strong=True)
                self.run(stmt.body, where)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                func = stmt.value.func  # runs.append(t), table.update(...): mutation
                if isinstance(func, ast.Attribute) and func.attr in MUTATORS:
                    base = _base_name(func.value)
                    arguments = list(stmt.value.args) + [k.value for k in stmt.value.keywords]
                    if base is not None and any(self.is_tainted(a) for a in arguments):
                        self.tainted.add(base)

    def _check_glue_in(self, stmt: ast.stmt, where: str) -> None:
        """Check glue calls in the statement itself, not in nested statement bodies."""
        compound = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With, ast.AsyncWith, ast.Try)
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return
        if isinstance(stmt, compound):
            return  # the body's statements are checked when run() reaches them
        self._check_glue(stmt, where)


def _code(source: str) -> str:
    """Cell source with IPython magics and shell escapes blanked out."""
    lines = source.splitlines()
    if lines and lines[0].startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)


def clock_glues(notebook: dict) -> list[str]:
    """Every glue(...) in ``notebook`` whose value depends on a clock reading."""
    flow = _Flow()
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            tree = ast.parse(_code(source))
        except SyntaxError:
            continue
        flow.run(tree.body, f"cell {index}")
    return flow.findings


def _notebook(*cells: str) -> dict:
    return {"cells": [{"cell_type": "code", "source": cell} for cell in cells]}


# --- self-tests of the guard on synthetic notebooks ----------------------------------


def test_guard_flags_a_glued_timing():
    positive = _notebook(
        "import time\nfrom miakit.report import glue",
        "start = time.perf_counter()\nwork()\nseconds = time.perf_counter() - start\n"
        "rate = 1000 / seconds\nglue('rate', rate, display=False)",
    )
    assert clock_glues(positive) == ["cell 1: glue('rate', ...) depends on a clock reading"]


def test_guard_follows_lists_loops_aliases_and_later_cells():
    positive = _notebook(
        "from time import process_time as clock\nimport numpy as np",
        "runs = []\nfor n in (1, 2):\n    t0 = clock()\n    runs.append(clock() - t0)\n"
        "best, total = min(runs), 3",
        "glue('best', best)\nglue('total', total)",
    )
    assert clock_glues(positive) == ["cell 2: glue('best', ...) depends on a clock reading"]


def test_guard_passes_deterministic_work_and_printed_timings():
    negative = _notebook(
        "import time\nimport tracemalloc\nfrom miakit.report import glue",
        "start = time.perf_counter()\niterations = solve()\n"
        "seconds = time.perf_counter() - start\nprint(f'{iterations} in {seconds:.1f} s')\n"
        "tracemalloc.start()\nsolve()\npeak = tracemalloc.get_traced_memory()[1]\n"
        "glue('iterations', iterations)\nglue('peak', peak / 1e6)",
        "seconds = 2.0  # reassigned from a constant: no longer a timing\nglue('s', seconds)",
    )
    assert clock_glues(negative) == []


# --- the book's notebooks --------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_glued_value_comes_from_a_clock(path):
    findings = clock_glues(json.loads(path.read_text(encoding="utf-8")))
    assert findings == [], (
        f"{path.relative_to(ROOT)}: glued values must be identical from build to build; "
        "glue a count of work (iterations, bytes, voxels) instead, or print the timing: "
        + "; ".join(findings)
    )
