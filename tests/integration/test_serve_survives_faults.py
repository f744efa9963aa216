"""``cxmon serve`` keeps monitoring through every fault at once, and loses no metric it recorded.

One real ``cxmon serve`` process watches three scenarios every 2 s: the demo shop (whose faults
are switched on and off), a shop that refuses connections and one whose name does not resolve;
its evidence folder cannot be created. Meanwhile its browser is killed. Every scrape of
``/metrics`` must answer, no run counter may ever go down, and SIGTERM must end it cleanly with
no process left behind.
"""

from __future__ import annotations

import os
import signal
import time
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from cxmon.runner.browser import browser_processes
from tests.helpers import demo_env, write_demo_scenario
from tests.integration.serve_process import descendants, post_fault, start_serve, wait_for
from tests.promstack import free_port

pytestmark = pytest.mark.browser


def runs(text: str) -> dict[tuple[str, str], float]:
    out: dict[tuple[str, str], float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == "cxmon_journey_runs_total":
                out[(s.labels["scenario"], s.labels["result"])] += s.value
    return out


def test_serve_survives_shop_network_browser_and_disk_faults(demo_shop, tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    write_demo_scenario(folder, schedule="2s", timeouts={"step": "8s"}, budgets={"step": "30s", "mode": "warn"})
    for name, url in (("refused", f"http://127.0.0.1:{free_port()}"), ("no-dns", "http://shop.cxmon-test.invalid")):
        (folder / f"{name}.yml").write_text(yaml.safe_dump({
            "name": name, "base_url": url, "schedule": "3s", "timeouts": {"step": "3s"},
            "steps": [{"name": "home", "goto": "/", "expect": {"text": "Shop"}}],
        }))
    (tmp_path / "not-a-folder").write_text("")
    args = [str(folder), "--artifacts", str(tmp_path / "not-a-folder" / "evidence"), "--concurrency", "2"]
    seen: dict[tuple[str, str], float] = {}
    scrapes = 0

    def scrape(serve) -> dict[tuple[str, str], float]:
        nonlocal scrapes
        assert serve.process.poll() is None, serve.log()
        now = runs(serve.metrics())
        scrapes += 1
        for key, value in seen.items():
            assert now.get(key, 0) >= value, f"{key} went from {value} to {now.get(key)}"
        seen.update(now)
        return now

    with start_serve(tmp_path, args, demo_env(demo_shop)) as serve:
        serve.wait_ready(60)
        assert "cannot create the evidence folder" in serve.log()
        wait_for("a demo pass", lambda: scrape(serve).get(("demo-checkout", "pass")), 60, log=serve.log)
        wait_for("both unreachable shops failing", lambda: all(
            scrape(serve).get((n, "fail")) for n in ("refused", "no-dns")), 30, log=serve.log)

        post_fault(demo_shop.url, "error_page")
        wait_for("a demo fail", lambda: scrape(serve).get(("demo-checkout", "fail")), 60, log=serve.log)

        [browser] = wait_for("the browser process", lambda: browser_processes(serve.process.pid), 10)
        before = scrape(serve)
        os.kill(browser, signal.SIGKILL)
        wait_for("a new browser", lambda: browser_processes(serve.process.pid) - {browser}, 30, log=serve.log)
        demo_shop.faults.clear()
        passes = before.get(("demo-checkout", "pass"), 0)
        wait_for("a demo pass after the kill",
                 lambda: scrape(serve).get(("demo-checkout", "pass"), 0) > passes, 60, log=serve.log)
        serve.wait_ready(30)

        children = descendants(serve.process.pid)
        assert serve.stop() == 0, serve.log()
    assert scrapes > 10
    assert "Traceback" not in serve.log(), serve.log()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in children):
        time.sleep(0.2)
    assert not [p for p in children if _alive(p)], "processes left behind after cxmon serve exited"


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
