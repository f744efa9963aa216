"""The code's own rules hold: ruff is clean, the import layers point one way, and mypy is clean."""

from __future__ import annotations

import subprocess

from tests.helpers import ROOT, venv_tool


def test_ruff_is_clean() -> None:
    out = subprocess.run([venv_tool("ruff"), "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_import_layers_hold() -> None:
    # model ◀ scenario ◀ detectors ◀ runner ◀ exporters ◀ scheduler ◀ cli; the demo shop stands apart.
    out = subprocess.run([venv_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 2 kept, 0 broken." in out.stdout


def test_mypy_is_clean() -> None:
    # Settings (the cxmon package, strictness, plugins) are pyproject's [tool.mypy], as for `make lint`.
    out = subprocess.run([venv_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("Success: no issues found"), out.stdout
