"""The after-order cleanup request of a scenario (``cleanup:``): undo the test order.

Sent through the journey's browser context (``context.request``: its cookies, User-Agent and
extra headers), after the steps, whatever they found. The outcome goes into the result; a cleanup
that failed is a ``warning`` finding, never a journey failure: the customer's path worked or not
regardless of whether the monitor could tidy up after itself.
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.async_api import APIRequestContext
from playwright.async_api import Error as PlaywrightError

from cxmon.model import Finding, JourneyResult, Kind, Severity, Stage
from cxmon.scenario import Cleanup

_ORDER = re.compile(r"\$\{order_number\}")


def should_run(cleanup: Cleanup | None, result: JourneyResult, order_number: str | None) -> bool:
    """``order_placed``: only when an order number was captured; ``always``: after every walk."""
    if cleanup is None:
        return False
    return cleanup.run == "always" or bool(order_number)


def _fill(value: Any, order_number: str) -> Any:
    if isinstance(value, str):
        return _ORDER.sub(lambda _: order_number, value)
    if isinstance(value, dict):
        return {k: _fill(v, order_number) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, order_number) for v in value]
    return value


async def send_cleanup(
    request: APIRequestContext,
    cleanup: Cleanup,
    base_url: str,
    order_number: str | None,
    extra_headers: dict[str, str],
    result: JourneyResult,
) -> None:
    """Sends the cleanup request and records its outcome in ``result.cleanup`` (and a warning on failure)."""
    number = order_number or ""
    url = _fill(cleanup.url, number)
    if not re.match(r"^https?://", url):
        url = f"{base_url.rstrip('/')}/{url.lstrip('/')}"
    headers = {**extra_headers, **_fill(dict(cleanup.headers), number)}
    kwargs: dict[str, Any] = {"method": cleanup.method, "headers": headers, "timeout": cleanup.timeout * 1000}
    if isinstance(cleanup.body, dict):
        kwargs["data"] = json.dumps(_fill(cleanup.body, number))
        headers.setdefault("Content-Type", "application/json")
    elif cleanup.body is not None:
        kwargs["data"] = _fill(cleanup.body, number)
    record: dict[str, Any] = {"method": cleanup.method, "url": url, "order_number": order_number}
    try:
        response = await request.fetch(url, **kwargs)
        record["status"] = response.status
        record["ok"] = response.ok
        if not response.ok:
            record["error"] = f"HTTP {response.status} {response.status_text}".strip()
        await response.dispose()
    except PlaywrightError as exc:
        record["ok"] = False
        record["error"] = exc.message.strip().splitlines()[0] if exc.message.strip() else type(exc).__name__
    result.cleanup = record
    if not record["ok"]:
        last = result.steps[-1] if result.steps else None
        result.findings.append(
            Finding(
                Kind.INFRASTRUCTURE,
                f"cleanup {cleanup.method} {url} failed: {record['error']} (the test order may need undoing by hand)",
                last.name if last else "",
                last.stage if last else Stage.CONFIRMATION,
                Severity.WARNING,
                {"cleanup": True, **record},
            )
        )
