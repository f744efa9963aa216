"""``cxmon serve`` and signals: SIGHUP with a broken file keeps serving; SIGTERM exits 0 and leaves
no Chromium behind."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from cxmon.demo import DemoShop
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import cmdline, descendants, process_alive, start_serve, wait_for

pytestmark = pytest.mark.browser

SCENARIO = "serve-signals"


def test_sighup_with_a_broken_file_keeps_serving_and_sigterm_exits_clean(
    demo_shop: DemoShop, tmp_path: Path
) -> None:
    scenario = write_demo_scenario(tmp_path, methods=["invoice"], name=SCENARIO, schedule="2s")
    good = scenario.read_text()
    with start_serve(
        tmp_path,
        [str(scenario), "--base-url", demo_shop.url, "--interval", "2s", "--artifacts", str(tmp_path / "ev")],
        env={"DEMO_PROVIDER_URL": demo_shop.provider_url},
    ) as serve:
        assert serve.get("/healthz")[0] == 200
        serve.wait_ready()
        labels = {"scenario": SCENARIO, "payment_method": "invoice"}
        wait_for("a first passing run", lambda: serve.value("cxmon_journey_success", **labels) == 1,
                 timeout=30, log=serve.log)
        assert serve.value("cxmon_config_last_reload_successful") == 1

        # The browser and everything it started, and the profile folder that names them.
        children = descendants(serve.process.pid)
        browsers = {pid for pid in children if "chrom" in cmdline(pid)}
        assert browsers, "no Chromium found under cxmon serve"
        profiles = {
            part.split("=", 1)[1] for pid in browsers for part in cmdline(pid).split() if "--user-data-dir=" in part
        }
        assert profiles

        scenario.write_text(good + "\nsteps: [this is not: a step\n")
        serve.process.send_signal(signal.SIGHUP)
        wait_for("cxmon_config_last_reload_successful 0",
                 lambda: serve.value("cxmon_config_last_reload_successful") == 0, timeout=10, log=serve.log)
        # Still serving, still ready, still running the old scenario.
        assert serve.get("/healthz")[0] == 200
        assert serve.get("/readyz")[0] == 200
        runs = serve.value("cxmon_journey_runs_total", **labels) or 0
        wait_for("another run with the old scenario",
                 lambda: (serve.value("cxmon_journey_runs_total", **labels) or 0) > runs, timeout=20, log=serve.log)
        assert "reload failed" in serve.log()
        status, page = serve.get("/")
        assert status == 200 and b"the last reload failed" in page

        scenario.write_text(good)
        serve.process.send_signal(signal.SIGHUP)
        wait_for("cxmon_config_last_reload_successful 1 after the fix",
                 lambda: serve.value("cxmon_config_last_reload_successful") == 1, timeout=10, log=serve.log)

        children |= descendants(serve.process.pid)
        assert serve.stop(signal.SIGTERM) == 0, serve.log()

    assert "stopped" in serve.log()
    wait_for("every process cxmon serve started to exit",
             lambda: not [pid for pid in children if process_alive(pid)], timeout=10)
    leftovers = [
        pid for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
        if process_alive(pid) and any(profile in cmdline(pid) for profile in profiles)
    ]
    assert not leftovers, [cmdline(pid)[:200] for pid in leftovers]
