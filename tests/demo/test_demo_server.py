"""Starting and stopping the demo shop: in a loop, in a thread and as ``python -m cxmon.demo``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import aiohttp
import pytest

from cxmon.demo import DemoShopThread, FaultSpecError, start_demo_shop

URL_RE = r"http://127\.0\.0\.1:(\d+)"


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def refuses_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as probe:
        return probe.connect_ex((host, int(port))) != 0


async def test_start_picks_free_ports_and_stop_closes_them() -> None:
    shop = await start_demo_shop(faults=["slow:10@cart"])
    assert re.fullmatch(URL_RE, shop.url) and re.fullmatch(URL_RE, shop.provider_url)
    assert shop.url != shop.provider_url
    assert [entry["spec"] for entry in shop.faults.list()] == ["slow:10@cart"]
    async with aiohttp.ClientSession() as http, http.get(f"{shop.provider_url}/health") as response:
        assert await response.text() == "ok"
    await shop.stop()
    await shop.stop()  # a second stop is harmless
    assert refuses_connections(shop.url) and refuses_connections(shop.provider_url)


async def test_bad_fault_spec_raises_before_listening() -> None:
    with pytest.raises(FaultSpecError, match=r"invalid fault spec 'error_page@moon': stage 'moon' is not allowed"):
        await start_demo_shop(faults=["error_page@moon"])


async def test_stop_does_not_wait_for_slow_pages() -> None:
    shop = await start_demo_shop(faults=["slow:20000@browse"])
    async with aiohttp.ClientSession() as http:
        slow_request = asyncio.ensure_future(http.get(shop.url + "/"))
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        await shop.stop()
        assert time.perf_counter() - started < 3
        with pytest.raises(aiohttp.ClientError):
            await slow_request


def test_thread_runs_the_shop_for_synchronous_callers() -> None:
    with DemoShopThread(faults=["error_page@cart"]) as shop:
        status, html = fetch(shop.url + "/")
        assert status == 200 and "<h1>Demo Shop</h1>" in html
        # The live fault set can be changed from this thread while the shop's loop runs in its own.
        shop.faults.add("error_text@browse")
        status, html = fetch(shop.url + "/")
        assert "Sorry, an error occurred" in html
        assert [entry["hits"] for entry in shop.faults.list()] == [0, 1]
        url = shop.url
    assert refuses_connections(url)


def test_thread_passes_start_errors_to_the_caller() -> None:
    with pytest.raises(FaultSpecError, match="unknown fault 'nope'"), DemoShopThread(faults=["nope"]):
        pass


def test_module_cli_prints_one_line_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "cxmon.demo", "--port", "0", "--provider-port", "0", "--fault", "slow:5@cart"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.fullmatch(rf"demo shop: ({URL_RE}) \(payment provider ({URL_RE})\)\n", line)
        assert match, line
        status, html = fetch(match.group(1) + "/__admin/faults")
        assert status == 200 and '"spec": "slow:5@cart"' in html
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert process.stdout.read() == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_module_cli_rejects_a_bad_fault_with_usage_status() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cxmon.demo", "--port", "0", "--fault", "slow:soon"],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "invalid fault spec 'slow:soon'" in result.stderr
