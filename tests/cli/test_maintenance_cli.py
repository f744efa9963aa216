"""``cxmon run`` and maintenance windows: ignored by default (a CI gate checks the shop whatever the
calendar says), honoured with ``--respect-maintenance``. Real browser, real demo shop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import cxmon
from tests.helpers import demo_env, write_demo_scenario

# Open every minute for two minutes: always open.
ALWAYS = {"cron": "* * * * *", "duration": "2m", "timezone": "Europe/Helsinki"}


@pytest.mark.browser
def test_run_ignores_windows_unless_asked(demo_shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo_shop.faults.add("payment_rejected:invoice")
    path = write_demo_scenario(tmp_path, methods=["invoice"], name="in-window", maintenance=[ALWAYS])
    env = demo_env(demo_shop)

    plain = cxmon("run", str(path), "--base-url", demo_shop.url, "--json", str(tmp_path / "plain.json"), env=env)
    assert plain.returncode == 1, plain.stdout + plain.stderr
    assert json.loads((tmp_path / "plain.json").read_text())["journeys"][0]["outcome"] == "fail"

    honoured = cxmon("run", str(path), "--base-url", demo_shop.url, "--respect-maintenance",
                     "--json", str(tmp_path / "honoured.json"), "--junit", str(tmp_path / "junit.xml"), env=env)
    assert honoured.returncode == 0, honoured.stdout + honoured.stderr
    report = json.loads((tmp_path / "honoured.json").read_text())
    [journey] = report["journeys"]
    assert journey["outcome"] == "maintenance" and journey["steps"] == []  # skipped: the shop was not walked
    assert journey["maintenance"]["mode"] == "skip" and "Europe/Helsinki" in journey["maintenance"]["source"]
    assert report["summary"]["maintenance"] == 1 and report["summary"]["fail"] == 0
    assert "<skipped" in (tmp_path / "junit.xml").read_text()
    assert "1 maintenance" in honoured.stdout


@pytest.mark.browser
def test_shared_file_run_mode_walks_but_does_not_count(demo_shop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    demo_shop.faults.add("payment_rejected:invoice")
    path = write_demo_scenario(tmp_path, methods=["invoice"], name="shared-window")
    windows = tmp_path / "windows.yml"
    windows.write_text(json.dumps({"windows": [{**ALWAYS, "mode": "run", "scenarios": ["shared-window"]}]}))
    out = cxmon("run", str(path), "--base-url", demo_shop.url, "--respect-maintenance", "--maintenance-file",
                str(windows), "--json", str(tmp_path / "r.json"), env=demo_env(demo_shop))
    assert out.returncode == 0, out.stdout + out.stderr
    [journey] = json.loads((tmp_path / "r.json").read_text())["journeys"]
    assert journey["outcome"] == "maintenance" and journey["steps"]  # walked: the findings are kept
    assert any(f["kind"] == "payment_rejected" for s in journey["steps"] for f in s["findings"])


def test_bad_maintenance_file_is_exit_2(tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path, methods=["invoice"])
    windows = tmp_path / "windows.yml"
    windows.write_text("windows:\n  - {cron: '0 2 * * SUN', duration: 2h, timezone: Mars/Olympus}\n")
    out = cxmon("run", str(path), "--respect-maintenance", "--maintenance-file", str(windows))
    assert out.returncode == 2
    assert "windows.yml:2" in out.stderr and "IANA time zone" in out.stderr and "Traceback" not in out.stderr
