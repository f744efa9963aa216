"""Production safety: cxmon's traffic is recognisable, its test orders are undone, and its own web
server can be locked down.

- By default the User-Agent suffix identifies every request, to every origin, and no header is
  added (no request is intercepted, no cross-origin fetch is changed).
- A named identifying header reaches the shop's own origin on every request and, with the default
  scope, no other origin (so a page's cross-origin fetch needs no CORS preflight); the User-Agent
  suffix goes everywhere, on desktop and device contexts.
- The cleanup request is sent after a placed order, with ``${order_number}`` and its secret token,
  also when a later step failed; a failing cleanup is a warning, not a failed journey.
- ``cxmon serve --tls-cert/--tls-key --basic-auth-user`` answers real HTTPS requests only with the
  right credentials (``/healthz`` stays open).
"""

from __future__ import annotations

import base64
import os
import re
import signal
import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from cxmon import __version__
from cxmon.model import Kind, Outcome, Severity
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.helpers import CXMON, demo_env, write_demo_scenario
from tests.integration.loopback_servers import html, recording_server, self_signed_cert
from tests.integration.serve_process import wait_for

pytestmark = pytest.mark.browser

SUFFIX = f"cxmon/{__version__} (synthetic monitoring)"


def _journeys(path: Path, env: dict[str, str]):
    return load_scenario(path, env=env).journeys()


Headers = dict[str, str]


async def _walk_beside_a_third_party(
    tmp_path: Path, title: str, **scenario: Any
) -> tuple[list[Headers], list[Headers], list[str]]:
    """Walks a one-page shop whose page loads an image of its own and fetches a third party's API
    (which allows any origin, but no custom request header); returns the headers of the shop's GET
    requests, the third party's request headers and the third party's request methods."""
    with recording_server({"/api": (200, "application/json", b"{}", {"Access-Control-Allow-Origin": "*"})}) as other:
        page = html(
            '<h1>Fault Shop</h1><img src="/logo.png">'
            f'<script>fetch("{other.url}/api").then(r => document.title = "fetched " + r.status)'
            '.catch(e => document.title = "blocked")</script>'
        )
        with recording_server({"/": page, "/logo.png": (200, "image/png", b"", {})}) as shop:
            path = tmp_path / "s.yml"
            path.write_text(yaml.safe_dump({
                "name": "ident", "base_url": shop.url, **scenario,
                "steps": [{"name": "home", "goto": "/", "expect": {"title": title}}],
            }))
            async with Runner(RunOptions(trace="off", step_timeout=5.0)) as runner:
                [result] = await runner.run(_journeys(path, {}))
    assert result.outcome is Outcome.PASS, result.to_dict()
    own = [{k.lower(): v for k, v in r.headers.items()} for r in shop.requests if r.method == "GET"]
    assert len(own) >= 2, shop.requests  # the page and its image
    third = [{k.lower(): v for k, v in r.headers.items()} for r in other.requests]
    return own, third, [r.method for r in other.requests]


async def test_default_identification_is_the_user_agent_suffix_alone(tmp_path: Path) -> None:
    own, third, methods = await _walk_beside_a_third_party(tmp_path, "fetched 200")
    assert methods == ["GET"]
    for headers in (*own, *third):
        assert headers["user-agent"].endswith(" " + SUFFIX), headers["user-agent"]
        assert "x-cxmon-synthetic" not in headers, headers


@pytest.mark.parametrize("scope", ["own", "all"])
async def test_identifying_header_and_user_agent(scope: str, tmp_path: Path) -> None:
    # With the header on every request, the cross-origin fetch needs a CORS preflight that this
    # third party (like many) does not allow for custom headers: the fetch fails.
    own, third, methods = await _walk_beside_a_third_party(
        tmp_path,
        "fetched 200" if scope == "own" else "blocked",
        http={"identify": {"header": "X-Cxmon-Synthetic", "header_scope": scope}},
        matrix={"device": ["iPhone 13"]} if scope == "all" else {},
    )
    for headers in own:
        assert headers.get("x-cxmon-synthetic") == "1", headers
        assert headers["user-agent"].endswith(" " + SUFFIX), headers["user-agent"]
    if scope == "own":
        assert methods == ["GET"], "no CORS preflight for the own-origin header"
        assert "x-cxmon-synthetic" not in third[0]
        assert "HeadlessChrome" in third[0]["user-agent"]
    else:
        assert methods == ["OPTIONS"], methods
        assert "x-cxmon-synthetic" in third[0]["access-control-request-headers"]
        assert "iPhone" in own[0]["user-agent"]
    assert third[0]["user-agent"].endswith(" " + SUFFIX)


