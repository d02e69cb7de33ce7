"""The environment files agree, and the pins that keep installs small and offline hold."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT


def requirement_lines(text: str) -> list[str]:
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("-")]


def normalise(requirement: str) -> str:
    name, _, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def test_environment_yml_matches_requirements():
    requirements = {
        normalise(r) for r in requirement_lines((ROOT / "requirements.txt").read_text())
    }
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda_pip = {normalise(r) for r in pip_section if not r.startswith("-")}
    assert conda_pip == requirements, conda_pip ^ requirements
    assert "-e ." in pip_section, "environment.yml installs miakit itself"


def test_every_requirement_is_pinned_and_torch_is_the_cpu_pin():
    requirements = requirement_lines((ROOT / "requirements.txt").read_text())
    assert all("==" in r for r in requirements), [r for r in requirements if "==" not in r]
    assert "torch==2.13.0" in requirements, "a looser torch pin pulls gigabytes of CUDA packages"
    book = [r for r in requirements if r.startswith("jupyter-book==")]
    assert book and book[0].split("==")[1].startswith("1."), "the book needs Jupyter Book 1"


def test_toc_covers_every_chapter_folder_and_page():
    toc = (ROOT / "_toc.yml").read_text()
    for folder in sorted((ROOT / "notebooks").glob("*/")):
        if any(folder.glob("*.ipynb")):
            assert f"glob: notebooks/{folder.name}/*" in toc, folder.name
    for page in sorted((ROOT / "book").glob("*.md")):
        assert f"file: book/{page.stem}" in toc or f"root: book/{page.stem}" in toc, page.name


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
