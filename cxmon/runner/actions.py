"""Doing a step's actions the way a customer would, and recording why one could not be done.

Before an action the element is probed as a customer meets it (present, visible, sized, on
screen, enabled, not covered); cxmon never force-clicks: an element a customer could not use is
an :class:`ActionFailure` in the observation, and the step stops (:class:`StepStop`). A click or
check on an element the probe found usable is a mouse click at the point the probe checked
(:meth:`ActionDriver._click_at`); anything else is Playwright's own action.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame, Page
from playwright.async_api import Locator as PWLocator
from playwright.async_api import TimeoutError as PlaywrightTimeout

from cxmon.detectors.base import (
    Action,
    ActionFailure,
    AmbiguousLocator,
    FailureReason,
    PageIdentity,
    Probe,
    StepObservation,
    Unusable,
)
from cxmon.detectors.scripts import ACTION_PROBE, COUNT_VISIBLE, STAND_IN_EFFECT, STAND_IN_POINT
from cxmon.runner.events import EventRecorder
from cxmon.runner.locators import choose, matches, resolve
from cxmon.runner.settle import PageActivity
from cxmon.scenario import ActionEntry, Locator, Press, Step, WaitFor

# One call for what an action needs to know before it acts, when its element is there already:
# on every match of the locator, the probe of the one the action uses (ACTION_PROBE, unless
# filling) and how many a customer can see (the ambiguity check; a role locator's matches hidden
# from assistive technology do not count, as the role locator skips them). ``null``: not there yet.
# With ``arm``, a usable element's centre is returned as the point to click, and the page notes
# whether the next click reaches the element and whether it starts a navigation (CLICK_EFFECT).
PROBE_IF_PRESENT = f"""
(els, [nth, probe, count, role, arm]) => {{
  const el = nth < 0 ? els[els.length + nth] : els[nth];
  if (!el) return null;
  const seen = (e) => e.checkVisibility({{checkOpacity: true, checkVisibilityCSS: true}})
    && !(role && e.closest('[aria-hidden="true"]'));
  const p = probe ? ({ACTION_PROBE.strip()})(el) : null;
  let point = null;
  // A role locator's hidden matches shift which element is the nth: then Playwright's click acts.
  if (arm && p && p.reason === null && p.width !== undefined && (!role || els.every(seen))) {{
    point = [p.x + p.width / 2, p.y + p.height / 2];
    window.__cxmonClick = {{el, reached: false, nav: null, checked: !!el.checked}};
    if (!window.__cxmonClickWatch) {{
      window.__cxmonClickWatch = true;
      // On the window, capturing: the first to see the click, whatever the page's own listeners do.
      window.addEventListener('click', (e) => {{
        const k = window.__cxmonClick;
        if (k && e.target instanceof Node && (k.el === e.target || k.el.contains(e.target))) k.reached = true;
      }}, true);
      if (window.navigation) navigation.addEventListener('navigate', (e) => {{
        const k = window.__cxmonClick;
        if (k && !k.nav) k.nav = {{download: e.downloadRequest !== null}};
      }});
    }}
  }}
  return {{probe: p, visible: count ? els.filter(seen).length : null, point, checked: !!el.checked}};
}}
"""

# What the click at the probed point did: whether it reached the element, whether the page began
# a navigation, whether the element is now checked. ``null`` on a new document: it navigated.
CLICK_EFFECT = """
() => {
  const k = window.__cxmonClick;
  window.__cxmonClick = null;
  return k ? {reached: k.reached, nav: k.nav, checked: !!k.el.checked} : null;
}
"""

# How long an action element may take to become usable after it appeared (animations, late
# scripts) before cxmon reports what the customer would have met.
USABLE_GRACE_SECONDS = 2.0
PROBE_INTERVAL = 0.1
# How long the effect of a click on a styled stand-in may take to show on the control.
STAND_IN_EFFECT_SECONDS = 0.5
# The actions done by a mouse click at the probed point when the probe found the element usable.
_AT_POINT = frozenset({Action.CLICK, Action.CHECK})
# What a styled control looks like to the probe: the native control invisible or under its cover.
STAND_IN_REASONS = frozenset({Unusable.HIDDEN, Unusable.COVERED, Unusable.ZERO_SIZE})


class StepStop(Exception):
    """Ends a step's actions early; the reason is already in the observation."""


