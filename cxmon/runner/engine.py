"""The runner: one browser per process, one fresh context per journey, steps in order.

Later steps are skipped after a failed one (the customer could not go on either). A journey whose
failure is cxmon's own (the browser crashed, could not start) ends as ``error`` with an
``infrastructure`` finding, never blamed on the shop; the browser is relaunched for the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, BrowserContext, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from cxmon.detectors import DetectorConfig, DetectorSet, make_config
from cxmon.detectors.base import BudgetMode, StepObservation, origin_of
from cxmon.detectors.recording import recording_path, write_recording
from cxmon.detectors.scripts import MESSAGE_WATCH_INIT, WEB_VITALS_INIT
from cxmon.durations import format_duration
from cxmon.errors import InfrastructureError
from cxmon.mailcheck import EmailCheck, finish_email_check, pending_email
from cxmon.model import Finding, JourneyKey, JourneyResult, Kind, Outcome, Severity, Stage, StepResult, StepStatus
from cxmon.redact import Redactor
from cxmon.runner.after_purchase import (
    check_prices,
    email_check,
    new_run_id,
    record_captures,
    uses_run_id,
    with_run_id,
)
from cxmon.runner.browser import EarlyStart, launch, start_playwright
from cxmon.runner.cleanup import send_cleanup, should_run
from cxmon.runner.evidence import EvidenceWriter
from cxmon.runner.identity import apply_header, default_user_agent, route_header, user_agent_suffix, with_suffix
from cxmon.runner.settle import DOM_QUIET_INIT
from cxmon.runner.steps import JourneySession, ObservationSink, PageMemory
from cxmon.scenario import Journey

log = logging.getLogger("cxmon.runner")


class DeadBrowserNoise(logging.Filter):
    """Right after a browser crash Playwright may get a message about one of its objects that is
    already gone, and logs it as an error with a traceback. The crash itself is recorded as the
    journey's ``infrastructure`` finding; one warning line is all this deserves."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and "was not bound in the connection" in str(exc):
            record.msg = "ignored a message about an object of a closed browser: %s"
            record.args = (str(exc).strip().splitlines()[0],)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


logging.getLogger("playwright").addFilter(DeadBrowserNoise())

DESKTOP_VIEWPORT = {"width": 1280, "height": 720}
TRACE_MODES = ("on-retry", "retain-on-failure", "full-on-failure", "on", "off")
"""on-retry (default): no Playwright trace on a journey's first attempt (a failed journey's evidence
is cxmon's own record: every request with its timing, the console, the page's HTML and screenshot
at the failure, the steps and findings); an automatic re-run of a failed journey (--retries)
records a full trace, kept when it fails. retain-on-failure: every journey records actions,
network and console, no DOM snapshots, and a failed one keeps it. full-on-failure: the same with
DOM snapshots. on: every journey's full trace, screencast frames included, is kept. off: none, re-runs
included. Measured costs per journey: benchmarks/RESULTS.md."""


# One init script, not three: each is a driver round trip per context and a script per document.
# Each part is an IIFE that guards itself, so one that throws leaves the others installed.
PAGE_INIT = "\n".join(f"try {{ {part.strip().rstrip(';')}; }} catch (e) {{}}"
                      for part in (WEB_VITALS_INIT, MESSAGE_WATCH_INIT, DOM_QUIET_INIT))


def traces(mode: str, attempt: int) -> bool:
    """Whether attempt ``attempt`` (1: the first) of a journey records a Playwright trace."""
    if mode == "off":
        return False
    return attempt > 1 or mode != "on-retry"


DEAD_BROWSER_GRACE_SECONDS = 3.0
"""How long a journey may go on after its browser died: most calls fail at once, but a call that
was on its way when the browser was killed can go unanswered for ever."""
CLOSE_TIMEOUT_SECONDS = 10.0


