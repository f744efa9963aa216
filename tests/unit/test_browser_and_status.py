"""Browser resolution and exit statuses, as plain logic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cxmon.cli.status import ExitStatus, exit_status
from cxmon.errors import BrowserNotFoundError
from cxmon.model import JourneyKey, JourneyResult, Outcome
from cxmon.runner.browser import QUIET_FLAGS, find_browser, launch_args


def _exe(tmp_path: Path, name: str) -> str:
    p = tmp_path / name
    p.write_text("#!/bin/sh\n")
    p.chmod(0o755)
    return str(p)


def test_env_override_wins(tmp_path: Path) -> None:
    exe = _exe(tmp_path, "my-chrome")
    choice = find_browser(env={"CXMON_BROWSER": exe}, bundled=_exe(tmp_path, "bundled"), candidates=[])
    assert (choice.executable, choice.source) == (exe, "CXMON_BROWSER")


def test_bundled_before_system(tmp_path: Path) -> None:
    choice = find_browser(env={}, bundled=_exe(tmp_path, "bundled"), candidates=[_exe(tmp_path, "chromium")])
    assert (choice.executable, choice.source) == (None, "playwright")


def test_system_chromium_when_no_bundled(tmp_path: Path) -> None:
    exe = _exe(tmp_path, "chromium")
    choice = find_browser(env={}, bundled=None, candidates=[str(tmp_path / "missing"), exe])
    assert (choice.executable, choice.source) == (exe, "system")


def test_no_browser_says_how_to_get_one() -> None:
    with pytest.raises(BrowserNotFoundError, match=r"apt-get install chromium.*playwright install chromium"):
        find_browser(env={}, bundled=None, candidates=["/nonexistent/chromium"])


def test_bad_override_is_named() -> None:
    with pytest.raises(BrowserNotFoundError, match="CXMON_BROWSER=/nope is not an executable browser"):
        find_browser(env={"CXMON_BROWSER": "/nope"})


def test_launch_args_are_quiet_and_root_safe() -> None:
    args = launch_args(["--extra"])
    assert set(QUIET_FLAGS) <= set(args)
    assert args[-1] == "--extra"
    assert ("--no-sandbox" in args) == (os.geteuid() == 0)


def _result(outcome: Outcome) -> JourneyResult:
    return JourneyResult(JourneyKey("s"), outcome, 0.0, 1.0)


@pytest.mark.parametrize(
    ("outcomes", "fail_on_flaky", "status"),
    [
        ([Outcome.PASS, Outcome.PASS], False, ExitStatus.OK),
        ([Outcome.PASS, Outcome.FLAKY], False, ExitStatus.OK),
        ([Outcome.PASS, Outcome.FLAKY], True, ExitStatus.FAILED),
        ([Outcome.PASS, Outcome.FAIL], False, ExitStatus.FAILED),
        ([Outcome.PASS, Outcome.ERROR], False, ExitStatus.INFRASTRUCTURE),
        ([Outcome.FAIL, Outcome.ERROR], False, ExitStatus.FAILED),
        ([], False, ExitStatus.OK),
    ],
)
def test_exit_status(outcomes: list[Outcome], fail_on_flaky: bool, status: ExitStatus) -> None:
    assert exit_status([_result(o) for o in outcomes], fail_on_flaky) is status
