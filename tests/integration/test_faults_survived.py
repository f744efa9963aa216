"""Faults of the shop, the network and cxmon's own machinery, met on real processes and survived.

Each test walks one short journey in real Chromium against a real loopback server that
misbehaves: refuses connections, accepts and never answers, has a name that does not resolve,
shows a self-signed certificate; or kills the browser mid-journey. The result must say what
happened (a shop fault is ``fail`` with the right kind, cxmon's own trouble is ``error`` with an
``infrastructure`` finding), within the step's time limit, and the runner must carry on.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon.model import Kind, Outcome
from cxmon.runner import Runner, RunOptions
from cxmon.runner.browser import browser_processes
from cxmon.scenario import Journey, load_scenario
from tests.helpers import CXMON, demo_env, demo_journeys, write_demo_scenario
from tests.integration.loopback_servers import Page, html, recording_server, self_signed_cert, silent_server
from tests.promstack import free_port

pytestmark = pytest.mark.browser

STEP_TIMEOUT = 3.0


def journey_for(tmp_path: Path, base_url: str, **changes: Any) -> Journey:
    data = {
        "name": "fault",
        "base_url": base_url,
        "steps": [{"name": "home", "goto": "/", "expect": {"text": "Fault Shop"}}],
        **changes,
    }
    path = tmp_path / "fault.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    [journey] = load_scenario(path, env={}).journeys()
    return journey


@pytest.fixture(scope="module")
async def runner():
    async with Runner(RunOptions(trace="off", step_timeout=STEP_TIMEOUT)) as r:
        yield r


def only_failure(result) -> Any:
    failures = result.failures()
    assert len(failures) == 1, [f.to_dict() for f in failures]
    return failures[0]


async def test_connection_refused_is_unreachable(runner: Runner, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = await runner.run_journey(journey_for(tmp_path, url))
    assert result.outcome is Outcome.FAIL
    finding = only_failure(result)
    assert finding.kind is Kind.UNREACHABLE
    assert finding.evidence["error"] == "net::ERR_CONNECTION_REFUSED"
    assert result.steps[0].duration_seconds < STEP_TIMEOUT  # failed at once, did not wait out the limit


async def test_shop_that_never_answers_is_bounded_by_the_step_timeout(runner: Runner, tmp_path: Path) -> None:
    with silent_server() as url:
        t0 = time.monotonic()
        result = await runner.run_journey(journey_for(tmp_path, url))
        took = time.monotonic() - t0
    assert result.outcome is Outcome.FAIL
    finding = only_failure(result)
    assert finding.kind is Kind.TIMEOUT, finding.to_dict()
    assert finding.step == "home"
    assert STEP_TIMEOUT * 0.9 <= took < STEP_TIMEOUT + 3.0, took


async def test_name_that_does_not_resolve_is_unreachable_without_a_lookup(runner: Runner, tmp_path: Path) -> None:
    # --host-resolver-rules answers *.invalid inside the browser: no DNS query leaves the machine.
    result = await runner.run_journey(journey_for(tmp_path, "http://shop.cxmon-test.invalid"))
    assert result.outcome is Outcome.FAIL
    finding = only_failure(result)
    assert finding.kind is Kind.UNREACHABLE
    assert finding.evidence["error"] == "net::ERR_NAME_NOT_RESOLVED"
    assert result.steps[0].duration_seconds < STEP_TIMEOUT  # failed at once, did not wait out the limit


async def test_self_signed_tls_is_unreachable_unless_ignored(runner: Runner, tmp_path: Path) -> None:
    pages = {"/": html("<h1>Fault Shop</h1>")}
    with recording_server(pages, tls=self_signed_cert(tmp_path)) as shop:
        assert shop.url.startswith("https://")
        strict = await runner.run_journey(journey_for(tmp_path, shop.url))
        relaxed = await runner.run_journey(journey_for(tmp_path, shop.url, http={"ignore_https_errors": True}))
    assert strict.outcome is Outcome.FAIL
    finding = only_failure(strict)
    assert finding.kind is Kind.UNREACHABLE
    assert finding.evidence["error"].startswith("net::ERR_CERT_"), finding.to_dict()
    assert relaxed.outcome is Outcome.PASS, relaxed.to_dict()


async def test_browser_killed_mid_journey_is_infrastructure_and_the_next_run_passes(
    demo_shop, tmp_path: Path
) -> None:
    # The home page takes 8 s: the journey is surely inside its first step when the browser dies.
    demo_shop.faults.add("slow:8000@browse")
    [journey] = demo_journeys(demo_shop, tmp_path)
    async with Runner(RunOptions(trace="off", step_timeout=10.0)) as runner:
        pid = runner.browser_pid
        assert pid is not None
        task = asyncio.create_task(runner.run_journey(journey))
        await asyncio.sleep(2.0)
        assert not task.done()
        os.kill(pid, signal.SIGKILL)
        killed = await asyncio.wait_for(task, 20)
        assert killed.outcome is Outcome.ERROR, killed.to_dict()
        finding = only_failure(killed)
        assert finding.kind is Kind.INFRASTRUCTURE
        assert "browser" in (killed.error or ""), killed.error

        demo_shop.faults.clear()
        again = await runner.run_journey(journey)
        assert again.outcome is Outcome.PASS, again.to_dict()
        assert runner.launches == 2
        assert runner.browser_pid not in (None, pid)


async def test_the_browser_is_replaced_after_its_journeys_without_disturbing_one(tmp_path: Path) -> None:
    """Memory stays bounded in a long-lived process: after ``recycle_browser_after`` journeys a
    fresh browser takes the next ones, and the old one closes once its last journey ended."""
    release = threading.Event()

    def pages(path: str) -> Page:
        if path.startswith("/late"):
            release.wait(30)  # held until the browser this journey runs in has been replaced
        return html("<h1>Fault Shop</h1>")

    with recording_server(pages) as shop:
        late_step = {"name": "home", "goto": "/late", "expect": {"text": "Fault Shop"}}
        # Time is not what this test is about: the held step may wait while a busy machine walks two
        # journeys and starts a browser, so neither its limit nor a budget ends it.
        warn = {"step": "3s", "journey": "60s", "mode": "warn"}
        slow = journey_for(tmp_path, shop.url, steps=[late_step], budgets=warn)
        fast = journey_for(tmp_path, shop.url, budgets=warn)
        others = browser_processes()  # other tests' browsers in this process
        async with Runner(RunOptions(trace="off", step_timeout=30.0, recycle_browser_after=2)) as runner:
            first = runner.browser_pid
            run = asyncio.create_task(runner.run([slow, fast, fast, fast, fast], concurrency=2))
            deadline = time.monotonic() + 25
            while runner.launches < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            assert runner.launches == 2 and not run.done()
            release.set()
            results = await run
            assert [r.outcome for r in results] == [Outcome.PASS] * 5, [r.to_dict() for r in results]
            assert runner.launches == 3  # journeys 1-2, 3-4, 5
            assert runner.browser_pid not in (None, first)
            await asyncio.sleep(0.5)  # replaced browsers close aside
            assert browser_processes() - others == {runner.browser_pid}


def test_unwritable_artifacts_and_pushgateway_down_still_export_metrics(demo_shop, tmp_path: Path) -> None:
    """A failed journey whose evidence cannot be saved and whose push fails: clear errors on stderr,
    the shop fault still decides the exit code, and the textfile metrics are written."""
    demo_shop.faults.add("error_page@browse")
    path = write_demo_scenario(tmp_path)
    (tmp_path / "a-file").write_text("")
    textfile = tmp_path / "cxmon.prom"
    gateway = f"http://127.0.0.1:{free_port()}"
    out = subprocess.run(
        [CXMON, "run", str(path), "--step-timeout", "5s", "--artifacts", str(tmp_path / "a-file" / "evidence"),
         "--textfile", str(textfile), "--pushgateway", gateway, "--json", str(tmp_path / "r.json")],
        capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1", **demo_env(demo_shop)}, timeout=120,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "cannot write evidence to" in out.stderr and "Not a directory" in out.stderr, out.stderr
    assert f"cannot push metrics to the Pushgateway at {gateway}" in out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    metrics = textfile.read_text()
    assert 'cxmon_journey_success{device="default",location="default",market="default",payment_method="invoice",' \
           'scenario="demo-checkout"} 0.0' in metrics
    assert 'kind="error_page"' in metrics
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["fail"] == 1
