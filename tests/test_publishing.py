"""Publishing: the GitHub Pages workflow, the Binder environment, one repository URL."""

from __future__ import annotations

import subprocess

import yaml
from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def test_repository_url_is_written_once_in_config():
    url = CONFIG["repository"]["url"]
    assert url.startswith("https://github.com/"), url
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    files = (
        listed.stdout.split()
        if listed.returncode == 0
        else [  # no git: walk the tree
            p.relative_to(ROOT).as_posix()
            for p in ROOT.rglob("*")
            if p.suffix in {".md", ".yml", ".py", ".ipynb", ".toml", ".txt", ".cfg"}
            and not {".venv", "_build", ".git"} & set(p.relative_to(ROOT).parts)
        ]
    )
    elsewhere = [
        name
        for name in files
        if name != "_config.yml"
        and (ROOT / name).is_file()
        and url in (ROOT / name).read_text(encoding="utf-8", errors="ignore")
    ]
    assert not elsewhere, f"{url} is written outside _config.yml in {elsewhere}"


def test_pages_workflow_builds_tested_book_and_deploys_on_main():
    workflow = yaml.safe_load((ROOT / ".github/workflows/book.yml").read_text(encoding="utf-8"))
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    steps = workflow["jobs"]["build"]["steps"]
    assert any("make test" in step.get("run", "") for step in steps)
    upload = [s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact")]
    assert upload and upload[0]["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert "refs/heads/main" in deploy["if"]
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages")


def test_binder_builds_from_the_root_with_environment_yml():
    """repo2docker: environment.yml at the root wins over requirements.txt; no binder/."""
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists(), (
        "a binder/ folder makes repo2docker ignore the root environment.yml"
    )
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "python=3.11" in env["dependencies"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in pip, "CPU torch only"
    assert pip[-1] == "-e .", "miakit is installed last, from the repository"
    launch = CONFIG["launch_buttons"]
    assert launch["binderhub_url"] == "https://mybinder.org"
