"""Evidence of a failed journey: what the customer saw, saved with every secret masked.

Per journey: a full-page screenshot (inputs holding a secret masked), the Playwright trace
(``playwright show-trace trace.zip``; every member scrubbed of secret values), the page HTML, the
console log and the failed or erroring requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from playwright.async_api import BrowserContext, Page
from playwright.async_api import Error as PlaywrightError

from cxmon.detectors.scripts import MARK_SECRET_INPUTS
from cxmon.model import JourneyResult
from cxmon.redact import Redactor
from cxmon.runner.steps import JourneySession
from cxmon.scenario import Journey

log = logging.getLogger("cxmon.evidence")

PAGE_READ_TIMEOUT_SECONDS = 5.0


class EvidenceWriter:
    """Writes one journey's evidence under ``root/<journey>-<time>/``."""

    def __init__(self, root: Path, journey: Journey, started_at: float) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(started_at)) + f"{started_at % 1:.3f}"[1:]
        self.dir = Path(root) / f"{journey.key.slug}-{stamp}"
        self.redactor = journey.redactor

    async def capture(
        self,
        page: Page,
        context: BrowserContext,
        session: JourneySession,
        result: JourneyResult,
        tracing: bool,
    ) -> dict[str, str]:
        """Saves what can be saved; a part that fails is logged and the rest still saved."""
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.error("cannot write evidence to %s: %s", self.dir, exc)
            result.error = result.error or f"evidence not saved: {exc}"
            if tracing:
                with contextlib.suppress(PlaywrightError):
                    await context.tracing.stop()
            return {}
        files: dict[str, str] = {}
        r = self.redactor
        try:
            await self._screenshot(page, files)
            # Bounded: a page whose navigation never completed has no content to give.
            with contextlib.suppress(PlaywrightError, TimeoutError):
                content = await asyncio.wait_for(page.content(), PAGE_READ_TIMEOUT_SECONDS)
                self._write("page.html", r.text(content), files, "html")
            self._write("console.log", r.text("\n".join(session.console) + "\n"), files, "console")
            self._write("requests.log", r.text("\n".join(session.network_log) + "\n"), files, "requests")
            header = "# seconds from the journey's start, step, status, method, type, whose, server time, URL\n"
            self._write("network.log", r.text(header + "\n".join(session.network_record) + "\n"), files, "network")
            self._write("result.json", json.dumps(r.data(result.to_dict()), indent=2, default=str), files, "result")
        except OSError as exc:
            log.error("cannot write evidence to %s: %s", self.dir, exc)
        if tracing:
            trace = self.dir / "trace.zip"
            try:
                await context.tracing.stop(path=str(trace))
                scrub_archive(trace, r)
                files["trace"] = str(trace)
            except (PlaywrightError, OSError, zipfile.BadZipFile) as exc:
                log.error("cannot save the trace: %s", exc)
        return files

    async def _screenshot(self, page: Page, files: dict[str, str]) -> None:
        path = self.dir / "screenshot.png"
        masks = []
        if self.redactor:
            secrets = sorted(self.redactor.values)
            for frame in page.frames:
                with contextlib.suppress(PlaywrightError, TimeoutError):
                    if await asyncio.wait_for(frame.evaluate(MARK_SECRET_INPUTS, secrets), PAGE_READ_TIMEOUT_SECONDS):
                        masks.append(frame.locator("[data-cxmon-secret]"))
        try:
            await page.screenshot(path=str(path), full_page=True, mask=masks, timeout=10_000)
            files["screenshot"] = str(path)
        except PlaywrightError as exc:
            log.error("cannot take a screenshot: %s", exc.message.splitlines()[0])

    def _write(self, name: str, text: str, files: dict[str, str], role: str) -> None:
        path = self.dir / name
        path.write_text(text, encoding="utf-8")
        files[role] = str(path)


def scrub_archive(path: Path, redactor: Redactor) -> None:
    """Rewrites a zip archive with every secret value masked in every member.

    Playwright traces record typed values and request bodies and cannot redact; this is the one
    place that guarantees a trace holds no secret.
    """
    if not redactor:
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = redactor.bytes(src.read(info))
                dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        shutil.move(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
