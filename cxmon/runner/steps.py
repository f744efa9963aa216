"""Running one journey's steps in one browser context, watching every step.

The session records what the page did (responses, failed requests, page and console errors) into
the current step's observation, performs the step's actions the way a customer would, and hands
the observation to the detectors. It never force-clicks: an element a customer could not use is
a finding, not something to work around.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page, expect
from playwright.async_api import Locator as PWLocator
from playwright.async_api import Request as PWRequest
from playwright.async_api import Response as PWResponse
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cxmon.detectors import DetectorConfig, DetectorSet
from cxmon.detectors.base import (
    OWN,
    PROVIDER,
    THIRD_PARTY,
    ActionFailure,
    FailedRequest,
    PageSnapshot,
    Response,
    StepObservation,
    origin_of,
)
from cxmon.detectors.scripts import ACTION_PROBE, PAGE_SNAPSHOT
from cxmon.model import Finding, Severity, Stage, StepResult, StepStatus
from cxmon.scenario import FillField, Journey, Locator, Step

MAX_TEXT = 20_000
# How long an action element may take to become usable after it appeared (animations, late
# scripts) before cxmon reports what the customer would have met.
USABLE_GRACE_SECONDS = 2.0
_PROBE_INTERVAL = 0.1
# A page whose navigation never completes (a shop that accepts and never answers) leaves
# evaluate() waiting for a document that never comes: reading the page is bounded on its own.
SNAPSHOT_TIMEOUT_SECONDS = 3.0
_ALERT_POLL = """() => !!document.querySelector('[aria-invalid="true"], [role="alert"]:not(:empty)')"""


class StepStop(Exception):
    """Ends a step's actions early; the reason is already in the observation."""


def resolve(scope: Page | Frame, loc: Locator, include_hidden: bool = False) -> PWLocator:
    """A Playwright locator for a scenario locator.

    Role locators skip hidden elements unless ``include_hidden``: cxmon needs both to tell a
    hidden action element (a customer-facing fault) from a missing one (a changed page).
    """
    if loc.role is not None:
        found = scope.get_by_role(loc.role, name=loc.name, exact=loc.exact, include_hidden=include_hidden)  # type: ignore[arg-type]
    elif loc.text is not None:
        found = scope.get_by_text(loc.text, exact=loc.exact)
    elif loc.label is not None:
        found = scope.get_by_label(loc.label, exact=loc.exact)
    elif loc.test_id is not None:
        found = scope.get_by_test_id(loc.test_id)
    elif loc.css is not None:
        found = scope.locator(loc.css)
    elif loc.placeholder is not None:
        found = scope.get_by_placeholder(loc.placeholder, exact=loc.exact)
    elif loc.alt is not None:
        found = scope.get_by_alt_text(loc.alt, exact=loc.exact)
    elif loc.title is not None:
        found = scope.get_by_title(loc.title, exact=loc.exact)
    else:
        found = scope.locator(loc.selector or "")
    return found.nth(loc.nth) if loc.nth is not None else found.first


def humanize(method: str) -> str:
    """``mobile_pay`` → ``Mobile pay``: how a payment page labels a method."""
    return method.replace("_", " ").capitalize()


