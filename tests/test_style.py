"""The code style the contributing guide asks for, checked like everything else.

``make lint`` runs the same two ruff commands; running them here means a pull request
that skips the pre-commit hooks still cannot land unformatted code or notebooks.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ["src", "tests", "notebooks", "benchmarks", "book/_ext", "conftest.py"]


def _ruff() -> str:
    candidate = Path(sys.executable).with_name("ruff")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed in this environment")
    return found


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_passes(command):
    result = subprocess.run(
        [_ruff(), *command, *TARGETS], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, (
        f"ruff {' '.join(command)} failed:\n{result.stdout}{result.stderr}"
    )
