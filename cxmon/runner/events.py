"""Turning what a page does into the observation of the step under way.

The event recorder listens to the page's events (responses, failed requests, page and console errors,
navigations) and files each into the current step's :class:`StepObservation`; it also reads the
page's facts (text, alerts, invalid fields, timings) for the detectors. It performs no action: the
action driver does, and both meet in the journey session.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page
from playwright.async_api import Request as PWRequest
from playwright.async_api import Response as PWResponse

from cxmon.detectors import DetectorConfig
from cxmon.detectors.base import (
    FailedRequest,
    InvalidField,
    MessageRole,
    Origin,
    PageIdentity,
    PageMessage,
    PageSnapshot,
    Response,
    StepObservation,
    origin_of,
)
from cxmon.detectors.scripts import PAGE_SNAPSHOT
from cxmon.detectors.signals import PAGE_CATEGORIES, selectors

MAX_TEXT = 20_000
# A page whose navigation never completes (a shop that accepts and never answers) leaves
# evaluate() waiting for a document that never comes: reading the page is bounded on its own.
SNAPSHOT_TIMEOUT_SECONDS = 3.0


def request_line(seconds: float, step: str, outcome: str, request: PWRequest, origin: Origin, server: str = "") -> str:
    """One line of ``network.log``: when, in which step, status, method, type, whose, server time, URL."""
    return (
        f"{seconds:8.3f}s  {step:<16.16} {outcome:<5} {request.method:<6} {request.resource_type:<10} "
        f"{origin.value:<11} {server:>8}  {request.url}"
    )


class EventRecorder:
    """Files one page's events into the observation of the step under way.

    ``fatal`` is set by what ends a step at once: an error document, a failed navigation, an
    uncaught page error, the page closing under the journey.
    """

    def __init__(self, page: Page, own_origin: str, provider_origins: frozenset[str]) -> None:
        self.page = page
        self.own_origin = own_origin
        self.provider_origins = provider_origins
        self.obs: StepObservation | None = None
        self.step_started_ms = 0.0
        """When the current step began (epoch ms, the page's ``Date.now()`` clock): messages raised since are new."""
        self.navigations = 0
        self.fatal = asyncio.Event()
        self.console: list[str] = []
        """The journey's console log (errors and warnings), for the evidence files."""
        self.network_log: list[str] = []
        """The journey's failed and >= 400 requests, for the evidence files."""
        self.started = time.monotonic()
        self.requests: list[str] = []
        """Every request of the journey as it was answered or failed: when (seconds from the
        journey's start), in which step, status, method, type, whose, server time and URL. The
        default record of a failed journey's network (``network.log``), where no trace is taken."""
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("pageerror", self._on_page_error)
        page.on("console", self._on_console)
        page.on("framenavigated", self._on_navigated)
        # A page closed under the journey (the browser crashed or was killed) ends every wait at once.
        page.on("close", lambda _: self.fatal.set())

    def begin(self, obs: StepObservation) -> None:
        """Starts filing events into ``obs``."""
        self.obs = obs
        self.fatal.clear()
        self.step_started_ms = time.time() * 1000
        if not obs.start_url:
            obs.start_url = self.page.url

    def end(self) -> None:
        """Stops filing events: what happens between steps belongs to no step."""
        self.obs = None

    def origin_class(self, url: str) -> Origin:
        """Whose server the URL is on: the shop's, its payment provider's or a third party's."""
        origin = origin_of(url)
        if origin == self.own_origin:
            return Origin.OWN
        return Origin.PROVIDER if origin in self.provider_origins else Origin.THIRD_PARTY

    def _is_main_document(self, request: PWRequest) -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except PlaywrightError:
            return False

    def _log_request(self, request: PWRequest, outcome: str) -> None:
        server = ""
        with contextlib.suppress(PlaywrightError, KeyError, TypeError):
            timing = request.timing
            if timing["responseStart"] >= 0 and timing["requestStart"] >= 0:
                server = f"{timing['responseStart'] - timing['requestStart']:.0f} ms"
        step = self.obs.step if self.obs is not None else "-"
        at = time.monotonic() - self.started
        self.requests.append(request_line(at, step, outcome, request, self.origin_class(request.url), server))

    def _on_response(self, response: PWResponse) -> None:
        request = response.request
        status = response.status
        main = self._is_main_document(request)
        self._log_request(request, str(status))
        if status >= 400:
            self.network_log.append(f"{request.method} {response.url} -> {status}")
        obs = self.obs
        if obs is None or (status < 400 and not main):
            return
        obs.responses.append(
            Response(response.url, status, request.method, request.resource_type, main, self.origin_class(response.url))
        )
        if main and status >= 400:
            self.fatal.set()

    def _on_request_failed(self, request: PWRequest) -> None:
        error = request.failure or "failed"
        self.network_log.append(f"{request.method} {request.url} failed: {error}")
        self._log_request(request, f"failed ({error})")
        obs = self.obs
        # Chromium aborts a page's own pending requests when it navigates away; not a fault.
        if obs is None or "ERR_ABORTED" in error:
            return
        main = self._is_main_document(request)
        origin = self.origin_class(request.url)
        obs.failed_requests.append(
            FailedRequest(request.url, error, request.method, request.resource_type, main, origin)
        )
        if main:
            self.fatal.set()

    def _on_page_error(self, error: PlaywrightError) -> None:
        message = f"{error.name}: {error.message}" if getattr(error, "name", "") else str(error.message)
        self.console.append(f"[pageerror] {message}")
        if self.obs is not None:
            self.obs.page_errors.append(message)
            self.fatal.set()

    def _on_console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.console.append(f"[{message.type}] {message.text}")
            if message.type == "error" and self.obs is not None:
                self.obs.console_errors.append(message.text)

    def _on_navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.navigations += 1
            if self.obs is not None:
                self.obs.navigated = True

    async def snapshot(self, config: DetectorConfig, with_frames: bool) -> PageSnapshot | None:
        """Reads the page's facts; ``with_frames`` adds the child frames' (a provider's iframe is
        part of what the customer sees on a payment page). ``None`` when the page cannot be read."""
        cfg = {
            "max_text": MAX_TEXT,
            "error_selectors": list(config.error_selectors),
            "decline_selectors": list(config.decline_selectors),
            "validation_selectors": list(config.validation_selectors),
            **_signal_cfg(self.step_started_ms),
        }
        data = await self._read_main_frame(cfg)
        if data is None:
            return None
        snap = _to_snapshot(data)
        if with_frames:
            for frame in self.page.frames[1:]:
                try:
                    sub = await asyncio.wait_for(frame.evaluate(PAGE_SNAPSHOT, cfg), SNAPSHOT_TIMEOUT_SECONDS)
                except (PlaywrightError, TimeoutError):
                    continue
                part = _to_snapshot(sub)
                snap.invalid_fields.extend(part.invalid_fields)
                snap.alerts.extend(part.alerts)
                snap.decline_selector_hits.extend(part.decline_selector_hits)
                snap.messages.extend(part.messages)
                snap.text += "\n" + part.text
        return snap

    async def _read_main_frame(self, cfg: dict[str, Any]) -> dict[str, Any] | None:
        for _ in range(3):
            try:
                data: dict[str, Any] = await asyncio.wait_for(
                    self.page.evaluate(PAGE_SNAPSHOT, cfg), SNAPSHOT_TIMEOUT_SECONDS
                )
                return data
            except TimeoutError:
                return None
            except PlaywrightError as exc:
                # A navigation was still under way (a form answered with an error page, a late
                # redirect): read the page it lands on.
                if "context was destroyed" not in exc.message and "navigat" not in exc.message:
                    return None
                with contextlib.suppress(PlaywrightError):
                    await self.page.wait_for_load_state("load", timeout=5000)
        return None


def _signal_cfg(since_ms: float) -> dict[str, Any]:
    """The snapshot script's share of selectors.yml, and the time from which a message is new."""
    shipped = selectors()
    return {
        "since": since_ms,
        "alert_selectors": list(shipped["message_alert"]),
        "status_selectors": list(shipped["message_status"]),
        "signal_selectors": {c: list(shipped[c]) for c in PAGE_CATEGORIES},
    }


def _to_snapshot(data: dict[str, Any]) -> PageSnapshot:
    """The snapshot from what the page script returned."""
    fields = [InvalidField(str(f.get("field") or ""), str(f.get("message") or "")) for f in data["invalid_fields"]]
    return PageSnapshot(
        url=data["url"],
        title=data["title"],
        text=data["text"],
        main_text=data["text"],
        error_selector_hits=list(data["error_selector_hits"]),
        decline_selector_hits=list(data["decline_selector_hits"]),
        invalid_fields=fields,
        alerts=list(data["alerts"]),
        timings={k: float(v) for k, v in data["timings"].items()},
        lang=str(data.get("lang") or ""),
        messages=[
            PageMessage(str(m["text"]), MessageRole(m["role"]), bool(m["new"]), str(m.get("source") or ""))
            for m in data.get("messages") or ()
        ],
        availability=[str(a) for a in data.get("availability") or () if a],
        product=str(data.get("product") or ""),
        identity=_identity(data.get("identity")),
        signal_hits={str(k): [str(s) for s in v] for k, v in (data.get("signal_hits") or {}).items()},
    )


def _identity(data: dict[str, Any] | None) -> PageIdentity | None:
    if not data:
        return None
    return PageIdentity(
        str(data.get("title") or ""),
        str(data.get("heading") or ""),
        [str(x) for x in data.get("landmarks") or ()],
        [str(x) for x in data.get("forms") or ()],
    )