class JourneySession:
    """One journey's page, the observation of the step under way, and the step actions."""

    def __init__(
        self,
        journey: Journey,
        page: Page,
        base_url: str,
        detectors: DetectorSet,
        config: DetectorConfig,
        provider_origins: frozenset[str],
        probe_actions: bool = True,
        step_timeout: float | None = None,
    ) -> None:
        self.journey = journey
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.own_origin = origin_of(self.base_url)
        self.provider_origins = provider_origins
        self.detectors = detectors
        self.config = config
        self.probe_actions = probe_actions
        self.step_timeout = step_timeout
        self.obs: StepObservation | None = None
        self.navigations = 0
        self.fatal = asyncio.Event()
        self.order_number: str | None = None
        self.console: list[str] = []
        self.network_log: list[str] = []
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("pageerror", self._on_page_error)
        page.on("console", self._on_console)
        page.on("framenavigated", self._on_navigated)
        # A page closed under the journey (the browser crashed or was killed) ends every wait at once.
        page.on("close", lambda _: self.fatal.set())

    # --- page events ------------------------------------------------------------------------

    def _origin_class(self, url: str) -> str:
        origin = origin_of(url)
        if origin == self.own_origin:
            return OWN
        return PROVIDER if origin in self.provider_origins else THIRD_PARTY

    def _is_main_document(self, request: PWRequest) -> bool:
        try:
            return request.is_navigation_request() and request.frame == self.page.main_frame
        except PlaywrightError:
            return False

    def _on_response(self, response: PWResponse) -> None:
        request = response.request
        status = response.status
        main = self._is_main_document(request)
        if status >= 400:
            self.network_log.append(f"{request.method} {response.url} -> {status}")
        obs = self.obs
        if obs is None or (status < 400 and not main):
            return
        obs.responses.append(
            Response(
                response.url, status, request.method, request.resource_type, main, self._origin_class(response.url)
            )
        )
        if main and status >= 400:
            self.fatal.set()

    def _on_request_failed(self, request: PWRequest) -> None:
        error = request.failure or "failed"
        self.network_log.append(f"{request.method} {request.url} failed: {error}")
        obs = self.obs
        # Chromium aborts a page's own pending requests when it navigates away; not a fault.
        if obs is None or "ERR_ABORTED" in error:
            return
        main = self._is_main_document(request)
        obs.failed_requests.append(
            FailedRequest(
                request.url, error, request.method, request.resource_type, main, self._origin_class(request.url)
            )
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

    # --- steps -----------------------------------------------------------------------------------

    async def run_step(self, step: Step, stage: Stage, budget: float | None, budget_mode: str) -> StepResult:
        """Runs one step and returns its result with the detectors' findings."""
        timeout = self.step_timeout or step.timeout or self.journey.scenario.timeouts.step
        actions = tuple(
            a
            for a in ("goto", "fill", "select", "check", "pay", "click", "press", "wait_for", "expect", "confirm")
            if getattr(step, a) is not None
        )
        obs = StepObservation(
            step.name,
            stage,
            actions,
            step.pay.method if step.pay else None,
            budget_seconds=budget,
            budget_mode=budget_mode,
        )
        self.obs = obs
        self.fatal.clear()
        started_at = time.time()
        t0 = time.monotonic()
        deadline = t0 + timeout
        findings: list[Finding] = []
        # Set when the page was read before checks that then held at once: nothing new to read.
        read_before_checks = False
        try:
            # The hard limit: actions bound themselves by the deadline, this catches anything else.
            await asyncio.wait_for(self._perform(step, obs, deadline), timeout + 1.0)
            if obs.action_failure is None and not self.fatal.is_set():
                if (step.expect or step.confirm) and self.probe_actions:
                    # Look before waiting: an error page explains a missing text at once.
                    obs.snapshot = await self._snapshot(step)
                    findings = self._failures(obs)
                if not findings:
                    navigations = self.navigations
                    await asyncio.wait_for(self._check(step, obs, deadline), max(deadline - time.monotonic(), 0) + 1.0)
                    read_before_checks = obs.snapshot is not None and navigations == self.navigations
        except StepStop:
            pass
        except TimeoutError:
            obs.timed_out = True
        obs.duration_seconds = time.monotonic() - t0
        if step.optional and obs.action_failure is not None and obs.action_failure.reason == "missing":
            self.obs = None
            return StepResult(
                step.name, stage, StepStatus.SKIPPED, started_at, obs.duration_seconds, budget, self.page.url
            )
        if self.probe_actions:
            # A goto that timed out has no document to read: the browser is still waiting for it.
            fail = obs.action_failure
            if (fail is None or (fail.action, fail.reason) != ("goto", "timeout")) and not read_before_checks:
                obs.snapshot = await self._snapshot(step)
            findings = self.detectors.detect(obs, self.config)
        else:
            findings = _bare_findings(obs)
        self.obs = None
        failed = (
            any(f.severity is Severity.FAILURE for f in findings)
            or obs.action_failure is not None
            or obs.assertion_failure is not None
            or obs.confirm_failure is not None
            or obs.timed_out
        )
        timings = {}
        if obs.snapshot is not None and obs.navigated:
            timings = dict(obs.snapshot.timings)
        return StepResult(
            step.name,
            stage,
            StepStatus.FAILED if failed else StepStatus.PASSED,
            started_at,
            obs.duration_seconds,
            budget,
            obs.url or self.page.url,
            findings,
            timings,
        )

    def _failures(self, obs: StepObservation) -> list[Finding]:
        return [
            f
            for f in self.detectors.detect(obs, self.config)
            if f.severity is Severity.FAILURE and f.kind.value != "slow"
        ]

    async def _perform(self, step: Step, obs: StepObservation, deadline: float) -> None:
        page = self.page
        if step.goto is not None:
            url = step.goto if re.match(r"^https?://", step.goto) else f"{self.base_url}/{step.goto.lstrip('/')}"
            try:
                await page.goto(url, timeout=_ms(deadline), wait_until="load")
            except PlaywrightTimeout as exc:
                obs.action_failure = ActionFailure("goto", url, "timeout", _first_line(exc), url=url)
                raise StepStop from None
            except PlaywrightError as exc:
                obs.action_failure = ActionFailure("goto", url, "navigation", _net_error(exc), url=url)
                raise StepStop from None
        if step.fill:
            for f in step.fill:
                await self._act(page, f, "fill", deadline, lambda loc, t, v=f.value: loc.fill(v, timeout=t))  # type: ignore[misc]
        if step.select:
            for f in step.select:
                await self._act(
                    page, f, "select", deadline, lambda loc, t, v=f.value: loc.select_option(v, timeout=t)  # type: ignore[misc]
                )
        for loc in step.check or ():
            await self._act(page, loc, "check", deadline, lambda el, t: el.check(timeout=t))
        if step.pay is not None:
            await self._pay(step, obs, deadline)
        before = page.url
        if step.click is not None:
            await self._act(page, step.click, "click", deadline, lambda el, t: el.click(timeout=t))
        if step.press is not None:
            key = step.press.key
            if step.press.on is not None:
                await self._act(page, step.press.on, "press", deadline, lambda el, t: el.press(key, timeout=t))
            else:
                await page.keyboard.press(step.press.key)
        if step.pay is not None and (step.click is not None or step.press is not None):
            await self._settle_payment(before, deadline)
        await self._settle(deadline)
        if step.wait_for is not None:
            await self._wait_for(step, obs, deadline)

    async def _settle(self, deadline: float) -> None:
        # Not raced against fatal events: an error page loads too, and the detectors read it whole.
        with contextlib.suppress(PlaywrightError):
            await self.page.wait_for_load_state("load", timeout=_ms(deadline))

    async def _settle_payment(self, before: str, deadline: float) -> None:
        """A payment ends on another page, or shows why not: wait for either, whichever first.

        Payment forms often submit from script after a provider round trip, so the click itself
        returns before the browser leaves the page.
        """
        page = self.page
        leave = page.wait_for_url(lambda url: url != before, timeout=_ms(deadline), wait_until="load")

        async def shows_problem() -> None:
            while True:
                await asyncio.sleep(0.25)
                for frame in page.frames:
                    with contextlib.suppress(PlaywrightError):
                        if await frame.evaluate(_ALERT_POLL):
                            return

        with contextlib.suppress(PlaywrightError):
            await self._race(leave, shows_problem())

    async def _race(self, *aws: Awaitable[Any]) -> Any:
        """Waits for the first of ``aws`` (returning its result) or for a fatal page event (an error
        page, a crash; returning ``None``)."""
        tasks = [asyncio.ensure_future(a) for a in aws]
        fatal = asyncio.ensure_future(self.fatal.wait())
        try:
            done, _ = await asyncio.wait([*tasks, fatal], return_when=asyncio.FIRST_COMPLETED)
            for t in tasks:
                if t in done:
                    return t.result()
            return None
        finally:
            for t in (*tasks, fatal):
                if not t.done():
                    t.cancel()
            for t in tasks:
                with contextlib.suppress(BaseException):
                    await t

    async def _act(
        self,
        scope: Page | Frame,
        spec: Locator,
        action: str,
        deadline: float,
        do: Callable[[PWLocator, float], Awaitable[Any]],
        loc: PWLocator | None = None,
    ) -> None:
        """Does one action on an element a customer could use, or records why not."""
        loc = resolve(scope, spec) if loc is None else loc
        obs = self.obs
        assert obs is not None
        target = spec.describe()
        # Role locators skip hidden elements: look for any match, to tell hidden from missing.
        present = resolve(scope, spec, include_hidden=True) if spec.role is not None else loc
        probe: dict[str, Any] | None = None
        try:
            if self.probe_actions and action != "fill":
                # One round trip: waits until a match is attached, then reads what a customer meets.
                probe = await self._race(present.evaluate(ACTION_PROBE, timeout=_ms(deadline)))
            else:
                await self._race(present.wait_for(state="attached", timeout=_ms(deadline)))
        except PlaywrightTimeout:
            obs.action_failure = ActionFailure(
                action, target, "missing", f"{target} is not on the page", url=self.page.url
            )
            raise StepStop from None
        if self.fatal.is_set():
            raise StepStop
        if present is not loc and (probe is None or probe.get("reason")):
            if not await self._appears(loc, deadline):
                # Only hidden matches: what the customer meets is the hidden element.
                probe = probe or await self._probe(present)
                obs.action_failure = ActionFailure(
                    action, target, "not_usable", "hidden", probe or {"reason": "hidden"}, url=self.page.url
                )
                raise StepStop
            if probe is not None:
                probe = await self._probe(loc)
        if probe is not None and probe.get("reason"):
            probe = await self._usable(loc, deadline, probe)
            if probe is not None and probe.get("reason"):
                obs.action_failure = ActionFailure(
                    action, target, "not_usable", probe["reason"], probe, url=self.page.url
                )
                raise StepStop
        try:
            await self._race(do(loc, _ms(deadline)))
        except PlaywrightTimeout as exc:
            probe = await self._probe(loc) if self.probe_actions else None
            reason = "not_usable" if probe and probe.get("reason") else "timeout"
            obs.action_failure = ActionFailure(action, target, reason, _first_line(exc), probe, url=self.page.url)
            raise StepStop from None

    async def _appears(self, loc: PWLocator, deadline: float) -> bool:
        """Whether an accessible match shows up within the grace a late page gets."""
        grace_end = min(time.monotonic() + USABLE_GRACE_SECONDS, deadline)
        while True:
            with contextlib.suppress(PlaywrightError):
                if await loc.count():
                    return True
            if time.monotonic() >= grace_end:
                return False
            await asyncio.sleep(_PROBE_INTERVAL)

    async def _probe(self, loc: PWLocator) -> dict[str, Any] | None:
        try:
            return await loc.evaluate(ACTION_PROBE, timeout=2000)
        except PlaywrightError:
            return None

    async def _usable(
        self, loc: PWLocator, deadline: float, probe: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """Probes again until the element is usable: a late page gets a short grace before cxmon
        calls it unusable."""
        grace_end = min(time.monotonic() + USABLE_GRACE_SECONDS, deadline)
        while probe is not None and probe.get("reason") and time.monotonic() < grace_end:
            await asyncio.sleep(_PROBE_INTERVAL)
            probe = await self._probe(loc)
        return probe

    async def _pay(self, step: Step, obs: StepObservation, deadline: float) -> None:
        pay = step.pay
        assert pay is not None
        page = self.page
        method = pay.method
        if pay.select is not None:
            chooser = resolve(page, pay.select)
            target = pay.select.describe()
        else:
            chooser = (
                page.locator(f'input[type="radio"][value="{method}"], option[value="{method}"]')
                .or_(page.get_by_label(humanize(method), exact=True))
                .first
            )
            target = f"payment method {method}"
        try:
            await self._race(chooser.wait_for(state="attached", timeout=_ms(deadline)))
        except PlaywrightTimeout:
            obs.action_failure = ActionFailure(
                "select_method", target, "missing", f"payment method {method} is not offered", url=page.url
            )
            raise StepStop from None
        if self.fatal.is_set():
            raise StepStop
        tag = await chooser.evaluate("(el) => el.tagName.toLowerCase()")
        if tag == "option":
            select = page.locator(f'select:has(option[value="{method}"])').first
            await select.select_option(method, timeout=_ms(deadline))
        else:
            spec = pay.select or Locator(css=f'input[value="{method}"]')
            await self._act(page, spec, "check", deadline, lambda el, t: el.check(timeout=t), loc=chooser)
        for f in (*pay.fill, *pay.method_fields.get(method, ())):
            frame = await self._frame_of(f, deadline)
            await self._act(frame, f, "fill", deadline, lambda el, t, v=f.value: el.fill(v, timeout=t))  # type: ignore[misc]

    async def _frame_of(self, spec: FillField, deadline: float) -> Page | Frame:
        """Payment fields often live in the provider's iframe: look in every frame until found."""
        while True:
            for frame in self.page.frames:
                with contextlib.suppress(PlaywrightError):
                    if await resolve(frame, spec).count():
                        return frame
            if time.monotonic() >= deadline or self.fatal.is_set():
                return self.page
            await asyncio.sleep(_PROBE_INTERVAL)

    async def _wait_for(self, step: Step, obs: StepObservation, deadline: float) -> None:
        w = step.wait_for
        assert w is not None
        try:
            if w.element is not None:
                await self._race(resolve(self.page, w.element).wait_for(state=w.state, timeout=_ms(deadline)))
            if w.url is not None:
                pattern = re.compile(w.url)
                await self._race(self.page.wait_for_url(lambda u: bool(pattern.search(u)), timeout=_ms(deadline)))
            if w.load_state is not None:
                await self._race(self.page.wait_for_load_state(w.load_state, timeout=_ms(deadline)))
        except PlaywrightTimeout as exc:
            what = w.element.describe() if w.element else (f"URL {w.url}" if w.url else w.load_state or "")
            obs.action_failure = ActionFailure("wait_for", what, "timeout", _first_line(exc), url=self.page.url)
            raise StepStop from None

    async def _check(self, step: Step, obs: StepObservation, deadline: float) -> None:
        page = self.page
        body = page.locator("body")
        e = step.expect
        try:
            if e is not None:
                if e.url is not None:
                    obs.assertion_failure = {"expected": f"URL matching {e.url}", "actual": page.url}
                    await self._race(expect(page).to_have_url(re.compile(e.url), timeout=_ms(deadline)))
                if e.title is not None:
                    obs.assertion_failure = {"expected": f"title containing {e.title!r}", "actual": await page.title()}
                    await self._race(expect(page).to_have_title(re.compile(re.escape(e.title)), timeout=_ms(deadline)))
                if e.text is not None:
                    obs.assertion_failure = {"expected": f"text {e.text!r} on the page", "actual": page.url}
                    await self._race(expect(body).to_contain_text(e.text, timeout=_ms(deadline)))
                if e.not_text is not None:
                    obs.assertion_failure = {"expected": f"no text {e.not_text!r} on the page", "actual": page.url}
                    await self._race(expect(body).not_to_contain_text(e.not_text, timeout=_ms(deadline)))
                if e.visible is not None:
                    obs.assertion_failure = {"expected": f"{e.visible.describe()} visible", "actual": page.url}
                    await self._race(expect(resolve(page, e.visible)).to_be_visible(timeout=_ms(deadline)))
                obs.assertion_failure = None
        except (AssertionError, PlaywrightTimeout):
            raise StepStop from None
        if self.fatal.is_set():
            obs.assertion_failure = None
            raise StepStop
        c = step.confirm
        if c is None:
            return
        try:
            if c.url is not None:
                obs.confirm_failure = {"missing": f"the confirmation URL (matching {c.url})", "expected_url": c.url}
                await self._race(expect(page).to_have_url(re.compile(c.url), timeout=_ms(deadline)))
            if c.text is not None:
                obs.confirm_failure = {"missing": f"the text {c.text!r}", "expected_text": c.text}
                await self._race(expect(body).to_contain_text(c.text, timeout=_ms(deadline)))
            if c.order_number is not None:
                pattern = re.compile(c.order_number)
                obs.confirm_failure = {"missing": "an order number", "order_number_pattern": c.order_number}
                await self._race(expect(body).to_contain_text(pattern, timeout=_ms(deadline)))
                m = pattern.search(await body.inner_text(timeout=_ms(deadline)))
                if m:
                    self.order_number = m.group(1) if m.groups() else m.group(0)
            obs.confirm_failure = None
        except (AssertionError, PlaywrightTimeout):
            raise StepStop from None
        if self.fatal.is_set():
            obs.confirm_failure = None

    async def _snapshot(self, step: Step) -> PageSnapshot | None:
        cfg = {
            "max_text": MAX_TEXT,
            "error_selectors": list(self.config.error_selectors),
            "decline_selectors": list(self.config.decline_selectors),
            "validation_selectors": list(self.config.validation_selectors),
        }
        data = None
        for _ in range(3):
            try:
                data = await asyncio.wait_for(self.page.evaluate(PAGE_SNAPSHOT, cfg), SNAPSHOT_TIMEOUT_SECONDS)
                break
            except TimeoutError:
                return None
            except PlaywrightError as exc:
                # A navigation was still under way (a form answered with an error page, a late
                # redirect): read the page it lands on.
                if "context was destroyed" not in exc.message and "navigat" not in exc.message:
                    return None
                with contextlib.suppress(PlaywrightError):
                    await self.page.wait_for_load_state("load", timeout=5000)
        if data is None:
            return None
        snap = PageSnapshot(**data)
        if step.pay is not None or (self.obs is not None and self.obs.stage is Stage.PAYMENT):
            # The provider's iframe is part of what the customer sees on a payment page.
            for frame in self.page.frames[1:]:
                try:
                    sub = await asyncio.wait_for(frame.evaluate(PAGE_SNAPSHOT, cfg), SNAPSHOT_TIMEOUT_SECONDS)
                except (PlaywrightError, TimeoutError):
                    continue
                snap.invalid_fields.extend(sub["invalid_fields"])
                snap.alerts.extend(sub["alerts"])
                snap.decline_selector_hits.extend(sub["decline_selector_hits"])
                snap.text += "\n" + sub["text"]
        return snap


def _bare_findings(obs: StepObservation) -> list[Finding]:
    """Without detectors: a failed step still says it failed, without classifying why."""
    from cxmon.detectors.assertion import AssertionDetector
    from cxmon.detectors.base import DetectorConfig as Cfg
    from cxmon.detectors.timeout import TimeoutDetector

    return [*AssertionDetector().detect(obs, Cfg()), *TimeoutDetector().detect(obs, Cfg())]


def _ms(deadline: float) -> float:
    return max((deadline - time.monotonic()) * 1000, 1.0)


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__


def _net_error(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    m = re.search(r"net::ERR_[A-Z_]+", text)
    return m.group(0) if m else _first_line(exc)
