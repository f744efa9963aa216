"""Finding and launching the browser cxmon drives.

Resolution order: ``CXMON_BROWSER`` (a path), Playwright's bundled Chromium when it is installed,
then a system Chromium. No browser is an ``InfrastructureError`` with a hint on how to get one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser, Playwright, async_playwright
from playwright.async_api import Error as PlaywrightError

from cxmon.errors import BrowserNotFoundError, InfrastructureError

BROWSER_ENV = "CXMON_BROWSER"
SYSTEM_CHROMIUMS = (
    "/usr/bin/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)
# Chromium phones home at start (component updates, sync, safe browsing lists); a monitor must
# only talk to the shop, and these machines refuse those connections anyway.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
# The reserved .invalid TLD (RFC 2606) never resolves: answered inside the browser, so a scenario
# (or a test) can meet a DNS failure without a lookup leaving the machine. Other names resolve as usual.
RESOLVER_RULES = "--host-resolver-rules=MAP *.invalid ~NOTFOUND"
HINT = (
    "Install a Chromium: `apt-get install chromium` (Debian/Ubuntu) or "
    "`python -m playwright install chromium`, or point CXMON_BROWSER at a Chromium/Chrome binary."
)


@dataclass(frozen=True)
class BrowserChoice:
    """Which browser binary to launch (``None``: Playwright's bundled Chromium) and why."""

    executable: str | None
    source: str


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_browser(
    env: Mapping[str, str] | None = None,
    bundled: str | None = None,
    candidates: Sequence[str] = SYSTEM_CHROMIUMS,
) -> BrowserChoice:
    """Chooses the browser to drive. ``bundled`` is Playwright's own Chromium path, if known."""
    env = os.environ if env is None else env
    override = env.get(BROWSER_ENV)
    if override:
        if _is_executable(override):
            return BrowserChoice(override, BROWSER_ENV)
        resolved = shutil.which(override)
        if resolved:
            return BrowserChoice(resolved, BROWSER_ENV)
        raise BrowserNotFoundError(f"{BROWSER_ENV}={override} is not an executable browser. {HINT}")
    if bundled and _is_executable(bundled):
        return BrowserChoice(None, "playwright")
    for candidate in candidates:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and _is_executable(path):
            return BrowserChoice(path, "system")
    raise BrowserNotFoundError(
        f"No Chromium found (looked for Playwright's bundled Chromium and {', '.join(candidates)}). {HINT}"
    )


def device_names() -> frozenset[str]:
    """Names of Playwright's device descriptors ("iPhone 13", "Desktop Chrome", ...).

    Starts Playwright's driver (no browser) for a moment: the descriptors live there.
    """
    import asyncio

    from playwright.async_api import async_playwright

    async def read() -> frozenset[str]:
        async with async_playwright() as p:
            return frozenset(p.devices)

    return asyncio.run(read())


def launch_args(extra: Sequence[str] = ()) -> list[str]:
    """Chromium flags cxmon always passes."""
    args = [*QUIET_FLAGS, RESOLVER_RULES]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Chromium's sandbox cannot run as root.
        args.append("--no-sandbox")
    args.extend(extra)
    return args


def browser_processes(root: int | None = None) -> set[int]:
    """Process ids of the Chromium browser processes (not their renderers and helpers) started under
    ``root`` (default: this process), read from ``/proc``; empty where there is no ``/proc``."""
    root = os.getpid() if root is None else root
    parents: dict[int, int] = {}
    commands: dict[int, bytes] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return set()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields after the last ')' are fixed.
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    under: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier and pid not in under}
        under |= frontier
    # Playwright talks to the browser process over a pipe; its helpers carry a --type= flag.
    return {
        pid
        for pid in under
        if b"--remote-debugging-pipe" in commands.get(pid, b"") and b"--type=" not in commands.get(pid, b"")
    }


async def launch_browser(playwright: Playwright, extra_args: Sequence[str] = ()) -> Browser:
    """Launches headless Chromium, chosen by :func:`find_browser`."""
    bundled = playwright.chromium.executable_path
    choice = find_browser(bundled=bundled if bundled and Path(bundled).exists() else None)
    return await playwright.chromium.launch(
        executable_path=choice.executable,
        headless=True,
        args=launch_args(extra_args),
        chromium_sandbox=False,
    )


async def start_playwright() -> Playwright:
    """Starts Playwright's driver; raises ``InfrastructureError`` when it cannot."""
    try:
        return await async_playwright().start()
    except Exception as exc:
        raise InfrastructureError(f"cannot start Playwright: {exc}") from exc


async def launch(playwright: Playwright, extra_args: Sequence[str] = ()) -> tuple[Browser, int | None]:
    """Launches the browser (:func:`launch_browser`) and finds its process id where ``/proc`` tells
    it; a failed launch is an ``InfrastructureError`` (``BrowserNotFoundError`` with no browser)."""
    before = browser_processes()
    try:
        browser = await launch_browser(playwright, extra_args)
    except InfrastructureError:
        raise
    except PlaywrightError as exc:
        raise InfrastructureError(f"cannot launch the browser: {exc.message.splitlines()[0]}") from exc
    new = browser_processes() - before
    return browser, new.pop() if len(new) == 1 else None


class EarlyStart:
    """Starts Playwright and launches the browser in the background, while the caller prepares its
    run (imports, scenario files): a run's start-up is then the longer of the two, not their sum.

    Hand it to ``Runner.start``; :meth:`discard` stops what was started when the run does not
    happen (bad input). Create it inside the running event loop.
    """

    def __init__(self, extra_args: Sequence[str] = ()) -> None:
        self._task = asyncio.ensure_future(self._start(tuple(extra_args)))

    @staticmethod
    async def _start(extra_args: Sequence[str]) -> tuple[Playwright, Browser, int | None]:
        playwright = await start_playwright()
        try:
            browser, pid = await launch(playwright, extra_args)
        except BaseException:
            with contextlib.suppress(Exception):
                await playwright.stop()
            raise
        return playwright, browser, pid

    async def result(self) -> tuple[Playwright, Browser, int | None]:
        """Playwright, the browser and its process id; raises what the start raised."""
        return await self._task

    async def discard(self) -> None:
        """Stops the browser and Playwright (or the start still under way), quietly."""
        if not self._task.done():
            self._task.cancel()
        try:
            playwright, browser, _ = await self._task
        except BaseException:  # cancelled, or the start failed: nothing left to stop
            return
        with contextlib.suppress(Exception):
            await browser.close()
        with contextlib.suppress(Exception):
            await playwright.stop()
