"""miakit stays layered as it grows: imports go down the layers, torch stays in ``nn``.

Layers, from the bottom (a module may import its own layer and those below, never one
above):

0. ``base``: argument checks and reporting helpers, used everywhere;
1. ``data``: reading and simulating images (DICOM, datasets, physics, noise, quality);
2. ``cohort``: the virtual cohort, built from the data layer;
3. ``analysis``: the classical methods of Part II (filters to registration, metrics, viz);
4. ``nn``: deep learning. The only layer that may import torch (or MONAI): the future
   ``miakit.nn`` subpackage and the torch adapters named ``*_torch`` (today
   ``cohort_torch``, the PyTorch ``Dataset`` over cohort slices, which belongs to the
   deep-learning side: nothing below it may need torch).

A module missing from the table is placed in ``analysis`` (it may import everything but
``nn``); add it to the table when its place is lower. The walk reads the source with
``ast``, so it also sees imports inside functions and ``TYPE_CHECKING`` blocks.
"""

from __future__ import annotations

import ast
import fnmatch
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "miakit"
ORDER = ["base", "data", "cohort", "analysis", "nn"]
LAYERS = {
    "base": ["__init__", "_checks", "report", "_data_sources"],
    "data": [
        "datasets",
        "dicom",
        "_dicom_header",
        "_dicom_window",
        "physics",
        "_mri_kspace",
        "noise",
        "_sitk_convert",
        "sitk_io",
        "_dicom_checks",
        "_image_quality",
    ],
    "cohort": ["cohort", "_cohort_*", "chest", "_chest_*"],
    "analysis": ["filters", "denoise", "inpaint", "segmentation", "registration", "metrics", "viz"],
    "nn": ["nn", "nn.*", "*_torch"],
}
TORCH = {"torch", "torchvision", "monai"}


def layer(module: str) -> str:
    """Layer of a module name relative to the package (``cohort``, ``nn.models``)."""
    for name in reversed(ORDER):  # nn first: "nn.*" and "*_torch" win
        if any(fnmatch.fnmatchcase(module, pattern) for pattern in LAYERS[name]):
            return name
    return "analysis"


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported name, line): miakit modules relative to the package, others absolute."""
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    if module == "__init__":
        package = []
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.append((_relative(alias.name), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                if node.module:
                    found.append((_relative("miakit." + target), node.lineno))
                else:  # from . import metrics
                    for alias in node.names:
                        name = ".".join(filter(None, [target, alias.name]))
                        found.append((_relative("miakit." + name), node.lineno))
            elif node.module:
                found.append((_relative(node.module), node.lineno))
    return found


def _relative(name: str) -> str:
    """``miakit.x.y`` -> ``:x.y`` (marked as internal); other names unchanged."""
    if name == "miakit":
        return ":__init__"
    return ":" + name.removeprefix("miakit.") if name.startswith("miakit.") else name


MODULES = modules()


def test_layer_table_names_existing_modules():
    patterns = [p for names in LAYERS.values() for p in names if "*" not in p]
    missing = [p for p in patterns if p not in MODULES and p != "nn"]
    assert not missing, f"the layer table names modules that do not exist: {missing}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_down_the_layers(module):
    own = ORDER.index(layer(module))
    upward = [
        f"line {line}: {module} ({layer(module)}) imports {name[1:]} ({layer(name[1:])})"
        for name, line in imports(module, MODULES[module])
        if name.startswith(":") and ORDER.index(layer(name[1:])) > own
    ]
    assert not upward, "imports above the module's layer:\n" + "\n".join(upward)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_only_the_nn_layer_imports_torch(module):
    if layer(module) == "nn":
        return
    heavy = [
        f"line {line}: {name}"
        for name, line in imports(module, MODULES[module])
        if name.split(".")[0] in TORCH
    ]
    assert not heavy, f"{module} is outside the nn layer but imports torch: {heavy}"


def test_the_walk_sees_relative_and_torch_imports():
    """Self-test of the walker on the two kinds of import it must catch."""
    adapter = {name for name, _ in imports("cohort_torch", MODULES["cohort_torch"])}
    assert {":cohort", "torch"} <= adapter, f"found {sorted(adapter)}"
    lazy = {name for name, _ in imports("denoise", MODULES["denoise"])}  # inside a function
    assert ":metrics" in lazy, f"found {sorted(lazy)}"
    assert layer("cohort_torch") == "nn" and layer("_cohort_render") == "cohort"
