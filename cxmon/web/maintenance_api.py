"""``/api/maintenance``: open, list and end ad-hoc maintenance windows on a running ``cxmon serve``.

- ``GET /api/maintenance``            the open ad-hoc windows and every journey's window now,
- ``POST /api/maintenance``           ``{"for": "30m", "scenario": NAME?, "mode": "skip"|"run", "reason": TEXT?}``
  opens a window (201, the window),
- ``DELETE /api/maintenance/{id}``    ends that window early; ``DELETE /api/maintenance?scenario=NAME``
  ends that scenario's windows, ``DELETE /api/maintenance`` all of them (200, the windows ended).

Every call must authenticate, whatever else serve asks for: a window silences the shipped alerts,
so an anonymous caller must not be able to open one. A call carries either the bearer token of
``--maintenance-token-file`` (or ``CXMON_MAINTENANCE_TOKEN``) or, when serve asks for basic auth,
its user and password. With neither configured the API answers 403 and stays shut.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from cxmon.durations import parse_duration
from cxmon.maintenance import MODES

log = logging.getLogger("cxmon.serve")

PREFIX = "/api/maintenance"
MAX_SECONDS = 7 * 24 * 3600.0
"""The longest ad-hoc window: a forgotten one must end by itself."""

Authorizer = Callable[[web.Request], bool]


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, indent=2) + "\n")


def _problem(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def add_maintenance_routes(app: web.Application, scheduler: Any, authorize: Authorizer | None) -> None:
    """Adds the API to ``app``. ``authorize`` says whether a request carries valid credentials;
    ``None``: no credentials are configured, so every call is refused."""

    def guard(request: web.Request) -> web.Response | None:
        if authorize is None:
            return _problem(403, "the maintenance API is off: start cxmon serve with --maintenance-token-file "
                                 "(or CXMON_MAINTENANCE_TOKEN) or --basic-auth-user")
        if not authorize(request):
            return _problem(401, "authentication required: a bearer token or basic auth credentials",
                            {"WWW-Authenticate": 'Bearer realm="cxmon", Basic realm="cxmon"'})
        return None

    def listing() -> dict[str, Any]:
        now = time.time()
        journeys = []
        for key in list(scheduler.journeys):
            window = scheduler.maintenance_window(key, now)
            journeys.append({"journey": key.id, "labels": key.labels(),
                             "maintenance": window.to_dict() if window else None})
        return {"now": now, "windows": [w.to_dict() for w in scheduler.adhoc.open_at(now)], "journeys": journeys}

    async def get(request: web.Request) -> web.Response:
        refused = guard(request)
        return refused or _json(listing())

    async def post(request: web.Request) -> web.Response:
        refused = guard(request)
        if refused:
            return refused
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            return _problem(400, "expected a JSON object like {\"for\": \"30m\"}")
        if not isinstance(body, dict):
            return _problem(400, "expected a JSON object like {\"for\": \"30m\"}")
        unknown = sorted(set(body) - {"for", "scenario", "mode", "reason"})
        if unknown:
            return _problem(400, f"unknown field(s) {', '.join(unknown)}; expected for, scenario, mode, reason")
        try:
            seconds = parse_duration(body.get("for"))
        except ValueError as exc:
            return _problem(400, f"for: {exc}")
        if not 0 < seconds <= MAX_SECONDS:
            return _problem(400, f"for: expected more than 0s and at most 7 days, got {body.get('for')!r}")
        mode = body.get("mode", "skip")
        if mode not in MODES:
            return _problem(400, f"mode: expected {' or '.join(MODES)}, got {mode!r}")
        scenario = body.get("scenario")
        known = {key.scenario for key in scheduler.journeys}
        if scenario is not None and scenario not in known:
            return _problem(404, f"scenario: no scenario named {scenario!r} is served; known: "
                                 f"{', '.join(sorted(known)) or 'none'}")
        reason = str(body.get("reason") or "")[:200]
        window = scheduler.adhoc.start(seconds, time.time(), scenario, mode, reason)
        scheduler.refresh_maintenance()
        log.warning("maintenance window %s opened for %s (%s, %gs)%s", window.id, scenario or "every scenario",
                    mode, seconds, f": {reason}" if reason else "")
        return _json(window.to_dict(), status=201)

    async def delete(request: web.Request) -> web.Response:
        refused = guard(request)
        if refused:
            return refused
        window_id = request.match_info.get("id")
        scenario = request.query.get("scenario")
        ended = scheduler.adhoc.end(time.time(), window_id, scenario)
        if window_id is not None and not ended:
            return _problem(404, f"no open maintenance window {window_id!r}")
        scheduler.refresh_maintenance()
        for window in ended:
            log.warning("maintenance window %s ended early", window.id)
        return _json({"ended": [w.to_dict() for w in ended]})

    app.router.add_get(PREFIX, get)
    app.router.add_post(PREFIX, post)
    app.router.add_delete(PREFIX, delete)
    app.router.add_delete(PREFIX + "/{id}", delete)
