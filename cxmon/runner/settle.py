"""When a page is usable, and when it has settled: the two clocks of a step.

*Usable* ends a step's budgeted time: the customer can act once the document has been parsed
(DOMContentLoaded) and neither the shop nor its payment provider has a request in flight for
:data:`USABLE_QUIET_SECONDS` — or, once the page's ``load`` event fired, none started before it
(a favicon or a poll started after the load does not hold the page). A third party's pixel or
tag still loading does not keep the customer waiting, so it does not count; the page's ``load``
event is still recorded (the full load) and a scenario may budget it instead
(``budgets.count: load``).

*Settled* ends waiting for something that is not there: the document is parsed, nothing of the
shop's or the provider's is in flight, and neither the network nor the DOM has changed for the
settle window (``timeouts.settle``, default :data:`SETTLE_SECONDS`). A page that is still loading
or still changing keeps the step's full time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page
from playwright.async_api import Request as PWRequest
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cxmon.detectors.base import Origin, PageLoad

USABLE_QUIET_SECONDS = 0.1
"""How long the shop's and the provider's network must stay idle before a page counts as usable."""
SETTLE_SECONDS = 2.0
"""The default settle window: network and DOM quiet this long, and an awaited element is absent."""
BUSY_SECONDS = 0.5
"""A page that takes longer to answer a one-line script is busy, not settled."""
LAST_LOOK_SECONDS = 0.3
SETTLE_POLL_SECONDS = 0.1
# Long-lived channels are never "done": they do not hold a page's usable time.
_NEVER_DONE = frozenset({"websocket", "eventsource", "ping"})

# Installed in every page before its scripts run: the time of the DOM's last change, for the
# settle window.
DOM_QUIET_INIT = """
(() => {
  if (window.__cxmonLastMutation !== undefined) return;
  window.__cxmonLastMutation = performance.now();
  // Observed from DOMContentLoaded on: a page still being parsed is not settled anyway, and
  // observing the parser would make a record of every node it inserts.
  const watch = () => {
    window.__cxmonLastMutation = performance.now();
    try {
      new MutationObserver(() => { window.__cxmonLastMutation = performance.now(); })
        .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
    } catch (e) { /* no observer: the page counts as quiet */ }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch, {once: true});
  else watch();
})();
"""
_QUIET_STATE = "() => [document.readyState, performance.now() - (window.__cxmonLastMutation || 0)]"


class NotThereWhenSettled(PlaywrightTimeout):
    """An awaited element or text did not come, and the page has settled: it will not come.

    A timeout, to the code that waits: every wait that handles a timeout handles this one.
    """


@dataclass
class _InFlight:
    origin: Origin
    started: float


class PageActivity:
    """Watches one page's requests (by whose they are), its load events and its DOM changes."""

    def __init__(self, page: Page, origin_class: Callable[[str], Origin], settle_seconds: float) -> None:
        self.page = page
        self.origin_class = origin_class
        self.settle_seconds = settle_seconds
        self._inflight: dict[PWRequest, _InFlight] = {}
        self._navigating: set[PWRequest] = set()
        """The main frame's document requests in flight: a navigation on its way to commit."""
        self._last_activity = time.monotonic()
        self._since = 0.0
        """Requests finished after this monotonic time are the current step's."""
        self.finished: list[PageLoad] = []
        """The current step's finished requests, in the order they finished."""
        self.load_at: float | None = None
        """When the current document's ``load`` event fired (monotonic), ``None`` until then."""
        self._on_load: list[Callable[[float], None]] = []
        self._dom_ready = asyncio.Event()
        """Set by the main frame's DOMContentLoaded (and when the page closes or crashes)."""
        self._changed = asyncio.Event()
        """Set when a request ends, the page loads or closes: what :meth:`wait_usable` wakes on."""
        page.on("request", self._on_request)
        page.on("requestfinished", self._on_finished)
        page.on("requestfailed", self._on_failed)
        page.on("load", self._on_load_event)
        page.on("domcontentloaded", self._on_dom_ready)
        page.on("close", self._on_gone)
        page.on("crash", self._on_gone)
        page.on("framenavigated", self._on_navigated)

    # --- events ------------------------------------------------------------------------------

    def _on_request(self, request: PWRequest) -> None:
        try:
            kind = request.resource_type
        except PlaywrightError:
            return
        if kind in _NEVER_DONE:
            return
        origin = self.origin_class(request.url)
        now = time.monotonic()
        self._inflight[request] = _InFlight(origin, now)
        if kind == "document" and _main_frame_navigation(request, self.page):
            self._navigating.add(request)
        if origin is not Origin.THIRD_PARTY:
            self._last_activity = now

    def _done(self, request: PWRequest) -> _InFlight | None:
        entry = self._inflight.pop(request, None)
        if request in self._navigating:
            self._navigating.discard(request)
            self._changed.set()
        if entry is not None and entry.origin is not Origin.THIRD_PARTY:
            self._last_activity = time.monotonic()
            self._changed.set()
        return entry

    def _on_finished(self, request: PWRequest) -> None:
        entry = self._done(request)
        if entry is None or entry.started < self._since:
            return
        ttfb: float | None = None
        with contextlib.suppress(PlaywrightError, KeyError, TypeError):
            start = request.timing["responseStart"]
            ttfb = round(start / 1000, 4) if start >= 0 else None
        try:
            main = request.is_navigation_request() and request.frame == self.page.main_frame
        except PlaywrightError:
            main = False
        self.finished.append(
            PageLoad(
                url=request.url,
                origin=entry.origin,
                resource_type=request.resource_type,
                seconds=round(time.monotonic() - entry.started, 4),
                server_seconds=ttfb,
                main_document=main,
            )
        )

    def _on_failed(self, request: PWRequest) -> None:
        self._done(request)

    def _on_load_event(self, _: Any) -> None:
        self.load_at = time.monotonic()
        self._changed.set()
        for callback in self._on_load:
            callback(self.load_at)
        self._on_load.clear()

    def _on_dom_ready(self, _: Any) -> None:
        self._dom_ready.set()

    def _on_gone(self, _: Any) -> None:
        self._dom_ready.set()
        self._changed.set()

    def _on_navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.load_at = None
            self._changed.set()
            # A load callback belongs to the document it was registered for.
            self._on_load.clear()

    # --- the step's clocks -------------------------------------------------------------------

    def begin(self) -> None:
        """Starts a step: requests finished from now on are its own."""
        self._since = time.monotonic()
        self.finished = []

    def busy(self) -> bool:
        """Whether the shop or the provider has a request in flight."""
        return any(e.origin is not Origin.THIRD_PARTY for e in self._inflight.values())

    def in_flight(self) -> list[tuple[PWRequest, Origin, float]]:
        """The requests still in flight: each with whose it is and when it started (monotonic)."""
        return [(request, entry.origin, entry.started) for request, entry in self._inflight.items()]

    def third_party_in_flight(self) -> int:
        """How many third-party requests are still in flight."""
        return sum(1 for e in self._inflight.values() if e.origin is Origin.THIRD_PARTY)

    async def wait_usable(self, deadline: float) -> None:
        """Waits until the page is usable (see the module docstring), at most until ``deadline``.

        Woken by the page's own events (a request ending, the load event) and by the end of the
        quiet window, not by polling: the step goes on the moment its page is usable.
        """
        await self._wait_dom_ready(deadline)
        while not self.page.is_closed():
            now = time.monotonic()
            busy = self.busy()
            if (not busy and now - self._last_activity >= USABLE_QUIET_SECONDS) or self._loaded_before_busy():
                return
            wake = deadline if busy else min(deadline, self._last_activity + USABLE_QUIET_SECONDS)
            if now >= deadline:
                return
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), max(wake - now, 0.001))

    async def wait_commit(self, navigations: Callable[[], int], before: int, since: float, deadline: float) -> None:
        """After an action that started a navigation of the page (at ``since``): waits until the new
        document commits (``navigations()`` passes ``before``), or the navigation ended without one
        (no document request of the main frame in flight, none started for the quiet window: a
        cancelled navigation, a 204, a download), at most until ``deadline``.

        What Playwright's own click waits for after the click; :meth:`wait_usable` goes on from the
        committed document.
        """
        while not self.page.is_closed():
            now = time.monotonic()
            if navigations() > before or now >= deadline:
                return
            if self._navigating:
                wake = deadline
            elif now - since >= USABLE_QUIET_SECONDS:
                return
            else:
                wake = since + USABLE_QUIET_SECONDS
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), max(min(wake, deadline) - now, 0.001))

    def load_states(self) -> set[str] | None:
        """The main frame's reached load states as Playwright keeps them (``None``: not readable)."""
        frame = self.page.main_frame
        states = getattr(getattr(frame, "_impl_obj", frame), "_load_states", None)
        return states if isinstance(states, set) else None

    async def _wait_dom_ready(self, deadline: float) -> None:
        """Waits for the current document's DOMContentLoaded, at most until ``deadline``.

        Playwright's own wait sends the driver a message before, during and after, even when the
        state is already reached, several times a step. The state it waits on is the main frame's
        load-state set, which the same events keep (a same-document navigation leaves it as it
        is): read here, and waited for by the page's own event. Without that set (another
        Playwright version), Playwright's wait answers.
        """
        states = self.load_states()
        if states is None:
            timeout = max((deadline - time.monotonic()) * 1000, 1.0)
            with contextlib.suppress(PlaywrightError):
                await self.page.wait_for_load_state("domcontentloaded", timeout=timeout)
            return
        if "domcontentloaded" in states or self.page.is_closed():
            return
        self._dom_ready.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._dom_ready.wait(), max(deadline - time.monotonic(), 0.001))

    def _loaded_before_busy(self) -> bool:
        """Whether the page's load event fired and only requests started after it are in flight
        (a favicon, a poll, a late widget): the page the customer waited for is there."""
        load_at = self.load_at
        if load_at is None:
            return False
        return all(e.started >= load_at for e in self._inflight.values() if e.origin is not Origin.THIRD_PARTY)

    async def wait_load(self, deadline: float) -> float | None:
        """Waits for the current document's ``load`` event, at most until ``deadline``; its time."""
        if self.load_at is None:
            timeout = max((deadline - time.monotonic()) * 1000, 1.0)
            with contextlib.suppress(PlaywrightError):
                await self.page.wait_for_load_state("load", timeout=timeout)
            if self.load_at is None and time.monotonic() < deadline:
                # The load state was reached before this document's event was seen here.
                self.load_at = time.monotonic()
        return self.load_at

    def when_loaded(self, callback: Callable[[float], None]) -> None:
        """Calls ``callback`` with the time of the current document's ``load`` event, at once when
        it has fired; never when the customer leaves the page first."""
        if self.load_at is not None:
            callback(self.load_at)
        else:
            self._on_load.append(callback)

    async def is_settled(self, since: float) -> bool:
        """Whether the page has settled: parsed, nothing of the shop's or provider's in flight,
        network and DOM quiet for the settle window, counted from ``since`` at the earliest."""
        window = self.settle_seconds
        now = time.monotonic()
        if window <= 0 or self.busy() or now - max(self._last_activity, since) < window:
            return False
        try:
            state, quiet_ms = await asyncio.wait_for(self.page.evaluate(_QUIET_STATE), BUSY_SECONDS)
        except (PlaywrightError, TimeoutError):
            return False
        if time.monotonic() - now > BUSY_SECONDS:
            # A browser too busy to answer at once may not have looked for the element either.
            self._last_activity = time.monotonic()
            return False
        # The DOM's quiet time counts from the wait's start too: a wait may begin on a page that
        # was quiet long before the action that should change it.
        return state != "loading" and min(quiet_ms / 1000, time.monotonic() - since) >= window

    async def settled(self) -> None:
        """Returns once the page has settled; never when the settle window is off (0)."""
        since = time.monotonic()
        while True:
            await asyncio.sleep(SETTLE_POLL_SECONDS)
            if await self.is_settled(since):
                return

    async def not_there(self, what: str = "") -> None:
        """Raises :class:`NotThereWhenSettled` once the page has settled (race it against a wait)."""
        await self.settled()
        # A last look: a wait that was about to see its element (a busy driver) still wins the race.
        await asyncio.sleep(LAST_LOOK_SECONDS)
        window = self.settle_seconds
        raise NotThereWhenSettled(
            f"{what or 'not there'}: the page settled (nothing of the shop's or provider's in flight, "
            f"network and DOM quiet for {window:g} s)"
        )


def _main_frame_navigation(request: PWRequest, page: Page) -> bool:
    try:
        return request.is_navigation_request() and request.frame == page.main_frame
    except PlaywrightError:
        return False


def slowest(loads: list[PageLoad], counted: frozenset[Origin]) -> PageLoad | None:
    """The longest of ``loads`` whose origin is ``counted``; the main document wins a tie."""
    candidates = [p for p in loads if p.origin in counted]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.seconds, p.main_document))
