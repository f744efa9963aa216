"""`cxmon run` launches the browser while it reads the scenarios (issue: performance).

The launch and the reading overlap; bad input still wins over everything (exit 2, the file's
errors, nothing walked) and leaves no browser behind. Real subprocesses, a real Chromium.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from cxmon.runner.browser import browser_processes
from tests.helpers import CXMON, ROOT

pytestmark = pytest.mark.browser

BAD = "name: early\nsteps: 5\n"


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], set[int]]:
    """Runs `cxmon`; returns its result and the browsers it started that still run afterwards."""
    proc = subprocess.Popen([CXMON, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, "NO_COLOR": "1", **(env or {})})
    launched: set[int] = set()
    while proc.poll() is None:
        launched |= browser_processes(proc.pid)
        time.sleep(0.01)
    out, err = proc.communicate()
    time.sleep(0.5)  # a browser that outlived its process would be found here
    alive = {pid for pid in launched if Path(f"/proc/{pid}").exists()}
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), alive


def test_bad_scenario_exits_2_and_leaves_no_browser_behind(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yml"
    scenario.write_text(BAD)
    out, left = _run("run", str(scenario), "--artifacts", str(tmp_path / "a"))
    assert out.returncode == 2, out.stderr
    assert f"{scenario}:2: steps: expected a list" in out.stderr
    assert "Traceback" not in out.stderr
    assert left == set()


def test_bad_input_wins_over_a_missing_browser(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yml"
    scenario.write_text(BAD)
    out, _ = _run("run", str(scenario), env={"CXMON_BROWSER": str(tmp_path / "no-such-chromium")})
    assert out.returncode == 2, out.stderr
    assert "steps: expected a list" in out.stderr
    assert "CXMON_BROWSER" not in out.stderr


def test_missing_browser_with_good_input_is_exit_3(tmp_path: Path) -> None:
    scenario = tmp_path / "good.yml"
    scenario.write_text("name: early\nbase_url: http://127.0.0.1:9\nsteps:\n  - {name: home, goto: /}\n")
    out, _ = _run("run", str(scenario), "-q", env={"CXMON_BROWSER": str(tmp_path / "no-such-chromium")})
    assert out.returncode == 3, out.stderr
    assert "CXMON_BROWSER" in out.stderr and "Traceback" not in out.stderr


async def test_discard_stops_a_browser_that_is_up() -> None:
    """Bad input found after the launch finished: the browser and Playwright's driver stop."""
    from cxmon.runner.browser import EarlyStart

    others = browser_processes()  # other tests' browsers in this process
    early = EarlyStart()
    _, browser, pid = await early.result()
    assert browser.is_connected()
    assert pid is not None and pid in browser_processes() - others
    await early.discard()
    assert not browser.is_connected()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
