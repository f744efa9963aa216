"""The code's own rules hold: ruff is clean, the import layers point one way, and mypy is clean."""

from __future__ import annotations

import re
import subprocess
import tomllib

from tests.helpers import ROOT, venv_tool


def test_ruff_is_clean() -> None:
    out = subprocess.run([venv_tool("ruff"), "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_import_layers_hold() -> None:
    # model ◀ scenario ◀ detectors ◀ runner ◀ exporters ◀ scheduler ◀ cli; the demo shop stands apart.
    out = subprocess.run([venv_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Contracts: 3 kept, 0 broken." in out.stdout


def contract_modules() -> set[str]:
    """Every module an import-linter contract in pyproject.toml names."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    named: set[str] = set()
    for contract in config["tool"]["importlinter"]["contracts"]:
        for key in ("layers", "modules", "source_modules", "forbidden_modules"):
            for entry in contract.get(key, []):
                named.update(m.strip() for m in re.split(r"[|:]", entry) if m.strip())
    return named


def test_every_module_is_named_by_an_import_contract() -> None:
    # A module no contract names could import anything: the layers would hold by omission.
    named = contract_modules()
    package = ROOT / "cxmon"
    modules = {
        ".".join(("cxmon", *path.relative_to(package).with_suffix("").parts)).removesuffix(".__init__")
        for path in package.rglob("*.py")
    }
    modules.discard("cxmon")  # the root package: its version only
    uncovered = sorted(m for m in modules if not any(m == n or m.startswith(n + ".") for n in named))
    assert len(modules) > 40 and not uncovered, uncovered


def test_mypy_is_clean() -> None:
    # Settings (the cxmon package, strictness, plugins) are pyproject's [tool.mypy], as for `make lint`.
    out = subprocess.run([venv_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("Success: no issues found"), out.stdout
