"""``cxmon maintenance start|list|end``: ad-hoc maintenance windows on a running ``cxmon serve``.

The commands call serve's ``/api/maintenance`` (see :mod:`cxmon.web.maintenance_api`) with a bearer
token (``--token-file`` or ``CXMON_MAINTENANCE_TOKEN``) or basic auth (``--user`` with
``--password-file`` or ``CXMON_BASIC_AUTH_PASSWORD``). Secrets never come from the command line,
where every user of the machine could read them.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from cxmon.cli.common import stdout_console
from cxmon.cli.status import ExitStatus
from cxmon.errors import InfrastructureError, InputError

DEFAULT_URL = "http://127.0.0.1:9464"
TOKEN_ENV = "CXMON_MAINTENANCE_TOKEN"
PASSWORD_ENV = "CXMON_BASIC_AUTH_PASSWORD"

app = typer.Typer(help="Open, list and end ad-hoc maintenance windows on a running cxmon serve.",
                  no_args_is_help=True)

UrlOpt = typer.Option(DEFAULT_URL, "--url", envvar="CXMON_URL", help="The cxmon serve to talk to (its --listen "
                      "address, https:// with --tls-cert).")
TokenFileOpt = typer.Option(None, "--token-file", help="File holding serve's maintenance token (default: the "
                            f"{TOKEN_ENV} variable).")
UserOpt = typer.Option(None, "--user", help="Basic auth user of serve (--basic-auth-user) instead of a token.")
PasswordFileOpt = typer.Option(None, "--password-file", help=f"File holding --user's password (default: the "
                               f"{PASSWORD_ENV} variable).")
CaFileOpt = typer.Option(None, "--ca-file", help="PEM file of the CA (or self-signed certificate) that serve's "
                         "TLS certificate is checked against.")


def _read_secret(path: Path, flag: str) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{flag}: cannot read {path}: {exc}") from None


def auth_header(token_file: Path | None, user: str | None, password_file: Path | None,
                env: dict[str, str]) -> str:
    """The ``Authorization`` header value; raises ``InputError`` when no credentials are given."""
    if user is not None:
        password = _read_secret(password_file, "--password-file") if password_file else env.get(PASSWORD_ENV, "")
        if not password:
            raise InputError(f"--user needs a password: --password-file FILE or the {PASSWORD_ENV} variable")
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    token = _read_secret(token_file, "--token-file") if token_file else env.get(TOKEN_ENV, "").strip()
    if not token:
        raise InputError(f"no credentials: --token-file FILE, the {TOKEN_ENV} variable, or --user")
    return f"Bearer {token}"


def call(url: str, method: str, path: str, authorization: str, body: dict[str, Any] | None = None,
         ca_file: Path | None = None) -> Any:
    """One API call; returns the JSON answer. Refusals are ``InputError``, an unreachable serve
    ``InfrastructureError``."""
    # ssl and urllib.request load only for this command's API calls, not on every start of cxmon.
    import ssl
    import urllib.error
    import urllib.request

    if not url.startswith(("http://", "https://")):
        raise InputError(f"--url: expected an http:// or https:// URL, got {url!r}")
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": authorization, "Accept": "application/json"}
    if data is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url.rstrip("/") + path, data=data, method=method, headers=headers)
    context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            message = json.loads(exc.read()).get("error", exc.reason)
        except (ValueError, AttributeError):
            message = exc.reason
        raise InputError(f"cxmon serve at {url} answered {exc.code}: {message}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InfrastructureError(f"cannot reach cxmon serve at {url}: {reason}") from None


def _when(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def _print_window(window: dict[str, Any], verb: str) -> None:
    scope = window.get("scenario") or "every scenario"
    stdout_console().print(
        f"{verb} maintenance window {window['id']} for {scope} ({window['mode']}): "
        f"{_when(window['start'])} → {_when(window['end'])}", markup=False, highlight=False
    )


@app.command("start")
def start(
    duration: str = typer.Option(..., "--for", help="How long the window lasts, e.g. 30m, 2h (at most 7 days)."),
    scenario: str | None = typer.Option(None, "--scenario", help="Only this scenario (default: every one)."),
    mode: str = typer.Option("skip", "--mode", help="skip: do not run the journeys; run: run them, count no "
                             "failure."),
    reason: str = typer.Option("", "--reason", help="Why, shown in the log and the listing."),
    url: str = UrlOpt,
    token_file: Path | None = TokenFileOpt,
    user: str | None = UserOpt,
    password_file: Path | None = PasswordFileOpt,
    ca_file: Path | None = CaFileOpt,
) -> int:
    """Open a maintenance window now: journeys are skipped (or not counted) and alerts stay quiet."""
    authorization = auth_header(token_file, user, password_file, dict(os.environ))
    body: dict[str, Any] = {"for": duration, "mode": mode, "reason": reason}
    if scenario is not None:
        body["scenario"] = scenario
    window = call(url, "POST", "/api/maintenance", authorization, body, ca_file)
    _print_window(window, "opened")
    return ExitStatus.OK


@app.command("list")
def list_windows(
    url: str = UrlOpt,
    token_file: Path | None = TokenFileOpt,
    user: str | None = UserOpt,
    password_file: Path | None = PasswordFileOpt,
    ca_file: Path | None = CaFileOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the API's answer as JSON."),
) -> int:
    """List the open ad-hoc windows and which journeys are in a window now (recurring ones too)."""
    answer = call(url, "GET", "/api/maintenance", auth_header(token_file, user, password_file, dict(os.environ)),
                  ca_file=ca_file)
    out = stdout_console()
    if as_json:
        out.print_json(json.dumps(answer))
        return ExitStatus.OK
    for window in answer["windows"]:
        _print_window(window, "open:")
    in_window = [j for j in answer["journeys"] if j["maintenance"]]
    for journey in in_window:
        window = journey["maintenance"]
        out.print(f"{journey['journey']}: in maintenance until {_when(window['end'])} ({window['source']})",
                  markup=False, highlight=False)
    if not answer["windows"] and not in_window:
        out.print("no journey is in a maintenance window", markup=False, highlight=False)
    return ExitStatus.OK


@app.command("end")
def end(
    window_id: str | None = typer.Argument(None, help="The window to end (default: every open ad-hoc window, "
                                           "or those of --scenario)."),
    scenario: str | None = typer.Option(None, "--scenario", help="End this scenario's ad-hoc windows."),
    url: str = UrlOpt,
    token_file: Path | None = TokenFileOpt,
    user: str | None = UserOpt,
    password_file: Path | None = PasswordFileOpt,
    ca_file: Path | None = CaFileOpt,
) -> int:
    """End ad-hoc maintenance windows early; the journeys run again at once."""
    path = "/api/maintenance" + (f"/{urllib.parse.quote(window_id)}" if window_id else "")
    if scenario is not None:
        path += "?" + urllib.parse.urlencode({"scenario": scenario})
    answer = call(url, "DELETE", path, auth_header(token_file, user, password_file, dict(os.environ)),
                  ca_file=ca_file)
    for window in answer["ended"]:
        _print_window(window, "ended")
    if not answer["ended"]:
        stdout_console().print("no open ad-hoc maintenance window to end", markup=False, highlight=False)
    return ExitStatus.OK


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="maintenance")
