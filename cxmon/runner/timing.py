"""A step's times and the page it leaves the customer on, kept beside the journey session.

The budgeted time of a step ends when its page is usable (:mod:`cxmon.runner.settle`); the full
``load`` is measured as well and shown in the step's timings (``step_usable``, ``step_load``,
seconds from the step's start), and is what the budget counts under ``budgets.count: load``.
The clock also remembers which stage the customer's current page belongs to
(:mod:`cxmon.runner.pagestage`).
"""

from __future__ import annotations

from playwright.async_api import Page

from cxmon.detectors.base import BudgetCount, Origin, StepObservation
from cxmon.model import Stage, StepResult
from cxmon.runner.events import EventRecorder
from cxmon.runner.pagestage import landed_stage
from cxmon.runner.settle import PageActivity, slowest
from cxmon.scenario import Step

_COUNTED = {
    BudgetCount.USABLE: frozenset({Origin.OWN, Origin.PROVIDER}),
    BudgetCount.LOAD: frozenset(Origin),
}


class StepClock:
    """Measures each step's usable and load times and tracks the stage of the customer's page."""

    def __init__(self, page: Page, recorder: EventRecorder, settle_seconds: float) -> None:
        self.recorder = recorder
        self.activity = PageActivity(page, recorder.origin_class, settle_seconds)
        self._stage: Stage | None = None
        self._nav_at_start = 0
        self._nav_at_submit: int | None = None
        self._opens_page = False

    def begin(self, step: Step) -> None:
        """Starts a step."""
        self.activity.begin()
        self._nav_at_start = self.recorder.navigations
        self._nav_at_submit = None
        self._opens_page = step.goto is not None

    def submitting(self) -> None:
        """The step is about to click or press: a page it leads to may be the next step's."""
        self._nav_at_submit = self.recorder.navigations

    async def measure(self, obs: StepObservation, t0: float, deadline: float) -> None:
        """Fills the observation's usable and load times and the slowest counted request.

        After a step that went well the runner waits for its page's load event (within the step
        limit) as a customer's browser finishes loading, so the full load is measured and the next
        step starts from a loaded page; only ``budgets.count: load`` adds that wait to the budget.
        """
        obs.usable_seconds = round(obs.duration_seconds, 4)
        failed = obs.action_failure is not None or obs.timed_out or self.recorder.fatal.is_set()
        if obs.navigated and not failed:
            await self.activity.wait_load(deadline)
        load_at = self.activity.load_at
        if obs.navigated and load_at is not None and load_at >= t0:
            obs.load_seconds = round(load_at - t0, 4)
            if obs.budget_count is BudgetCount.LOAD:
                obs.duration_seconds = max(obs.duration_seconds, load_at - t0)
        obs.slowest = slowest(self.activity.finished, _COUNTED[obs.budget_count])

    def page_stage(self, step: Step, stage: Stage, next_stage: Stage | None) -> Stage:
        """The stage of the page the step left the customer on (and remembers it for the next)."""
        navigations = self.recorder.navigations
        if self._nav_at_submit is not None and navigations > self._nav_at_submit:
            self._stage = landed_stage(step, stage, next_stage)
        elif (self._opens_page and navigations > self._nav_at_start) or self._stage is None:
            self._stage = stage
        return self._stage

    def show(self, result: StepResult, obs: StepObservation, t0: float) -> None:
        """Adds the step's usable time to its timings, and its page's load time, now or when the
        page finishes loading (a third party's tail may outlast the step)."""
        if obs.usable_seconds is not None:
            result.timings["step_usable"] = round(obs.usable_seconds, 3)
        if not obs.navigated:
            return
        timings = result.timings

        def loaded(at: float) -> None:
            if at >= t0:
                timings["step_load"] = round(at - t0, 3)

        self.activity.when_loaded(loaded)
