"""Running one journey's steps in one browser context, watching every step.

A step's observation is filled from two sides: the event recorder files what the page did
(responses, failed requests, page and console errors), the action driver performs the step's
actions the way a customer would and records why one could not be done. The session runs the
step in order, hands the observation to the detectors and turns their findings into the step's
result. It never force-clicks: an element a customer could not use is a finding, not something to
work around.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from playwright.async_api import Page

from cxmon.detectors import DetectorConfig, DetectorSet
from cxmon.detectors.base import (
    Action,
    BudgetCount,
    BudgetMode,
    FailureReason,
    PageIdentity,
    PageSnapshot,
    StepObservation,
    origin_of,
)
from cxmon.model import DEFAULT_LABEL, Finding, Kind, Severity, Stage, StepResult, StepStatus
from cxmon.runner.actions import ActionDriver, StepStop
from cxmon.runner.checks import check_confirm, check_expect
from cxmon.runner.events import EventRecorder, request_line
from cxmon.runner.pagestage import place_findings
from cxmon.runner.payment import pay, settle_payment
from cxmon.runner.timing import StepClock
from cxmon.scenario import Journey, Step

ObservationSink = Callable[[int, StepObservation, list[Finding]], None]
"""Called with each step's number (from 1), observation and findings (``--record-observations``)."""
PageMemory = dict[tuple[str, str], PageIdentity]
"""The page each (journey, step) worked on in its last passing run: what ``element_missing`` compares with."""


