"""The alert rules pass ``promtool check rules`` and their unit tests (tests/rules/promtool/).

The unit tests run against rules rendered with ``AlertParams.short()`` (for: 0s, 1m windows);
``annotations.test.yml`` checks the rendered annotations, the others check when each alert fires.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.promstack import PromStackError, find_binary
from tools.observability.alerts import ALERTS, AlertParams, render_prometheus_rules
from tools.observability.generate import dump_yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_RULES = REPO_ROOT / "prometheus" / "rules" / "cxmon.rules.yml"
UNIT_TESTS_DIR = Path(__file__).parent / "promtool"


@pytest.fixture(scope="module")
def promtool() -> str:
    try:
        return find_binary("promtool")
    except PromStackError as error:
        pytest.fail(f"{error} (promtool ships with Debian's prometheus package: apt-get install prometheus)")


def run_promtool(promtool: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


def test_shipped_rules_pass_promtool_check(promtool: str) -> None:
    result = run_promtool(promtool, "check", "rules", str(SHIPPED_RULES))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


def test_shipped_prometheus_config_passes_promtool_check(promtool: str) -> None:
    result = run_promtool(promtool, "check", "config", "prometheus.yml", cwd=REPO_ROOT / "prometheus")
    assert result.returncode == 0, result.stdout + result.stderr


def test_short_rules_pass_promtool_check(promtool: str, tmp_path: Path) -> None:
    path = tmp_path / "short.rules.yml"
    path.write_text(dump_yaml(render_prometheus_rules(AlertParams.short())), encoding="utf-8")
    result = run_promtool(promtool, "check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def write_unit_test_rules(directory: Path) -> None:
    """The rules the unit tests reference, next to copies of the test files."""
    rules = render_prometheus_rules(AlertParams.short())
    (directory / "cxmon-annotated.rules.yml").write_text(dump_yaml(rules), encoding="utf-8")
    # When an alert fires is tested without annotations, so rewording one touches one test file.
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations")
    (directory / "cxmon.rules.yml").write_text(dump_yaml(rules), encoding="utf-8")


def unit_test_files() -> list[Path]:
    return sorted(UNIT_TESTS_DIR.glob("*.test.yml"))


@pytest.mark.parametrize("test_file", unit_test_files(), ids=lambda path: path.name)
def test_promtool_unit_tests(promtool: str, tmp_path: Path, test_file: Path) -> None:
    write_unit_test_rules(tmp_path)
    shutil.copy(test_file, tmp_path / test_file.name)
    result = run_promtool(promtool, "test", "rules", test_file.name, cwd=tmp_path)
    assert result.returncode == 0, f"promtool test rules {test_file.name}:\n{result.stdout}\n{result.stderr}"


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    firing: set[str] = set()
    quiet: set[str] = set()
    for path in unit_test_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document["tests"]:
            for case in group.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet).add(case["alertname"])
    names = {alert.name for alert in ALERTS}
    assert names - firing == set(), "alerts without a unit test where they fire"
    assert names - quiet == set(), "alerts without a unit test where they stay quiet"
    assert (firing | quiet) - names == set(), "unit tests for alerts that do not exist"


def test_unit_tests_reference_the_generated_rules() -> None:
    for path in unit_test_files():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert document["rule_files"] in (["cxmon.rules.yml"], ["cxmon-annotated.rules.yml"]), path.name
