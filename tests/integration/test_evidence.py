"""Evidence of a failed journey: saved, useful, and free of every secret value."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from PIL import Image, ImageChops

from cxmon.model import JourneyResult, Kind, Outcome
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import load_scenario
from tests.helpers import demo_env, write_demo_scenario

pytestmark = pytest.mark.browser

CARD = "4242424242424242"


def _magenta_pixels(img: Image.Image) -> int:
    raw = img.tobytes()
    return sum(1 for i in range(0, len(raw), 3) if raw[i] > 200 and raw[i + 1] < 60 and raw[i + 2] > 200)


def _secret_forms(secret: str) -> list[bytes]:
    return [f.encode() for f in {secret, quote(secret, safe=""), quote_plus(secret)}]


async def _failed_card_journey(demo_shop, tmp_path: Path, secret: bool):
    """Pays by card (typing the card number into the provider's iframe); Pay is then covered."""
    demo_shop.faults.add("hidden_action:covered")
    folder = tmp_path / ("masked" if secret else "plain")
    folder.mkdir()
    path = write_demo_scenario(folder, methods=["card"], secrets=["CARD_NUMBER"] if secret else [])
    [journey] = load_scenario(path, env={**demo_env(demo_shop), "CARD_NUMBER": CARD}).journeys()
    # A trace of every journey: what is scrubbed in it is part of what is tested here.
    options = RunOptions(artifacts_dir=folder / "evidence", step_timeout=6.0, trace="retain-on-failure")
    async with Runner(options) as runner:
        return await runner.run_journey(journey)


async def test_evidence_files_hold_no_secret(demo_shop, tmp_path: Path) -> None:
    result = await _failed_card_journey(demo_shop, tmp_path, secret=True)
    assert result.outcome is Outcome.FAIL
    assert result.failures()[0].kind is Kind.HIDDEN_ACTION
    files = result.artifacts
    assert set(files) >= {"screenshot", "trace", "html", "console", "requests", "network", "result"}
    for role, name in files.items():
        assert Path(name).is_file() and Path(name).stat().st_size > 0, role

    forms = _secret_forms(CARD)
    with zipfile.ZipFile(files["trace"]) as trace:
        members = trace.namelist()
        assert any(m.endswith(".trace") for m in members)
        for member in members:
            data = trace.read(member)
            assert not any(f in data for f in forms), f"secret in trace member {member}"
        # The trace did record the typing; only the value is masked.
        assert b"***" in b"".join(trace.read(m) for m in members if m.endswith(".trace"))
    for role in ("html", "console", "requests", "network", "result"):
        data = Path(files[role]).read_bytes()
        assert not any(f in data for f in forms), role
    assert "covered" in Path(files["result"]).read_text()


async def test_screenshot_masks_secret_inputs(demo_shop, tmp_path: Path) -> None:
    masked = await _failed_card_journey(demo_shop, tmp_path, secret=True)
    demo_shop.faults.clear()
    plain = await _failed_card_journey(demo_shop, tmp_path, secret=False)
    a = Image.open(masked.artifacts["screenshot"]).convert("RGB")
    b = Image.open(plain.artifacts["screenshot"]).convert("RGB")
    assert a.size == b.size
    box = ImageChops.difference(a, b).getbbox()
    assert box is not None, "the masked screenshot is identical to the unmasked one"
    # Playwright paints masks magenta: the differing region is the masked card field.
    assert _magenta_pixels(a.crop(box)) > 100
    assert _magenta_pixels(b.crop(box)) == 0


def _trace_events(path: str) -> list[dict]:
    with zipfile.ZipFile(path) as trace:
        lines = b"\n".join(trace.read(m) for m in trace.namelist() if m.endswith(".trace"))
    return [json.loads(line) for line in lines.splitlines() if line.strip()]


async def _failed_cart_page(demo_shop, tmp_path: Path, **options) -> JourneyResult:
    """The cart page's Go to checkout is covered: the journey fails at its checkout step."""
    demo_shop.faults.add("hidden_action@cart")
    path = write_demo_scenario(tmp_path, methods=["invoice"])
    [journey] = load_scenario(path, env=demo_env(demo_shop)).journeys()
    async with Runner(RunOptions(artifacts_dir=tmp_path / "evidence", step_timeout=6.0, **options)) as runner:
        return await runner.run_with_retries(journey)


async def test_default_evidence_is_cxmon_s_own_record_without_a_trace(demo_shop, tmp_path: Path) -> None:
    result = await _failed_cart_page(demo_shop, tmp_path)
    assert result.outcome is Outcome.FAIL and result.attempts == 1
    files = result.artifacts
    assert "trace" not in files
    assert set(files) >= {"screenshot", "html", "console", "requests", "network", "result"}
    # The DOM at the failure: the button and what covers it.
    html = Path(files["html"]).read_text()
    assert "Go to checkout" in html and "promo-overlay" in html
    # Every request of the journey, by step, with its status and whose it is.
    lines = Path(files["network"]).read_text().splitlines()
    rows = [line.split() for line in lines if not line.startswith("#")]
    documents = [(row[1], row[2], row[4], row[5]) for row in rows if len(row) >= 6 and row[4] == "document"]
    assert ("home", "200", "document", "own") in documents, lines
    assert ("add-to-cart", "200", "document", "own") in documents, lines
    assert any(row[-1].endswith("/cart") for row in rows if row[1] == "add-to-cart"), lines


async def test_light_trace_records_the_failing_step_without_dom_snapshots(demo_shop, tmp_path: Path) -> None:
    result = await _failed_cart_page(demo_shop, tmp_path, trace="retain-on-failure")
    assert result.outcome is Outcome.FAIL and result.attempts == 1
    events = _trace_events(result.artifacts["trace"])
    # Every action of the walk is there, the failing step's included.
    calls = [e for e in events if e.get("type") == "before"]
    assert any(e.get("method") == "goto" for e in calls)
    assert any(e.get("method") in ("evaluate", "evaluateExpression", "querySelectorAll", "evalOnSelectorAll")
               and "Go to checkout" in json.dumps(e.get("params", {})) for e in calls), "the failing step's probe"
    assert not [e for e in events if e.get("type") == "frame-snapshot"]


@pytest.mark.parametrize("options", [{"retries": 1}, {"trace": "full-on-failure"}], ids=["re-run", "full"])
async def test_full_trace_on_re_run_or_asked(demo_shop, tmp_path: Path, options: dict) -> None:
    result = await _failed_cart_page(demo_shop, tmp_path, **options)
    assert result.outcome is Outcome.FAIL
    assert result.attempts == (2 if "retries" in options else 1)
    snapshots = [e for e in _trace_events(result.artifacts["trace"]) if e.get("type") == "frame-snapshot"]
    assert snapshots, "no DOM snapshots in the trace"
