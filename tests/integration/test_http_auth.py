"""Protected preview deploys: basic auth and extra headers from a scenario's ``http:`` keys.

A small loopback server stands in for a preview deploy that wants both a password and a token.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from cxmon.model import JourneyResult, Kind, Outcome
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario

pytestmark = pytest.mark.browser

USER, PASSWORD, TOKEN = "preview", "s3cret-pass", "tok-12345"


class _Preview(BaseHTTPRequestHandler):
    seen: list[tuple[str | None, str | None]] = []

    def do_GET(self) -> None:
        auth, token = self.headers.get("Authorization"), self.headers.get("X-Preview-Token")
        self.seen.append((auth, token))
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if auth != expected or token != TOKEN:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="preview"')
            body = b"<h1>401 Unauthorized</h1>"
        else:
            self.send_response(200)
            body = b"<!doctype html><title>Preview</title><h1>Preview Shop</h1>"
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def preview() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Preview)
    _Preview.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "preview.yml"
    path.write_text(yaml.safe_dump({
        "name": "preview",
        "base_url": "${PREVIEW_URL}",
        "secrets": ["PREVIEW_PASSWORD", "PREVIEW_TOKEN"],
        "http": {
            "basic_auth": {"username": "${PREVIEW_USER}", "password": "${PREVIEW_PASSWORD}"},
            "headers": {"X-Preview-Token": "${PREVIEW_TOKEN}"},
        },
        "steps": [{"name": "home", "goto": "/", "expect": {"text": "Preview Shop"}}],
    }))
    return path


async def _walk(tmp_path: Path, url: str, password: str) -> JourneyResult:
    env = {"PREVIEW_URL": url, "PREVIEW_USER": USER, "PREVIEW_PASSWORD": password, "PREVIEW_TOKEN": TOKEN}
    journeys = load_scenario(_scenario(tmp_path), env=env).journeys()
    async with Runner(RunOptions(trace="off")) as runner:
        (result,) = await runner.run(journeys)
    return result


async def test_basic_auth_and_headers_reach_the_protected_shop(tmp_path: Path, preview: str) -> None:
    assert (await _walk(tmp_path, preview, PASSWORD)).outcome is Outcome.PASS
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    # The browser answers the 401 challenge once; the page is then loaded with both.
    assert _Preview.seen[-1] == (expected, TOKEN)
    assert all(token == TOKEN for _, token in _Preview.seen)


async def test_wrong_password_is_reported_without_leaking_it(tmp_path: Path, preview: str) -> None:
    result = await _walk(tmp_path, preview, "wrong-password")
    assert result.outcome is Outcome.FAIL
    assert result.failures()[0].kind is Kind.ERROR_PAGE
    assert "wrong-password" not in str(result.to_dict())
