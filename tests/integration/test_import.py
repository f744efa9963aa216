"""``cxmon import``: Playwright scripts (the pinned recorder's own output in four targets, and
hand-written tests) become scenarios that validate and walk the shop they were written for.

The ``codegen-*`` fixtures were written by Playwright's recorder while a script clicked through
the shops (tests/fixtures/import/record_fixtures.py regenerates them). Their URLs carry the port
of that recording; the runs here point ``--base-url`` at this session's shops.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from cxmon.authoring import import_script
from cxmon.scenario import load_scenario
from tests.helpers import CXMON, ROOT
from tests.shop2.server import StaticShop

FIXTURES = ROOT / "tests" / "fixtures" / "import"

# fixture → (shop, lines reported as not converted, stage of the last step)
TABLE: dict[str, tuple[str, list[int], str]] = {
    "codegen-demo-shop.py": ("demo", [], "payment"),
    "codegen-demo-shop.sync.py": ("demo", [], "payment"),
    "codegen-demo-shop.js": ("demo", [], "payment"),
    "codegen-demo-shop.spec.ts": ("demo", [], "payment"),
    "codegen-second-shop.py": ("second", [], "payment"),
    "codegen-second-shop.sync.py": ("second", [], "payment"),
    "codegen-second-shop.js": ("second", [], "payment"),
    "codegen-second-shop.spec.ts": ("second", [], "payment"),
    "handwritten-demo-shop_test.py": ("demo", [10, 15, 22, 24, 26], "confirmation"),
    "handwritten-demo-shipping.spec.ts": ("demo", [], "checkout"),
    "handwritten-second-shop.spec.js": ("second", [10, 12, 14, 15], "confirmation"),
}


def cxmon(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([CXMON, *args], capture_output=True, text=True, env=env, timeout=240, cwd=ROOT)


def test_every_fixture_is_in_the_table() -> None:
    scripts = sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith(("codegen-", "handwritten-")))
    assert scripts == sorted(TABLE)


@pytest.mark.parametrize("fixture", sorted(TABLE))
def test_import_writes_a_valid_scenario_and_lists_what_it_left_out(fixture: str, tmp_path: Path) -> None:
    out = tmp_path / "scenario.yml"
    result = cxmon("import", str(FIXTURES / fixture), "-o", str(out))
    assert result.returncode == 0, result.stderr
    _, lines, last_stage = TABLE[fixture]
    reported = [int(line.split(":")[1]) for line in result.stderr.splitlines() if ": not converted: " in line]
    assert reported == lines, result.stderr
    for line in lines:
        assert f"#   line {line}: " in out.read_text()
    validated = cxmon("validate", str(out))
    assert validated.returncode == 0, validated.stderr
    steps = load_scenario(out, env={}).scenario.steps
    assert steps[0].goto is not None and steps[0].goto.startswith("/")
    assert steps[-1].stage is not None and steps[-1].stage.value == last_stage


def test_card_fields_become_secret_variables() -> None:
    conversion = import_script(FIXTURES / "codegen-demo-shop.py")
    assert "secrets: [CARD_NUMBER, CARD_EXPIRY, CARD_CVC]" in conversion.text
    assert "value: '${CARD_NUMBER:-4242424242424242}'" in conversion.text
    assert "- name: pay\n    stage: payment  # review: guessed (a payment form)\n" in conversion.text


@pytest.fixture(scope="module")
def second_shop() -> Iterator[StaticShop]:
    with StaticShop() as shop:
        yield shop


@pytest.mark.browser
@pytest.mark.parametrize("shop", ["demo", "second"])
def test_imported_scenarios_walk_their_shop_to_a_pass(shop: str, demo_shop, second_shop: StaticShop,
                                                      tmp_path: Path) -> None:
    # Every fixture written for this shop, imported and walked in one run (one process, one browser).
    folder = tmp_path / "scenarios"
    folder.mkdir()
    names = {}
    for fixture in sorted(f for f, (s, _, _) in TABLE.items() if s == shop):
        name = fixture.replace(".", "-").replace("_", "-")
        names[name] = fixture
        (folder / f"{name}.yml").write_text(import_script(FIXTURES / fixture, name=name).text)
    url = demo_shop.url if shop == "demo" else second_shop.url
    report = tmp_path / "report.json"
    result = cxmon("run", str(folder), "--base-url", url, "--trace", "off", "--artifacts", str(tmp_path / "a"),
                   "--json", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = {j["labels"]["scenario"]: j["outcome"] for j in json.loads(report.read_text())["journeys"]}
    assert outcomes == {name: "pass" for name in names}, (outcomes, names)