@dataclass(eq=False)
class _Launched:
    """One launched browser and what the runner knows of it."""

    browser: Browser
    pid: int | None
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when this browser disconnects (crashed, killed or closed)."""
    started: int = 0
    """Journeys started on it, towards its replacement."""
    running: int = 0


@dataclass
class RunOptions:
    """How journeys are run; every field has a sensible default for a CLI run."""

    base_url: str | None = None
    """Overrides every scenario's base URL (preview deploys, a demo shop on another port)."""
    artifacts_dir: Path | None = None
    """Where evidence of failed journeys goes; ``None``: no evidence files."""
    trace: str = "on-retry"
    detectors: Sequence[str] | None = None
    """Names of the detectors to run; ``None``: all. An empty list runs the journey bare."""
    step_timeout: float | None = None
    """Overrides every step's time limit."""
    browser_args: Sequence[str] = ()
    ignore_https_errors: bool = False
    retries: int = 0
    record_observations: Path | None = None
    """Where each step's observation is written as YAML (``<journey>/<NN>-<step>.yml``); ``None``: not."""
    recycle_browser_after: int | None = 100
    """Journeys after which the browser is replaced by a fresh one (``None`` or 0: never). A
    long-lived Chromium's caches and heaps keep growing for hundreds of journeys; a new browser
    costs well under a second once in a hundred journeys."""
    on_progress: Callable[[JourneyKey, str], None] | None = None
    """Told what a journey waits for after its steps (the confirmation e-mail), for a progress line."""