async def test_cleanup_cancels_the_placed_order_even_when_a_later_step_fails(demo_shop, tmp_path: Path) -> None:
    token = "cln-6d0e2b9a41"
    # The recording server answers 404 to the cancel request: a cleanup that did not work.
    with recording_server() as api:
        path = write_demo_scenario(tmp_path, secrets=["CARD_NUMBER", "CLEANUP_TOKEN"])
        data = yaml.safe_load(path.read_text())
        # After the order: a step that fails (the order status page has no such text).
        data["steps"].append({"name": "order-status", "stage": "confirmation", "expect": {"text": "Shipped"}})
        data["cleanup"] = {
            "method": "POST", "url": f"{api.url}/orders/${{order_number}}/cancel",
            "headers": {"Authorization": "Bearer ${CLEANUP_TOKEN}"}, "body": {"reason": "synthetic"},
        }
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        async with Runner(RunOptions(trace="off", step_timeout=5.0)) as runner:
            [result] = await runner.run(_journeys(path, {**demo_env(demo_shop), "CLEANUP_TOKEN": token}))
    assert result.outcome is Outcome.FAIL
    assert result.order_number
    [cancel] = [r for r in api.requests if r.method == "POST"]
    assert cancel.path == f"/orders/{result.order_number}/cancel"
    assert cancel.headers["Authorization"] == f"Bearer {token}"
    # Identified as the browser is: by the User-Agent suffix (no header is named by default).
    sent = {k.lower(): v for k, v in cancel.headers.items()}
    assert sent["user-agent"].endswith(" " + SUFFIX)
    assert "x-cxmon-synthetic" not in sent
    assert cancel.body == b'{"reason": "synthetic"}'
    # The recording server answers 404 there: recorded, a warning, and the token masked.
    assert result.cleanup is not None and result.cleanup["status"] == 404 and not result.cleanup["ok"]
    warnings = [f for f in result.findings if f.evidence.get("cleanup")]
    assert [w.severity for w in warnings] == [Severity.WARNING]
    assert warnings[0].kind is Kind.INFRASTRUCTURE
    assert {f.kind for f in result.failures()} == {Kind.ASSERTION}
    assert token not in str(result.to_dict())


async def test_no_cleanup_without_an_order(demo_shop, tmp_path: Path) -> None:
    demo_shop.faults.add("error_page")
    with recording_server() as api:
        path = write_demo_scenario(tmp_path, cleanup={"url": f"{api.url}/orders/${{order_number}}/cancel"})
        async with Runner(RunOptions(trace="off", step_timeout=5.0)) as runner:
            [result] = await runner.run(_journeys(path, demo_env(demo_shop)))
    assert result.outcome is Outcome.FAIL
    assert api.requests == [] and result.cleanup is None


def _get(url: str, context: ssl.SSLContext, auth: tuple[str, str] | None = None) -> tuple[int, bytes]:
    headers = {}
    if auth is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5, context=context) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_metrics_over_tls_with_basic_auth(demo_shop, tmp_path: Path) -> None:
    cert, key = self_signed_cert(tmp_path)
    password_file = tmp_path / "password"
    password_file.write_text("s3cret-scrape\n")
    path = write_demo_scenario(tmp_path, schedule="1h")
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [CXMON, "serve", str(path), "--listen", "127.0.0.1:0", "--tls-cert", str(cert), "--tls-key", str(key),
             "--basic-auth-user", "prometheus", "--basic-auth-password-file", str(password_file)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **demo_env(demo_shop)}, cwd=tmp_path,
            start_new_session=True,
        )
        try:
            url = wait_for("the listening line", lambda: (m := re.search(
                r"listening on (https://127\.0\.0\.1:\d+)/metrics", log_path.read_text())) and m.group(1), 30)
            trusted = ssl.create_default_context(cafile=str(cert))
            assert _get(f"{url}/healthz", trusted)[0] == 200
            status, _ = _get(f"{url}/metrics", trusted)
            assert status == 401
            assert _get(f"{url}/metrics", trusted, ("prometheus", "wrong"))[0] == 401
            assert _get(f"{url}/", trusted, ("prometheus", "wrong"))[0] == 401
            status, body = _get(f"{url}/metrics", trusted, ("prometheus", "s3cret-scrape"))
            assert status == 200 and b"cxmon_build_info" in body
            # Plain HTTP on the TLS port is no way around it.
            with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
                urllib.request.urlopen(url.replace("https", "http") + "/metrics", timeout=5).read()
            # Nor is a client that does not trust the certificate.
            with pytest.raises(urllib.error.URLError):
                urllib.request.urlopen(f"{url}/healthz", timeout=5, context=ssl.create_default_context())
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(40) == 0, log_path.read_text()
    assert "s3cret-scrape" not in log_path.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "nope.pem", "--tls-key", "nope.pem"], "no such file"),
        (["--basic-auth-user", "prometheus"], "needs a password"),
        (["--basic-auth-password-file", "pw"], "needs --basic-auth-user"),
    ],
)
def test_bad_tls_or_auth_flags_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    path = write_demo_scenario(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "CXMON_BASIC_AUTH_PASSWORD"}
    out = subprocess.run([CXMON, "serve", str(path), "--listen", "127.0.0.1:0", *args], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=60)
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and "Traceback" not in out.stderr
