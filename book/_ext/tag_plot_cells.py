"""Tag code cells that only draw figures with ``hide-input``.

On the website such a cell shows its figure, and its code stays one click away
(collapsed), so prose, figures and checks lead the page. A cell counts as plotting-only
when it draws (matplotlib calls on ``plt``, figures and axes, ``miakit.viz`` ``show_*``
helpers) and every other statement only computes values for that figure (names no later
cell uses); it never asserts, glues, prints, imports or defines a function.

Usage::

    python book/_ext/tag_plot_cells.py            # list untagged plotting-only cells (exit 1 if any)
    python book/_ext/tag_plot_cells.py --write    # add the tag to them (edits the notebooks)
    python book/_ext/tag_plot_cells.py --write notebooks/03_filtering/03_filtering.ipynb

Only the tag is added; outputs, ids and other metadata are left as they are.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TAG = "hide-input"
PLOT_ROOTS = {"plt", "fig", "figure", "ax", "axes", "axs", "ax1", "ax2", "ax3", "ax4", "cax", "viz"}
PLOT_METHODS = {
    "imshow", "plot", "scatter", "bar", "barh", "hist", "errorbar", "fill_between", "axhline",
    "axvline", "axhspan", "axvspan", "contour", "contourf", "loglog", "semilogx", "semilogy",
    "boxplot", "violinplot", "step", "stem", "pcolormesh", "quiver", "annotate", "text",
    "arrow", "add_patch", "set_title", "set_xlabel", "set_ylabel", "set_xlim", "set_ylim",
    "set_xticks", "set_yticks", "set_xticklabels", "set_yticklabels", "set_aspect", "set",
    "legend", "colorbar", "suptitle", "axis", "grid", "tick_params", "invert_yaxis",
    "set_axis_off", "twinx", "twiny", "label_outer", "show_image", "show_overlay",
    "show_montage", "subplots", "figure", "subplot_mosaic", "set_facecolor", "margins",
    "set_yscale", "set_xscale", "table", "clabel", "spy", "matshow", "secondary_xaxis",
}  # fmt: skip
NOT_PLOTTING = {"glue", "print", "display", "savefig"}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.value if not isinstance(node, ast.Call) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _is_plot_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name in NOT_PLOTTING:
        return False
    root = _root_name(func)
    if name in PLOT_METHODS:
        return True
    return root in PLOT_ROOTS and isinstance(func, ast.Attribute)


def _assigned(statement: ast.stmt) -> set[str]:
    return {
        n.id
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _only_plots(statement: ast.stmt, used_later: frozenset[str]) -> bool:
    """A statement that draws, or computes a value used only for this cell's figure."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Assert | ast.Import | ast.ImportFrom | ast.Global):
            return False
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in NOT_PLOTTING:
                return False
    if isinstance(statement, ast.Expr):
        return _is_plot_call(statement.value)
    if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign):
        if statement.value is None:
            return False
        return _is_plot_call(statement.value) or not (_assigned(statement) & used_later)
    if isinstance(statement, ast.For):
        return not statement.orelse and all(_only_plots(s, used_later) for s in statement.body)
    if isinstance(statement, ast.If):
        return all(_only_plots(s, used_later) for s in statement.body + statement.orelse)
    return isinstance(statement, ast.Pass)


def _uses_and_stores(source: str) -> tuple[set[str], set[str]]:
    """Names a cell reads before it assigns them, and names it assigns."""
    try:
        tree = ast.parse(_without_magics(source))
    except SyntaxError:
        return set(), set()
    uses: set[str] = set()
    stores: set[str] = set()
    for statement in tree.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                if node.id not in stores:
                    uses.add(node.id)
        stores |= _assigned(statement)
    return uses, stores


def _used_later(flows: list[tuple[set[str], set[str]]]) -> frozenset[str]:
    """Names read by the given later cells before one of them reassigns them."""
    used: set[str] = set()
    shadowed: set[str] = set()
    for uses, stores in flows:
        used |= uses - shadowed
        shadowed |= stores
    return frozenset(used)


def _without_magics(source: str) -> str:
    lines = source.splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def plotting_only(source: str, used_later: frozenset[str] = frozenset()) -> bool:
    """Whether a code cell's source only draws.

    Statements must draw, or assign names that no later cell uses (display limits,
    colours, a slice to show); a cell that asserts, glues, prints, imports or defines
    a function is never plotting-only, and it must draw something.

    Examples
    --------
    >>> plotting_only("fig, ax = plt.subplots()\\nax.imshow(image, vmin=0, vmax=1)")
    True
    >>> plotting_only("fig, ax = plt.subplots()\\nax.plot(x, y)\\nassert y.max() < 1")
    False
    >>> cell = "psnr = metrics.psnr(a, b)\\nfig, ax = plt.subplots()\\nax.plot(psnr)"
    >>> plotting_only(cell), plotting_only(cell, used_later=frozenset({"psnr"}))
    (True, False)
    """
    try:
        tree = ast.parse(_without_magics(source))
    except SyntaxError:
        return False
    draws = any(_is_plot_call(n) for n in ast.walk(tree))
    return draws and all(_only_plots(s, used_later) for s in tree.body)


def untagged_plot_cells(path: Path) -> list[int]:
    """Indices of the notebook's plotting-only code cells that lack the tag."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    sources = ["".join(c["source"]) if c["cell_type"] == "code" else "" for c in notebook["cells"]]
    flows = [_uses_and_stores(s) for s in sources]
    found = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        used_later = _used_later(flows[index + 1 :])
        tags = cell.get("metadata", {}).get("tags", [])
        if TAG not in tags and plotting_only(sources[index], used_later):
            found.append(index)
    return found


def tag(path: Path) -> int:
    """Add the tag to the notebook's untagged plotting-only cells; return how many."""
    text = path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    indices = untagged_plot_cells(path)
    for index in indices:
        metadata = notebook["cells"][index].setdefault("metadata", {})
        metadata["tags"] = [*metadata.get("tags", []), TAG]
    if indices:
        indent = 1 if text.startswith('{\n "') else 2
        path.write_text(
            json.dumps(notebook, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return len(indices)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--write", action="store_true", help="add the tags (edits files)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*/*.ipynb"))
    missing = 0
    for path in paths:
        if args.write:
            count = tag(path)
            if count:
                print(f"{path}: tagged {count} plotting-only cell(s) {TAG}")
        else:
            indices = untagged_plot_cells(path)
            missing += len(indices)
            for index in indices:
                print(f"{path}: cell {index} only plots and is not tagged {TAG}")
    if not args.write:
        print(f"tag_plot_cells: {missing} untagged plotting-only cell(s)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