class Runner:
    """Runs journeys in one browser. Use as ``async with Runner(options) as runner``."""

    def __init__(self, options: RunOptions | None = None) -> None:
        self.options = options or RunOptions()
        if self.options.trace not in TRACE_MODES:
            raise ValueError(f"trace must be one of {', '.join(TRACE_MODES)}")
        self.detectors = DetectorSet(self.options.detectors if self.options.detectors else None)
        self.probe = self.options.detectors is None or len(self.options.detectors) > 0
        self._pw: Playwright | None = None
        self._current: _Launched | None = None
        # Replaced browsers that still run journeys; each closes after its last one.
        self._retired: set[_Launched] = set()
        self._closing: set[asyncio.Future[None]] = set()
        self._launch_lock = asyncio.Lock()
        self.launches = 0
        self._default_user_agent: str | None = None
        # Confirmation e-mails still to check, by id() of the result they belong to.
        self._email_checks: dict[int, EmailCheck] = {}
        # What each journey's steps looked like when they last passed: lives as long as the runner
        # (a `serve` process), so a missing element can be told from a different page.
        self.page_memory: PageMemory = {}

    async def __aenter__(self) -> Runner:
        if self._pw is None:  # not started yet (``start(early)`` may have been called before)
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self, early: EarlyStart | None = None) -> None:
        """Starts Playwright and the browser, or takes those ``early`` started; raises
        ``InfrastructureError`` when it cannot."""
        if early is None:
            self._pw = await start_playwright()
            await self.browser()
            return
        self._pw, browser, pid = await early.result()
        async with self._launch_lock:
            self._adopt(browser, pid)

    async def close(self) -> None:
        for launched in self._retired:
            await _close_quietly(launched.browser)
        self._retired.clear()
        await asyncio.gather(*self._closing)
        if self._current is not None:
            await _close_quietly(self._current.browser)
            self._current = None
        if self._pw is not None:
            with contextlib.suppress(Exception):
                await self._pw.stop()
            self._pw = None

    @property
    def browser_connected(self) -> bool:
        return self._current is not None and self._current.browser.is_connected()

    @property
    def browser_pid(self) -> int | None:
        """The browser process id (where ``/proc`` tells it), for fault tests and health checks."""
        return self._current.pid if self._current is not None else None

    async def browser(self) -> Browser:
        """The browser, launched again if it died."""
        return (await self._launched()).browser

    @contextlib.asynccontextmanager
    async def _lease(self) -> AsyncIterator[_Launched]:
        """The browser for one journey; one replaced meanwhile closes after its last journey."""
        launched = await self._launched(journey=True)
        launched.running += 1
        try:
            yield launched
        finally:
            launched.running -= 1
            if launched.running == 0 and launched in self._retired:
                self._retired.discard(launched)
                self._close_aside(launched)

    async def _launched(self, journey: bool = False) -> _Launched:
        """The current browser, launched anew when it died or (``journey``: the caller starts a
        journey on it) when it has served ``recycle_browser_after`` journeys."""
        async with self._launch_lock:
            current = self._current
            alive = current is not None and current.browser.is_connected()
            every = self.options.recycle_browser_after
            due = bool(journey and every and current is not None and current.started >= every)
            if not alive or due:
                if self._pw is None:
                    raise InfrastructureError("the runner was not started")
                if current is not None and not alive:
                    log.warning("the browser is gone; launching a new one")
                # The old browser stays current until the new one is up: a failed launch leaves a
                # working browser in place, and readiness never flaps.
                browser, pid = await launch(self._pw, self.options.browser_args)
                if current is not None and alive:
                    log.info("replaced the browser after %d journeys", current.started)
                current = self._adopt(browser, pid)
            assert current is not None
            if journey:
                current.started += 1
            return current

    def _adopt(self, browser: Browser, pid: int | None) -> _Launched:
        """Makes a newly launched browser the current one; the one before retires."""
        self.launches += 1
        launched = _Launched(browser, pid)
        browser.on("disconnected", lambda _: launched.gone.set())
        if self._current is not None:
            self._retire(self._current)
        self._current = launched
        return launched

    def _retire(self, launched: _Launched) -> None:
        if launched.running:
            self._retired.add(launched)
        else:
            self._close_aside(launched)

    def _close_aside(self, launched: _Launched) -> None:
        """Closes a replaced browser without making any journey wait for it."""
        task = asyncio.ensure_future(_close_quietly(launched.browser))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def device_descriptor(self, name: str) -> dict[str, Any]:
        assert self._pw is not None
        try:
            return dict(self._pw.devices[name])
        except KeyError:
            raise InfrastructureError(f"unknown device {name!r} (see `cxmon devices`)") from None

    async def run(
        self,
        journeys: Iterable[Journey],
        concurrency: int = 1,
        on_result: Callable[[JourneyResult], Awaitable[None] | None] | None = None,
    ) -> list[JourneyResult]:
        """Runs journeys, ``concurrency`` at a time; results in the journeys' order."""
        journeys = list(journeys)
        results: list[JourneyResult | None] = [None] * len(journeys)
        gate = asyncio.Semaphore(max(1, concurrency))

        async def one(i: int, journey: Journey) -> None:
            async with gate:
                result = await self.run_with_retries(journey, email=False)
            # The confirmation e-mail is waited for outside the slot: no browser is needed for it.
            await self.finish_email(journey, result)
            results[i] = result
            if on_result is not None:
                maybe = on_result(result)
                if asyncio.iscoroutine(maybe):
                    await maybe

        await asyncio.gather(*(one(i, j) for i, j in enumerate(journeys)))
        return [r for r in results if r is not None]

    async def run_with_retries(self, journey: Journey, email: bool = True) -> JourneyResult:
        """Runs a journey; a failed one is tried again up to ``retries`` times (pass then: flaky).

        With ``email`` (default) it then waits for the journey's confirmation e-mail, if any; else
        the caller does, with :meth:`finish_email`.
        """
        result = await self.run_journey(journey)
        attempts = 1
        while result.outcome is Outcome.FAIL and attempts <= self.options.retries:
            attempts += 1
            self.take_email_check(result)
            retry = await self.run_journey(journey, attempt=attempts)
            if retry.outcome is Outcome.PASS:
                retry.outcome = Outcome.FLAKY
                first = _first_failure(result)
                if first is not None:
                    # Flaky is reported, not hidden: the failure of the earlier attempt stays visible.
                    retry.findings.append(
                        replace(
                            first,
                            severity=Severity.WARNING,
                            message=f"failed on attempt {attempts - 1}, passed on retry: {first.message}",
                            evidence={**first.evidence, "attempt": attempts - 1},
                        )
                    )
                retry.artifacts = {**result.artifacts, **retry.artifacts}
                result = retry
                break
            result = retry
        result.attempts = attempts
        if email:
            await self.finish_email(journey, result)
        return result

    async def finish_email(self, journey: Journey, result: JourneyResult) -> None:
        """Waits for ``result``'s confirmation e-mail, if it has one to wait for, and records it.

        ``cxmon run`` waits so (``on_progress`` says for what); ``cxmon serve`` takes the check with
        :meth:`take_email_check` and runs it in the background instead.
        """
        check = self.take_email_check(result)
        if check is None:
            return
        progress = self.options.on_progress
        await finish_email_check(
            check,
            result,
            journey.redactor,
            on_wait=(lambda text: progress(journey.key, text)) if progress is not None else None,
        )

    def take_email_check(self, result: JourneyResult) -> EmailCheck | None:
        """The confirmation e-mail ``result``'s journey still has to wait for (once; ``None`` if none).

        Until it is done, ``result.email`` shows it as pending.
        """
        return self._email_checks.pop(id(result), None)

    async def run_journey(self, journey: Journey, attempt: int = 1) -> JourneyResult:
        """Runs one journey in a fresh browser context and returns its result.

        ``attempt`` > 1 is an automatic re-run of a failed journey: it records a trace with DOM
        snapshots whatever the trace mode (but ``off``), so the evidence of a repeated failure is
        complete."""
        scenario = journey.scenario
        started_at = time.time()
        t0 = time.monotonic()
        result = JourneyResult(
            journey.key,
            Outcome.PASS,
            started_at,
            0.0,
            interval_seconds=scenario.schedule,
            budget_seconds=scenario.budgets.journey,
            run_id=new_run_id() if uses_run_id(journey) else None,
        )
        contexts: list[BrowserContext] = []
        leased: _Launched | None = None
        try:
            async with self._lease() as leased:
                walk = asyncio.ensure_future(self._run_in(leased.browser, journey, result, contexts, t0, attempt))
                try:
                    await _unless_gone(walk, leased.gone, lambda: self._blame_dead_browser(result))
                finally:
                    for context in contexts:
                        # A context of a browser that just died may never answer its close.
                        with contextlib.suppress(Exception):
                            await asyncio.wait_for(context.close(), CLOSE_TIMEOUT_SECONDS)
        except (PlaywrightError, InfrastructureError) as exc:
            dead = leased.gone.is_set() if leased is not None else not self.browser_connected
            self._record_infrastructure(result, exc, browser_gone=dead)
        result.duration_seconds = time.monotonic() - t0
        return redact_result(result, journey.redactor)

    async def _run_in(
        self,
        browser: Browser,
        journey: Journey,
        result: JourneyResult,
        contexts: list[BrowserContext],
        t0: float,
        attempt: int,
    ) -> None:
        opts = self.options
        scenario = journey.scenario
        base_url = journey.base_url_for(opts.base_url)
        tracing = traces(opts.trace, attempt)
        context, page = await self._open_page(browser, journey, base_url, tracing, contexts, attempt)
        config = make_config(**scenario.detect.model_dump(exclude={"provider_origins"}))
        providers = frozenset(origin_of(o) for o in scenario.detect.provider_origins)
        session = JourneySession(
            journey,
            page,
            base_url,
            self.detectors,
            config,
            providers,
            probe_actions=self.probe,
            step_timeout=opts.step_timeout,
            sink=self._observation_sink(journey, config),
            page_memory=self.page_memory,
        )
        await self._walk(journey, session, result, browser)
        if not browser.is_connected():
            raise self._blame_dead_browser(result)
        result.order_number = session.order_number
        result.duration_seconds = time.monotonic() - t0
        over = journey_budget_finding(result, scenario.budgets.journey, BudgetMode(scenario.budgets.mode))
        if over is not None and self.probe:
            result.findings.append(over)
        check_prices(journey, result)
        if any(s.failed for s in result.steps) or any(f.severity is Severity.FAILURE for f in result.findings):
            result.outcome = Outcome.FAIL
        check = email_check(journey, result, result.run_id or "", session.placed_at)
        if check is not None:
            result.email = pending_email(check)
            self._email_checks[id(result)] = check
        await self._after_walk(journey, context, page, session, result, base_url, tracing)

    async def _open_page(
        self,
        browser: Browser,
        journey: Journey,
        base_url: str,
        tracing: bool,
        contexts: list[BrowserContext],
        attempt: int = 1,
    ) -> tuple[BrowserContext, Page]:
        """A fresh context for the journey (device, identity, web vitals, tracing) and its page; the
        context goes into ``contexts`` at once, for the caller to close whatever happens."""
        scenario = journey.scenario
        context_args = self._context_args(journey)
        await self._identify(browser, journey, context_args)
        context = await browser.new_context(**context_args)
        contexts.append(context)
        await route_header(context, scenario.http.identify, [base_url, *scenario.detect.provider_origins])
        await context.add_init_script(PAGE_INIT)
        if tracing:
            # DOM snapshots before and after every action were most of a light trace's cost, and a
            # failed journey's evidence has the page's HTML and screenshot taken at the failure:
            # snapshots with full-on-failure, on, and on the re-run of a failed journey. Frames
            # (`on` only) would show typed secrets; DOM snapshots are scrubbed as text.
            mode = self.options.trace
            snapshots = mode in ("on", "full-on-failure") or attempt > 1
            frames = mode == "on" and not journey.redactor
            await context.tracing.start(snapshots=snapshots, screenshots=frames, sources=False)
        return context, await context.new_page()

    async def _after_walk(
        self,
        journey: Journey,
        context: BrowserContext,
        page: Page,
        session: JourneySession,
        result: JourneyResult,
        base_url: str,
        tracing: bool,
    ) -> None:
        """The scenario's cleanup request, then the evidence of a failed journey (or the trace's end)."""
        opts = self.options
        scenario = journey.scenario
        if should_run(scenario.cleanup, result, session.order_number):
            assert scenario.cleanup is not None
            identify = scenario.http.identify
            await send_cleanup(
                context.request,
                scenario.cleanup,
                base_url,
                session.order_number,
                {identify.header: identify.value} if identify.header else {},
                result,
            )
        if opts.artifacts_dir is not None and (result.outcome is Outcome.FAIL or opts.trace == "on"):
            evidence = EvidenceWriter(opts.artifacts_dir, journey, result.started_at)
            result.artifacts = await evidence.capture(page, context, session, result, tracing)
        elif tracing:
            await context.tracing.stop()

    def _observation_sink(self, journey: Journey, config: DetectorConfig) -> ObservationSink | None:
        """Writes each step's observation under ``--record-observations DIR``, secrets masked."""
        root = self.options.record_observations
        if root is None:
            return None

        def write(number: int, obs: StepObservation, findings: list[Finding]) -> None:
            path = recording_path(root, journey.key.slug, number, obs.step)
            try:
                write_recording(path, obs, findings, config, journey.key.id, journey.redactor)
            except OSError as exc:
                log.error("cannot record the observation of step %s: %s", obs.step, exc)

        return write

    @staticmethod
    def _blame_dead_browser(result: JourneyResult) -> InfrastructureError:
        """What the steps saw after the browser died (a "closed" navigation looks like an
        unreachable shop) says nothing about the shop: the run is cxmon's own failure."""
        for step in result.steps:
            if step.failed:
                step.status = StepStatus.ERROR
                step.findings = []
        at = next((s.name for s in result.steps if s.status is StepStatus.ERROR), "")
        return InfrastructureError(f"it died during step {at}" if at else "it died during the journey")

    def _record_infrastructure(self, result: JourneyResult, exc: BaseException, browser_gone: bool) -> None:
        message = getattr(exc, "message", None) or str(exc)
        message = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        if browser_gone:
            message = f"the browser crashed or was closed: {message}"
        log.warning("%s: %s", result.key.id, message)
        step = next((s for s in result.steps if s.status is StepStatus.ERROR), None)
        result.outcome = Outcome.ERROR
        result.error = message
        result.findings.append(
            Finding(
                Kind.INFRASTRUCTURE,
                message,
                step.name if step else "",
                step.stage if step else Stage.BROWSE,
                Severity.FAILURE,
                {"error": message},
            )
        )

    async def _walk(self, journey: Journey, session: JourneySession, result: JourneyResult, browser: Browser) -> None:
        scenario = journey.scenario
        stopped = False
        next_stages = [*journey.stages[1:], None]
        for step, stage, next_stage in zip(journey.steps, journey.stages, next_stages, strict=True):
            budget = step.budget if step.budget is not None else scenario.budgets.step
            if stopped:
                result.steps.append(StepResult(step.name, stage, StepStatus.SKIPPED, budget_seconds=budget))
                continue
            if not browser.is_connected():
                # Each further step would only wait out its time limit on a dead page.
                result.steps.append(StepResult(step.name, stage, StepStatus.SKIPPED, budget_seconds=budget))
                stopped = True
                continue
            if result.run_id is not None:
                step = with_run_id(step, result.run_id)
            try:
                step_result = await session.run_step(step, stage, budget, scenario.budgets.mode, next_stage)
            except PlaywrightError:
                result.steps.append(
                    StepResult(
                        step.name, stage, StepStatus.ERROR, time.time(), budget_seconds=budget, url=session.page.url
                    )
                )
                raise
            await record_captures(session.page, step, stage, step_result, result)
            result.steps.append(step_result)
            # A slow step slows the customer down but does not stop them; anything else does.
            stopped = (
                step_result.failed
                and any(f.kind is not Kind.SLOW for f in step_result.findings if f.severity is Severity.FAILURE)
            ) or (step_result.failed and not step_result.findings)

    def _context_args(self, journey: Journey) -> dict[str, Any]:
        opts = self.options
        args: dict[str, Any] = {}
        if journey.device is not None:
            args.update(self.device_descriptor(journey.device))
            args.pop("default_browser_type", None)
        else:
            args["viewport"] = dict(DESKTOP_VIEWPORT)
        market = journey.market
        if market is not None and market.locale:
            args["locale"] = market.locale
        if market is not None and market.timezone:
            args["timezone_id"] = market.timezone
        if opts.ignore_https_errors or journey.scenario.http.ignore_https_errors:
            args["ignore_https_errors"] = True
        http = journey.scenario.http
        if http.basic_auth is not None:
            # Answered to the shop's own origin only, never to a third party that asks for them.
            args["http_credentials"] = {
                "username": http.basic_auth.username,
                "password": http.basic_auth.password,
                "origin": origin_of(opts.base_url or journey.scenario.base_url),
            }
        if http.headers:
            args["extra_http_headers"] = dict(http.headers)
        apply_header(http.identify, args)
        return args

    async def _identify(self, browser: Browser, journey: Journey, args: dict[str, Any]) -> None:
        """Appends the scenario's User-Agent suffix to the device's, or to the browser's default."""
        suffix = user_agent_suffix(journey.scenario.http.identify)
        if not suffix:
            return
        if "user_agent" not in args:
            if self._default_user_agent is None:
                self._default_user_agent = await default_user_agent(browser)
            args["user_agent"] = self._default_user_agent
        args["user_agent"] = with_suffix(args["user_agent"], suffix)


