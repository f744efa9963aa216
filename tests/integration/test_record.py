"""``cxmon record``: the recorder under a virtual display (Xvfb), driven by a script over Chrome's
DevTools port the way a person would click, then the written scenario walks the shop to a pass.
Without a display it says so, how to run it, and exits 2."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.helpers import CXMON, ROOT
from tests.recording import demo_purchase, drive, free_port, ready_page

pytestmark = pytest.mark.browser


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return {**env, "NO_COLOR": "1", **extra}


def test_without_a_display_it_says_how_to_run_it(tmp_path: Path) -> None:
    out = tmp_path / "s.yml"
    result = subprocess.run([CXMON, "record", "http://127.0.0.1:9/", "-o", str(out)], capture_output=True,
                            text=True, env=_env(), timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: cxmon record opens a browser window for you to click through the shop, and there is no display "
        "here ($DISPLAY and $WAYLAND_DISPLAY are unset). Run it on a desktop, or under a virtual display: "
        f"`xvfb-run -a cxmon record http://127.0.0.1:9/ -o {out}` (Debian/Ubuntu: apt-get install xvfb)"
    ), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["ftp://shop", "-o", "s.yml"], "error: URL: expected an http:// or https:// URL, got 'ftp://shop'"),
    (["http://127.0.0.1:9/", "-o", "s.txt"], "error: --output: expected a file ending in .yml or .yaml, got 's.txt'"),
])
def test_bad_arguments_exit_2(args: list[str], message: str) -> None:
    result = subprocess.run([CXMON, "record", *args], capture_output=True, text=True, env=_env(DISPLAY=":99"),
                            timeout=60, cwd=ROOT)
    assert result.returncode == 2
    assert result.stderr.strip() == message


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    """A private X display from Xvfb (Debian `xvfb`), numbered by Xvfb itself."""
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb is not installed (make system-deps installs it)")
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    try:
        yield f":{number}"
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=30)


def _start_recording(display: str, url: str, out: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CXMON, "record", url, "-o", str(out), f"--browser-arg=--remote-debugging-port={port}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(DISPLAY=display), cwd=ROOT,
    )


def test_a_recorded_purchase_becomes_a_scenario_that_passes(display: str, demo_shop, tmp_path: Path) -> None:
    out = tmp_path / "demo-purchase.yml"
    port = free_port()
    recorder = _start_recording(display, demo_shop.url + "/", out, port)
    try:
        asyncio.run(drive(port, demo_shop.url, demo_purchase))
        _, err = recorder.communicate(timeout=120)
    finally:
        if recorder.poll() is None:
            recorder.kill()
    assert recorder.returncode == 0, err
    assert f"wrote {out} (7 steps)" in err
    text = out.read_text()
    assert text.startswith(f"# Converted from a recording of {demo_shop.url}/ by `cxmon record`.\n")
    scenario = yaml.safe_load(text)
    assert scenario["name"] == "demo-purchase"
    assert scenario["secrets"] == ["CARD_NUMBER", "CARD_EXPIRY", "CARD_CVC"]
    assert [s["name"] for s in scenario["steps"]] == [
        "home", "trail-runner", "add-to-cart", "go-to-checkout", "continue-to-payment", "pay", "confirmation",
    ]
    # Proposed from the last page the recorder showed.
    assert scenario["steps"][-1]["confirm"] == {
        "text": "Thank you for your order!",
        "order_number": r"Order #\s*([A-Z0-9-]+)",
    }
    assert "stage: payment  # review: guessed (a payment form)" in text
    run = subprocess.run([CXMON, "run", str(out), "--base-url", demo_shop.url, "--trace", "off",
                          "--artifacts", str(tmp_path / "a")], capture_output=True, text=True, env=_env(),
                         timeout=240, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 journeys: 1 pass" in run.stdout


def test_sigterm_ends_the_recording_and_keeps_what_was_recorded(display: str, demo_shop, tmp_path: Path) -> None:
    out = tmp_path / "partial.yml"
    port = free_port()
    recorder = _start_recording(display, demo_shop.url + "/", out, port)
    try:

        async def two_clicks(page) -> None:  # type: ignore[no-untyped-def]
            for name, role in (("Trail Runner", "link"), ("Add to cart", "button")):
                await ready_page(page)
                await page.get_by_role(role, name=name).click()
            await ready_page(page)
            recorder.send_signal(signal.SIGTERM)

        asyncio.run(drive(port, demo_shop.url, two_clicks, close=False))
        _, err = recorder.communicate(timeout=120)
    finally:
        if recorder.poll() is None:
            recorder.kill()
    assert recorder.returncode == 0, err
    steps = yaml.safe_load(out.read_text())["steps"]
    assert [s["name"] for s in steps] == ["home", "trail-runner", "add-to-cart"]