def ms(deadline: float) -> float:
    """Milliseconds left until ``deadline`` (a monotonic time), at least 1."""
    return max((deadline - time.monotonic()) * 1000, 1.0)


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, shortened."""
    text = getattr(exc, "message", None) or str(exc)
    return text.strip().splitlines()[0][:300] if text.strip() else type(exc).__name__


def net_error(exc: BaseException) -> str:
    """The ``net::ERR_*`` code of a failed navigation, else its first line."""
    text = getattr(exc, "message", None) or str(exc)
    m = re.search(r"net::ERR_[A-Z_]+", text)
    return m.group(0) if m else first_line(exc)


Do = Callable[[PWLocator, float], Awaitable[Any]]
"""An action on an element, given the element and the milliseconds left."""


def fill_with(value: str) -> Do:
    """Fills the element with ``value``."""
    return lambda el, t: el.fill(value, timeout=t)


def select_with(value: str) -> Do:
    """Picks the option ``value``: in a native ``<select>``, or a custom dropdown by its text."""
    return lambda el, t: choose(el, value, t)


def click(el: PWLocator, timeout: float) -> Awaitable[None]:
    """Clicks the element."""
    return el.click(timeout=timeout)


class ActionDriver:
    """Performs actions on one journey's page; failures go into the recorder's current observation."""

    def __init__(self, page: Page, recorder: EventRecorder, base_url: str, probe_actions: bool) -> None:
        self.page = page
        self.recorder = recorder
        self.base_url = base_url
        self.probe_actions = probe_actions
        self.strict_locators = False
        """The scenario's ``strict``: an ambiguous action locator fails the step."""
        self.found_on: PageIdentity | None = None
        """The page the step's first probed element was found on: the page the step worked on."""
        self.activity: PageActivity | None = None
        """The page's requests and DOM changes: when set, waits for an absent element end once the
        page has settled (fail fast) and a step's page counts as loaded once usable."""
        self._armed: tuple[Probe, list[float], bool] | None = None
        """The last probe that armed a click at its point: the probe, the point, checked then."""

    @property
    def obs(self) -> StepObservation:
        obs = self.recorder.obs
        assert obs is not None, "an action outside a step"
        return obs

    def fail(
        self, action: Action, target: str, reason: FailureReason, message: str, probe: Probe | None = None
    ) -> StepStop:
        """Records why an action could not be done; returns the ``StepStop`` to raise."""
        self.obs.action_failure = ActionFailure(action, target, reason, message, probe, url=self.page.url)
        return StepStop()

    async def race(self, *aws: Awaitable[Any]) -> Any:
        """Waits for the first of ``aws`` (returning its result) or for a fatal page event (an error
        page, a crash; returning ``None``)."""
        tasks = [asyncio.ensure_future(a) for a in aws]
        fatal = asyncio.ensure_future(self.recorder.fatal.wait())
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

    def until_settled(self, what: str = "") -> Awaitable[Any]:
        """Raced against a wait for something absent: fails it like a timeout once the page has
        settled (see :mod:`cxmon.runner.settle`); never, without a page activity watch."""
        if self.activity is None:
            return asyncio.Event().wait()
        return self.activity.not_there(what)

    async def goto(self, path: str, deadline: float) -> None:
        """Opens a URL, or a path under the base URL, and waits for its document (``settle``
        waits for the rest)."""
        url = path if re.match(r"^https?://", path) else f"{self.base_url}/{path.lstrip('/')}"
        try:
            if self.activity is None:
                await self.page.goto(url, timeout=ms(deadline), wait_until="load")
            else:
                await self.page.goto(url, timeout=ms(deadline), wait_until="domcontentloaded")
        except PlaywrightTimeout as exc:
            self.obs.action_failure = ActionFailure(Action.GOTO, url, FailureReason.TIMEOUT, first_line(exc), url=url)
            raise StepStop from None
        except PlaywrightError as exc:
            self.obs.action_failure = ActionFailure(Action.GOTO, url, FailureReason.NAVIGATION, net_error(exc), url=url)
            raise StepStop from None

    async def settle(self, deadline: float) -> None:
        """Waits for the page to be usable (to load, without a page activity watch)."""
        # Not raced against fatal events: an error page loads too, and the detectors read it whole.
        if self.activity is not None:
            await self.activity.wait_usable(deadline)
            return
        with contextlib.suppress(PlaywrightError):
            await self.page.wait_for_load_state("load", timeout=ms(deadline))

    async def act(
        self,
        scope: Page | Frame,
        spec: Locator,
        action: Action,
        deadline: float,
        do: Do,
        loc: PWLocator | None = None,
    ) -> None:
        """Does one action on an element a customer could use, or records why not."""
        loc = resolve(scope, spec) if loc is None else loc
        target = spec.describe()
        # Role locators skip hidden elements: look for any match, to tell hidden from missing.
        present = resolve(scope, spec, include_hidden=True) if spec.role is not None else loc
        probe, visible = await self._first_probe(scope, spec, present, action, target, deadline)
        if self.probe_actions:
            await self._note_ambiguity(scope, spec, action, target, visible)
        if present is not loc and (probe is None or probe.reason is not None):
            if not await self._appears(loc, deadline):
                # Only hidden matches: what the customer meets is the hidden element.
                probe = probe or await self.probe(present) or Probe(reason=Unusable.HIDDEN)
                if probe.reason is None:
                    probe.reason = Unusable.UNUSABLE
                raise self.fail(action, target, FailureReason.NOT_USABLE, "hidden", probe)
            if probe is not None:
                probe = await self.probe(loc)
        if probe is not None and probe.reason in STAND_IN_REASONS and await self._through_stand_in(scope, loc, action):
            return
        if probe is not None and probe.reason is not None:
            probe = await self._usable(loc, deadline, probe)
            if probe is not None and probe.reason is not None:
                raise self.fail(action, target, FailureReason.NOT_USABLE, probe.reason.value, probe)
        armed = self._armed
        if probe is not None and armed is not None and armed[0] is probe and action in _AT_POINT:
            if action is Action.CHECK and armed[2]:
                return
            if await self._click_at(armed[1], action, deadline):
                return
        try:
            await self.race(do(loc, ms(deadline)))
        except PlaywrightTimeout as exc:
            probe = await self.probe(loc) if self.probe_actions else None
            reason = FailureReason.NOT_USABLE if probe and probe.reason else FailureReason.TIMEOUT
            raise self.fail(action, target, reason, first_line(exc), probe) from None

    async def _first_probe(
        self, scope: Page | Frame, spec: Locator, present: PWLocator, action: Action, target: str, deadline: float
    ) -> tuple[Probe | None, int | None]:
        """Waits until a match is attached; reads what a customer meets (unless filling) and, when
        the element was there at once, how many matches a customer can see (``None``: not counted)."""
        probing = self.probe_actions and action is not Action.FILL
        arm = probing and action in _AT_POINT and self.activity is not None and self._main_frame(scope)
        visible: int | None = None
        self._armed = None
        try:
            # Usually the element is there already: one call reads it and counts its matches. Only
            # when it is not does the waiting read run (wait, read and release the element).
            found = await self._probe_if_present(scope, spec, probing, arm) if self.probe_actions else None
            data = found.get("probe") if found is not None else None
            if found is not None:
                visible = found.get("visible")
            elif probing:
                data = await self.race(present.evaluate(ACTION_PROBE, timeout=ms(deadline)), self.until_settled(target))
            else:
                await self.race(present.wait_for(state="attached", timeout=ms(deadline)), self.until_settled(target))
            probe = Probe.from_page(data) if isinstance(data, dict) else None
            point = found.get("point") if found is not None else None
            if probe is not None and isinstance(point, list) and len(point) == 2:
                self._armed = (probe, [float(v) for v in point], bool(found.get("checked")) if found else False)
            if probe is not None and self.found_on is None:
                self.found_on = probe.page
        except PlaywrightTimeout:
            raise self.fail(action, target, FailureReason.MISSING, f"{target} is not on the page") from None
        if self.recorder.fatal.is_set():
            raise StepStop
        return probe, visible

    async def _probe_if_present(
        self, scope: Page | Frame, spec: Locator, probing: bool, arm: bool = False
    ) -> dict[str, Any] | None:
        """:data:`PROBE_IF_PRESENT` when the element is attached now (one driver call), else ``None``."""
        role = spec.role is not None
        every = matches(scope, spec, include_hidden=role)
        args = [spec.nth or 0, probing, spec.nth is None, role, arm]
        with contextlib.suppress(PlaywrightError):
            found = await self.race(every.evaluate_all(PROBE_IF_PRESENT, args))
            if isinstance(found, dict):
                return found
        return None

    def _main_frame(self, scope: Page | Frame) -> bool:
        # Mouse coordinates are the main frame's: an element inside an iframe is Playwright's to click.
        return scope is self.page or scope is self.page.main_frame

    async def _click_at(self, point: list[float], action: Action, deadline: float) -> bool:
        """Clicks (or checks) at the point where the probe just found the element usable, as a
        customer's mouse does; whether that did the action. ``False`` leaves it to Playwright's own
        action (the element moved or got covered in between, or the box did not get checked).

        The probe has already done what Playwright's action would check first (visible, in view,
        enabled, not covered), so the click costs no second look at the element and, on most
        pages, none of Playwright's helper scripts in a second script world. Like Playwright's
        click, it waits for a navigation the click started to commit.
        """
        before = self.recorder.navigations
        since = time.monotonic()
        try:
            await self.page.mouse.click(point[0], point[1])
            effect = await self.page.evaluate(CLICK_EFFECT)
        except PlaywrightError:
            # The document went away under the read: the click navigated (or the page closed).
            return True
        if not isinstance(effect, dict):
            return True
        nav = effect.get("nav")
        if isinstance(nav, dict) and not nav.get("download") and self.activity is not None:
            await self.activity.wait_commit(lambda: self.recorder.navigations, before, since, deadline)
        if action is Action.CHECK:
            return bool(effect.get("checked"))
        return bool(effect.get("reached") or nav)

    async def _note_ambiguity(
        self, scope: Page | Frame, spec: Locator, action: Action, target: str, visible: int | None
    ) -> None:
        """Records a locator that matches several elements a customer can see (``visible``, counted
        here when not known); stops the step when the scenario is strict about it."""
        if spec.nth is not None:
            return
        if visible is None:
            try:
                visible = int(await matches(scope, spec).evaluate_all(COUNT_VISIBLE))
            except PlaywrightError:
                return
        if visible < 2:
            return
        strict = self.strict_locators if spec.strict is None else spec.strict
        self.obs.ambiguous_locators.append(AmbiguousLocator(action, target, visible, strict))
        if strict:
            raise StepStop

    async def _through_stand_in(self, scope: Page | Frame, loc: PWLocator, action: Action) -> bool:
        """Does the action the way a customer does on a styled control: clicks what is drawn at the
        control (a cover over it, or its label when the control itself is invisible) and judges by
        the effect: the box is now checked, or the click reached the control. ``False`` when there is
        nothing to click or the click had no effect (a real cover swallowed it)."""
        # Page coordinates are the main frame's: a control inside an iframe is not tried this way.
        in_main_frame = scope is self.page or scope is self.page.main_frame
        if action not in (Action.CLICK, Action.CHECK) or not in_main_frame:
            return False
        try:
            point = await loc.evaluate(STAND_IN_POINT, timeout=2000)
        except PlaywrightError:
            return False
        if not point:
            return False
        if action is Action.CHECK and point.get("checked"):
            return True
        await self.page.mouse.click(float(point["x"]), float(point["y"]))
        end = time.monotonic() + STAND_IN_EFFECT_SECONDS
        while True:
            try:
                effect = await loc.evaluate(STAND_IN_EFFECT, timeout=2000)
            except PlaywrightError:
                # The click took the customer to another page: the action happened.
                return action is Action.CLICK
            if effect["checked"] if action is Action.CHECK else effect["reached"]:
                return True
            if time.monotonic() >= end:
                return False
            await asyncio.sleep(PROBE_INTERVAL)

    async def _appears(self, loc: PWLocator, deadline: float) -> bool:
        """Whether an accessible match shows up within the grace a late page gets."""
        grace_end = min(time.monotonic() + USABLE_GRACE_SECONDS, deadline)
        while True:
            with contextlib.suppress(PlaywrightError):
                if await loc.count():
                    return True
            if time.monotonic() >= grace_end:
                return False
            await asyncio.sleep(PROBE_INTERVAL)

    async def probe(self, loc: PWLocator) -> Probe | None:
        """What a customer would meet at the element now; ``None`` when it cannot be read."""
        try:
            return Probe.from_page(await loc.evaluate(ACTION_PROBE, timeout=2000))
        except PlaywrightError:
            return None

    async def _usable(self, loc: PWLocator, deadline: float, probe: Probe | None) -> Probe | None:
        """Probes again until the element is usable: a late page gets a short grace before cxmon
        calls it unusable."""
        grace_end = min(time.monotonic() + USABLE_GRACE_SECONDS, deadline)
        while probe is not None and probe.reason is not None and time.monotonic() < grace_end:
            await asyncio.sleep(PROBE_INTERVAL)
            probe = await self.probe(loc)
        return probe

    async def fill_form(self, step: Step, deadline: float) -> None:
        """The step's form actions before any payment: fill, select, check, then its ``actions:``
        list in the order written."""
        page = self.page
        for f in step.fill or ():
            await self.act(page, f, Action.FILL, deadline, fill_with(f.value))
        for f in step.select or ():
            await self.act(page, f, Action.SELECT, deadline, select_with(f.value))
        for spec in step.check or ():
            await self.act(page, spec, Action.CHECK, deadline, lambda el, t: el.check(timeout=t))
        for entry in step.actions or ():
            await self.do_entry(entry, deadline)

    async def do_entry(self, entry: ActionEntry, deadline: float) -> None:
        """One entry of an ``actions:`` list; after a click or a key press the page is let load,
        since the next entry may be on the page it opened."""
        page = self.page
        if entry.click is not None:
            await self.act(page, entry.click, Action.CLICK, deadline, click)
        elif entry.press is not None:
            await self.press(entry.press, deadline)
        elif entry.wait_for is not None:
            await self.wait(entry.wait_for, deadline)
            return
        else:
            for f in entry.fill or ():
                await self.act(page, f, Action.FILL, deadline, fill_with(f.value))
            for f in entry.select or ():
                await self.act(page, f, Action.SELECT, deadline, select_with(f.value))
            if entry.check is not None:
                await self.act(page, entry.check, Action.CHECK, deadline, lambda el, t: el.check(timeout=t))
            return
        await self.settle(deadline)

    async def submit(self, step: Step, deadline: float) -> None:
        """The step's click and key press."""
        if step.click is not None:
            await self.act(self.page, step.click, Action.CLICK, deadline, click)
        if step.press is not None:
            await self.press(step.press, deadline)

    async def press(self, press: Press, deadline: float) -> None:
        """A key press, on an element or on whatever has the focus."""
        if press.on is not None:
            await self.act(self.page, press.on, Action.PRESS, deadline, lambda el, t: el.press(press.key, timeout=t))
        else:
            await self.page.keyboard.press(press.key)

    async def wait_for(self, step: Step, deadline: float) -> None:
        """The step's ``wait_for``: an element state, a URL, a load state."""
        assert step.wait_for is not None
        await self.wait(step.wait_for, deadline)

    async def wait(self, w: WaitFor, deadline: float) -> None:
        """Waits for an element state, a URL or a load state; a miss is a ``timeout`` failure."""
        page = self.page
        try:
            if w.element is not None:
                element = resolve(page, w.element).wait_for(state=w.state, timeout=ms(deadline))
                await self.race(element, self.until_settled(w.element.describe()))
            if w.url is not None:
                pattern = re.compile(w.url)
                await self.race(page.wait_for_url(lambda u: bool(pattern.search(u)), timeout=ms(deadline)))
            if w.load_state is not None:
                await self.race(page.wait_for_load_state(w.load_state, timeout=ms(deadline)))
        except PlaywrightTimeout as exc:
            what = w.element.describe() if w.element else (f"URL {w.url}" if w.url else w.load_state or "")
            raise self.fail(Action.WAIT_FOR, what, FailureReason.TIMEOUT, first_line(exc)) from None