class JourneySession:
    """One journey's page: runs its steps and returns their results."""

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
        sink: ObservationSink | None = None,
        page_memory: PageMemory | None = None,
    ) -> None:
        self.journey = journey
        self.page_memory: PageMemory = {} if page_memory is None else page_memory
        self._page_now: PageIdentity | None = None
        """The page the last step ended on: where the next step (without ``goto``) finds its elements."""
        self.page = page
        self.detectors = detectors
        self.config = config
        self.probe_actions = probe_actions
        self.step_timeout = step_timeout
        self.sink = sink
        base_url = base_url.rstrip("/")
        self.recorder = EventRecorder(page, origin_of(base_url), provider_origins)
        self.driver = ActionDriver(page, self.recorder, base_url, probe_actions)
        self.driver.strict_locators = journey.scenario.strict
        self.clock = StepClock(page, self.recorder, journey.scenario.timeouts.settle)
        self.driver.activity = self.clock.activity
        self.order_number: str | None = None
        self.placed_at: float | None = None
        """``time.monotonic()`` when the order number appeared: the order is placed (for ``email:``)."""
        self.steps_run = 0

    @property
    def console(self) -> list[str]:
        """The journey's console errors and warnings."""
        return self.recorder.console

    @property
    def network_record(self) -> list[str]:
        """Every request of the journey as it was answered or failed, then those still in flight."""
        started = self.recorder.started
        pending = [
            request_line(at - started, "-", "open", request, origin) + "  (no answer yet)"
            for request, origin, at in sorted(self.clock.activity.in_flight(), key=lambda item: item[2])
        ]
        return [*self.recorder.requests, *pending]

    @property
    def network_log(self) -> list[str]:
        """The journey's failed and >= 400 requests."""
        return self.recorder.network_log

    async def run_step(
        self, step: Step, stage: Stage, budget: float | None, budget_mode: str, next_stage: Stage | None = None
    ) -> StepResult:
        """Runs one step and returns its result with the detectors' findings.

        ``next_stage`` is the stage of the step after this one (the page this step's click leads
        to may be that step's, see :mod:`cxmon.runner.pagestage`).
        """
        obs = StepObservation(
            step.name,
            stage,
            step.action_kinds(),
            step.pay.method if step.pay else None,
            budget_seconds=budget,
            budget_mode=BudgetMode(budget_mode),
        )
        obs.last_good_page = self.page_memory.get(self._memory_key(step))
        # A step without goto finds its elements on the page the previous step ended on.
        worked_on = self._page_now if step.goto is None else None
        self.driver.found_on = None
        obs.journey_payment_method = _journey_payment_method(self.journey)
        obs.budget_count = BudgetCount(step.budget_count or self.journey.scenario.budgets.count)
        self.recorder.begin(obs)
        self.clock.begin(step)
        self.steps_run += 1
        started_at = time.time()
        t0 = time.monotonic()
        try:
            read_before_checks = await self._walk_step(step, obs, t0)
        finally:
            obs.duration_seconds = time.monotonic() - t0
        await self.clock.measure(obs, t0, t0 + self._limit(step))
        fail = obs.action_failure
        if step.optional and fail is not None and fail.reason is FailureReason.MISSING:
            self.recorder.end()
            return StepResult(
                step.name, stage, StepStatus.SKIPPED, started_at, obs.duration_seconds, budget, self.page.url
            )
        findings = await self._classify(step, obs, read_before_checks)
        self.recorder.end()
        if self.sink is not None:
            self.sink(self.steps_run, obs, findings)
        page_stage = self.clock.page_stage(step, stage, next_stage)
        result = _result(obs, place_findings(findings, page_stage, obs.url), started_at, self.page.url)
        self.clock.show(result, obs, t0)
        self._remember_page(step, obs, result, worked_on)
        return result

    def _limit(self, step: Step) -> float:
        """The step's time limit in seconds."""
        return self.step_timeout or step.timeout or self.journey.scenario.timeouts.step

    def _memory_key(self, step: Step) -> tuple[str, str]:
        return (self.journey.key.id, step.name)

    def _remember_page(
        self, step: Step, obs: StepObservation, result: StepResult, worked_on: PageIdentity | None
    ) -> None:
        """Keeps the page a passing step worked on, for the next run's ``element_missing``: the page
        its first element was found on; else the page the previous step ended on (a ``goto`` step
        without actions: the page it ended on). The element's page is read with the element, so a
        page that scripts finish after the step's early snapshot is remembered as the customer saw it."""
        ended_on = obs.snapshot.identity if obs.snapshot is not None else None
        page = self.driver.found_on or worked_on or ended_on
        if result.status is StepStatus.PASSED and page is not None:
            self.page_memory[self._memory_key(step)] = page
        self._page_now = ended_on

    async def _walk_step(self, step: Step, obs: StepObservation, t0: float) -> bool:
        """Performs the step's actions and checks within its time limit.

        Returns whether the page was read before checks that then held at once (nothing new to read).
        """
        timeout = self._limit(step)
        deadline = t0 + timeout
        try:
            # The hard limit: actions bound themselves by the deadline, this catches anything else.
            await asyncio.wait_for(self._perform(step, deadline), timeout + 1.0)
            if obs.action_failure is not None or self.recorder.fatal.is_set():
                return False
            if (step.expect or step.confirm) and self.probe_actions:
                # Look before waiting: an error page explains a missing text at once.
                obs.snapshot = await self._snapshot(step, obs)
                if self._failures(obs):
                    return False
            navigations = self.recorder.navigations
            await asyncio.wait_for(self._check(step, deadline), max(deadline - time.monotonic(), 0) + 1.0)
            return obs.snapshot is not None and navigations == self.recorder.navigations
        except StepStop:
            return False
        except TimeoutError:
            obs.timed_out = True
            return False

    async def _perform(self, step: Step, deadline: float) -> None:
        """The step's actions in their fixed order: goto, fill, select, check, actions, pay, click,
        press, wait_for."""
        driver = self.driver
        if step.goto is not None:
            await driver.goto(step.goto, deadline)
        await driver.fill_form(step, deadline)
        if step.pay is not None:
            await pay(driver, step.pay, deadline)
        before = self.page.url
        self.clock.submitting()
        await driver.submit(step, deadline)
        if step.pay is not None and (step.click is not None or step.press is not None):
            await settle_payment(driver, before, deadline)
        await driver.settle(deadline)
        if step.wait_for is not None:
            await driver.wait_for(step, deadline)

    async def _check(self, step: Step, deadline: float) -> None:
        if step.expect is not None:
            await check_expect(self.driver, step.expect, deadline)
        if self.recorder.fatal.is_set():
            raise StepStop
        if step.confirm is not None:
            order_number = await check_confirm(self.driver, step.confirm, deadline)
            if order_number is not None:
                self.order_number = order_number
                self.placed_at = time.monotonic()

    async def _classify(self, step: Step, obs: StepObservation, read_before_checks: bool) -> list[Finding]:
        """Reads the page the step ended on and runs the detectors over the observation."""
        if not self.probe_actions:
            return _bare_findings(obs)
        # A goto that timed out has no document to read: the browser is still waiting for it.
        fail = obs.action_failure
        goto_timed_out = fail is not None and fail.action is Action.GOTO and fail.reason is FailureReason.TIMEOUT
        if not goto_timed_out and not read_before_checks:
            obs.snapshot = await self._snapshot(step, obs)
        return self.detectors.detect(obs, self.config)

    async def _snapshot(self, step: Step, obs: StepObservation) -> PageSnapshot | None:
        return await self.recorder.snapshot(self.config, with_frames=step.pay is not None or obs.stage is Stage.PAYMENT)

    def _failures(self, obs: StepObservation) -> list[Finding]:
        return [
            f
            for f in self.detectors.detect(obs, self.config)
            if f.severity is Severity.FAILURE and f.kind is not Kind.SLOW
        ]


def _result(obs: StepObservation, findings: list[Finding], started_at: float, page_url: str) -> StepResult:
    failed = (
        any(f.severity is Severity.FAILURE for f in findings)
        or obs.action_failure is not None
        or obs.assertion_failure is not None
        or obs.confirm_failure is not None
        or obs.timed_out
    )
    # Page timings belong to the step that loaded the page.
    timings = dict(obs.snapshot.timings) if obs.snapshot is not None and obs.navigated else {}
    return StepResult(
        obs.step,
        obs.stage,
        StepStatus.FAILED if failed else StepStatus.PASSED,
        started_at,
        obs.duration_seconds,
        obs.budget_seconds,
        obs.url or page_url,
        findings,
        timings,
    )


def _journey_payment_method(journey: Journey) -> str | None:
    """The journey's ``payment_method`` label; ``None`` when the scenario has no such dimension."""
    method = journey.key.payment_method
    return None if method == DEFAULT_LABEL else method


def _bare_findings(obs: StepObservation) -> list[Finding]:
    """Without detectors: a failed step still says it failed, without classifying why."""
    from cxmon.detectors.assertion import AssertionDetector
    from cxmon.detectors.base import DetectorConfig as Cfg
    from cxmon.detectors.timeout import TimeoutDetector

    return [*AssertionDetector().detect(obs, Cfg()), *TimeoutDetector().detect(obs, Cfg())]
