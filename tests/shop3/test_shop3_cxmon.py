"""cxmon against the third shop: its scenarios validate, and a clean plain-action run passes today."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shop3.server import Shop3

HERE = Path(__file__).parent
CXMON = Path(sys.executable).with_name("cxmon")


def cxmon(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CXMON), *args], capture_output=True, text=True, timeout=300, env=env, check=False)


def test_the_scenarios_validate() -> None:
    done = cxmon("validate", str(HERE))
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("shop3-checkout, 7 steps", "shop3-checkout-de, 7 steps", "shop3-checkout-plain, 10 steps"):
        assert name in done.stdout, done.stdout


@pytest.mark.browser
def test_a_clean_run_with_plain_actions_passes(shop3: Shop3, tmp_path: Path) -> None:
    # The budgets of the file measure this shop's speed; here only the absence of false alarms counts.
    scenario = tmp_path / "plain.yml"
    text = (HERE / "checkout-plain.yml").read_text(encoding="utf-8")
    scenario.write_text(text.replace("budgets: {step: 2s, journey: 30s}", "budgets: {step: 30s, journey: 120s}"))
    out = tmp_path / "run.json"
    done = cxmon(
        "run",
        str(scenario),
        "--base-url",
        shop3.url,
        "--json",
        str(out),
        "--trace",
        "off",
        "--artifacts",
        str(tmp_path / "artifacts"),
        "--quiet",
    )
    journey = json.loads(out.read_text())["journeys"][0]
    assert done.returncode == 0, json.dumps(journey["findings"], indent=1)
    assert journey["outcome"] == "pass"
    assert re.fullmatch(r"PL-\d+", journey["order_number"] or "")
    assert [f for step in journey["steps"] for f in step["findings"]] == []
