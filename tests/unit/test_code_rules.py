"""The code's own rules hold: ruff is clean and the import layers point one way."""

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