def redact_result(result: JourneyResult, redactor: Redactor) -> JourneyResult:
    """Masks secret values in every text of a result, so no output can leak them."""
    if not redactor:
        return result

    def clean(f: Finding) -> Finding:
        return replace(f, message=redactor.text(f.message), evidence=redactor.data(f.evidence))

    for step in result.steps:
        step.url = redactor.text(step.url)
        step.findings = [clean(f) for f in step.findings]
    result.findings = [clean(f) for f in result.findings]
    if result.error:
        result.error = redactor.text(result.error)
    if result.order_number:
        result.order_number = redactor.text(result.order_number)
    if result.cleanup is not None:
        result.cleanup = redactor.data(result.cleanup)
    result.captures = [replace(c, text=redactor.text(c.text)) for c in result.captures]
    return result


def journey_budget_finding(result: JourneyResult, budget: float | None, mode: BudgetMode) -> Finding | None:
    """A ``slow`` finding when the whole journey took longer than its budget, on its last step."""
    if budget is None or result.duration_seconds <= budget:
        return None
    severity = Severity.WARNING if mode is BudgetMode.WARN else Severity.FAILURE
    last = result.steps[-1] if result.steps else None
    return Finding(
        Kind.SLOW,
        f"journey took {format_duration(result.duration_seconds)}, over its budget of {format_duration(budget)}",
        last.name if last else "",
        last.stage if last else Stage.BROWSE,
        severity,
        {"measured_seconds": round(result.duration_seconds, 3), "budget_seconds": budget, "scope": "journey"},
    )


def _first_failure(result: JourneyResult) -> Finding | None:
    failures = result.failures()
    return failures[0] if failures else None


async def _close_quietly(browser: Browser) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(browser.close(), CLOSE_TIMEOUT_SECONDS)


async def _unless_gone(
    walk: asyncio.Future[Any], gone: asyncio.Event, blame: Callable[[], InfrastructureError]
) -> None:
    """Awaits ``walk``; once the browser is ``gone``, gives it a short grace, then abandons it."""
    gone_wait: asyncio.Future[Any] = asyncio.ensure_future(gone.wait())
    try:
        await asyncio.wait({walk, gone_wait}, return_when=asyncio.FIRST_COMPLETED)
        if not walk.done():
            await asyncio.wait({walk}, timeout=DEAD_BROWSER_GRACE_SECONDS)
        if not walk.done():
            walk.cancel()
            await asyncio.wait({walk})  # its outcome is the blame below, not its CancelledError
            raise blame()
        walk.result()
    finally:
        gone_wait.cancel()
        if not walk.done():
            walk.cancel()
