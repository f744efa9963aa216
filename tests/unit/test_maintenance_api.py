"""``/api/maintenance`` on serve's real web app (loopback, port 0) and ``cxmon maintenance`` against it:
unauthenticated and wrongly authenticated calls are refused, a token or basic auth opens, lists and
ends windows. The scheduler runs no journey (no browser): only its windows are used."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from cxmon.cli import main
from cxmon.scheduler import Scheduler
from cxmon.web.app import build_app
from cxmon.web.security import api_authorizer, basic_auth_middleware
from tests.unit.test_scheduler import FakeRunner, scheduler

TOKEN = "s3cret-token-of-some-length"


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def token_server(tmp_path: Path) -> AsyncIterator[tuple[Scheduler, str]]:
    s = scheduler(tmp_path, FakeRunner(), ["card", "invoice"])
    runner, url = await _serve(build_app(s, s.metrics, None, api_authorize=api_authorizer(None, None, TOKEN)))
    yield s, url
    await runner.cleanup()


async def _call(method: str, url: str, headers: dict[str, str] | None = None,
                body: dict[str, object] | None = None) -> tuple[int, dict[str, object]]:
    async with aiohttp.ClientSession() as session, session.request(
        method, url, headers=headers or {}, json=body
    ) as response:
        return response.status, await response.json()


async def test_unauthenticated_and_wrong_calls_are_refused(token_server: tuple[Scheduler, str]) -> None:
    s, url = token_server
    api = url + "/api/maintenance"
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token"},
                    {"Authorization": "Basic " + base64.b64encode(b"admin:" + TOKEN.encode()).decode()}):
        for method in ("GET", "POST", "DELETE"):
            status, body = await _call(method, api, headers, {"for": "5m"} if method == "POST" else None)
            assert status == 401, (method, headers, body)
    assert s.adhoc.open_at(time.time()) == [] and all(s.maintenance_window(k) is None for k in s.journeys)


async def test_without_credentials_configured_the_api_stays_shut(tmp_path: Path) -> None:
    s = scheduler(tmp_path, FakeRunner(), ["card"])
    runner, url = await _serve(build_app(s, s.metrics, None))
    try:
        status, body = await _call("POST", url + "/api/maintenance", {"Authorization": f"Bearer {TOKEN}"},
                                   {"for": "5m"})
    finally:
        await runner.cleanup()
    assert status == 403 and "--maintenance-token-file" in str(body["error"])
    assert s.adhoc.open_at(time.time()) == []


async def test_token_opens_lists_and_ends_a_window(token_server: tuple[Scheduler, str]) -> None:
    s, url = token_server
    auth = {"Authorization": f"Bearer {TOKEN}"}
    status, window = await _call("POST", url + "/api/maintenance", auth, {"for": "30m", "scenario": "sched"})
    assert status == 201 and window["scenario"] == "sched" and window["mode"] == "skip"
    keys = list(s.journeys)
    assert all(s.maintenance_window(k) is not None for k in keys)
    assert all(s.metrics.registry.get_sample_value("cxmon_maintenance", k.labels()) == 1 for k in keys)
    status, listing = await _call("GET", url + "/api/maintenance", auth)
    assert status == 200 and [w["id"] for w in listing["windows"]] == [window["id"]]  # type: ignore[index]
    status, _ = await _call("POST", url + "/api/maintenance", auth, {"for": "30m", "scenario": "nope"})
    assert status == 404
    status, body = await _call("POST", url + "/api/maintenance", auth, {"for": "soon"})
    assert status == 400 and "for:" in str(body["error"])
    status, ended = await _call("DELETE", f"{url}/api/maintenance/{window['id']}", auth)
    assert status == 200 and [w["id"] for w in ended["ended"]] == [window["id"]]  # type: ignore[index]
    assert all(s.metrics.registry.get_sample_value("cxmon_maintenance", k.labels()) == 0 for k in keys)


async def test_basic_auth_of_serve_works_for_the_api_and_the_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s = scheduler(tmp_path, FakeRunner(), ["card"])
    app = build_app(s, s.metrics, None, [basic_auth_middleware("ops", "pw-of-ops")],
                    api_authorize=api_authorizer("ops", "pw-of-ops", None))
    runner, url = await _serve(app)
    try:
        monkeypatch.delenv("CXMON_MAINTENANCE_TOKEN", raising=False)
        monkeypatch.setenv("CXMON_BASIC_AUTH_PASSWORD", "pw-of-ops")
        code = await asyncio.to_thread(main, ["maintenance", "start", "--for", "10m", "--url", url, "--user", "ops",
                                              "--reason", "db upgrade"])
        assert code == 0, capsys.readouterr()
        assert "opened maintenance window" in capsys.readouterr().out
        [window] = s.adhoc.open_at(time.time())
        assert window.reason == "db upgrade"
        code = await asyncio.to_thread(main, ["maintenance", "list", "--url", url, "--user", "ops", "--json"])
        assert code == 0 and window.id in capsys.readouterr().out
        monkeypatch.setenv("CXMON_BASIC_AUTH_PASSWORD", "wrong")
        code = await asyncio.to_thread(main, ["maintenance", "end", "--url", url, "--user", "ops"])
        assert code == 2 and "401" in capsys.readouterr().err
        monkeypatch.setenv("CXMON_BASIC_AUTH_PASSWORD", "pw-of-ops")
        code = await asyncio.to_thread(main, ["maintenance", "end", "--url", url, "--user", "ops"])
        assert code == 0 and window.id in capsys.readouterr().out
        assert s.adhoc.open_at(window.start + 1) == []
        # The rest of serve still asks for basic auth.
        async with aiohttp.ClientSession() as session, session.get(url + "/metrics") as response:
            assert response.status == 401
    finally:
        await runner.cleanup()
