"""A real ``cxmon serve`` watching the demo shop keeps ``--json``, ``--html`` and ``--textfile`` up to
date after every journey, and goes on serving when one of them cannot be written.

Two journeys (invoice, card): "every journey" means something, and the fault, which hits invoice
only, must show on that journey and no other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cxmon.demo import DemoShop
from cxmon.model import Outcome
from tests.helpers import write_demo_scenario
from tests.integration.serve_process import ServeProcess, post_fault, sample_values, start_serve, wait_for

pytestmark = [pytest.mark.browser]

SCENARIO = "serve-out"
JOURNEYS = {f"{SCENARIO}[invoice]", f"{SCENARIO}[card]"}


def _read_json(path: Path) -> dict[str, Any] | None:
    # Written by rename, so a file that exists is whole: a parse error here is a real failure.
    return json.loads(path.read_text()) if path.exists() else None


def _outcomes(document: dict[str, Any] | None) -> dict[str, str]:
    return {j["journey"]: j["outcome"] for j in document["journeys"]} if document else {}


def _kinds(journey: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, step) of every finding of a journey's result."""
    findings = [*journey["findings"], *(f for s in journey["steps"] for f in s["findings"])]
    return {(f["kind"], f["step"]) for f in findings}


def _entry(document: dict[str, Any] | None, method: str) -> dict[str, Any] | None:
    journeys = document["journeys"] if document else []
    return next((j for j in journeys if j["labels"]["payment_method"] == method), None)


def _check_summary(document: dict[str, Any]) -> None:
    outcomes = list(_outcomes(document).values())
    assert document["summary"] == {o.value: outcomes.count(o.value) for o in Outcome}


def _serve(tmp_path: Path, demo_shop: DemoShop, *outputs: str) -> ServeProcess:
    scenario = write_demo_scenario(tmp_path, methods=["invoice", "card"], name=SCENARIO, schedule="3s")
    return start_serve(
        tmp_path,
        [str(scenario), "--base-url", demo_shop.url, "--concurrency", "2", "--artifacts",
         str(tmp_path / "evidence"), *outputs],
        env={"DEMO_PROVIDER_URL": demo_shop.provider_url},
    )


def test_outputs_follow_the_journeys(demo_shop: DemoShop, tmp_path: Path) -> None:
    report, html, textfile = tmp_path / "status" / "latest.json", tmp_path / "html", tmp_path / "prom" / "cxmon.prom"
    with _serve(tmp_path, demo_shop, "--json", str(report), "--html", str(html), "--textfile", str(textfile)) as serve:
        first = wait_for("both journeys in --json", lambda: (d := _read_json(report)) and _outcomes(d).keys()
                         == JOURNEYS and d, timeout=90, log=serve.log)
        _check_summary(first)
        for journey in first["journeys"]:
            assert journey["labels"]["scenario"] == SCENARIO, journey
            assert [s["name"] for s in journey["steps"]][-1] == "confirmation"
            assert journey["outcome"] != "pass" or journey["order_number"], journey
        # Written just after the JSON, in the same round.
        wait_for("both journeys in the HTML report", lambda: (page := html / "index.html").exists()
                 and all(j in page.read_text() for j in JOURNEYS), timeout=30, log=serve.log)

        # Rewritten after later journeys: each journey's entry is its newer run.
        started = {j["journey"]: j["started_at"] for j in first["journeys"]}
        wait_for("a newer run of both journeys in --json", lambda: (d := _read_json(report)) and all(
            j["started_at"] > started[j["journey"]] for j in d["journeys"]), timeout=60, log=serve.log)

        # The fault hits invoice only. (A loaded machine may add a `slow` finding to any run, so the
        # test waits for the fault's finding rather than for exact outcomes.)
        post_fault(demo_shop.url, "payment_rejected:invoice")
        broken = wait_for("invoice rejected at pay in --json", lambda: (d := _read_json(report)) and (
            ("payment_rejected", "pay") in _kinds(_entry(d, "invoice") or {"findings": [], "steps": []})) and d,
                          timeout=60, log=serve.log)
        _check_summary(broken)
        assert _entry(broken, "invoice")["outcome"] == "fail"  # type: ignore[index]
        card = _entry(broken, "card")
        assert card is not None and "payment_rejected" not in {kind for kind, _ in _kinds(card)}, card
        # The HTML report of the same results names the failure and embeds what the customer saw.
        page = wait_for("the failure in the HTML report", lambda: (p := (html / "index.html").read_text())
                        and "payment_rejected" in p and p, timeout=30, log=serve.log)
        assert "data:image/png;base64," in page

        # The textfile holds the process's live counters: card has run several times by now, which
        # counting only its latest result (1 run) could not show.
        text = textfile.read_text()
        card_runs = sample_values(text, "cxmon_journey_runs_total", scenario=SCENARIO, payment_method="card")
        assert sum(card_runs) >= 2, text
        assert sample_values(text, "cxmon_output_write_failures_total", output="json") == [0.0]
        assert serve.value("cxmon_output_write_failures_total") == 0
        assert serve.stop() == 0, serve.log()
    assert _outcomes(_read_json(report)).keys() == JOURNEYS


def test_an_unwritable_output_keeps_serve_running(demo_shop: DemoShop, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    report, html = blocker / "latest.json", tmp_path / "html"
    with _serve(tmp_path, demo_shop, "--json", str(report), "--html", str(html)) as serve:
        serve.wait_ready(60)
        wait_for("two failed --json writes counted", lambda: (serve.value(
            "cxmon_output_write_failures_total", output="json") or 0) >= 2, timeout=90, log=serve.log)
        # The other output is still written, the journeys still run, and the log says it once.
        wait_for("both journeys in the HTML report", lambda: (page := html / "index.html").exists()
                 and all(j in page.read_text() for j in JOURNEYS), timeout=60, log=serve.log)
        told = re.findall(rf"--json {re.escape(str(report))}: cannot write the report", serve.log())
        assert len(told) == 1, serve.log()
        assert "serve keeps running" in serve.log()
        assert serve.get("/readyz")[0] == 200 and serve.process.poll() is None

        blocker.unlink()
        document = wait_for("--json written once the path is free", lambda: _read_json(report), timeout=60,
                            log=serve.log)
        assert _outcomes(document).keys() <= JOURNEYS and document["journeys"]
        assert f"--json {report}: written again" in serve.log()
        assert serve.stop() == 0, serve.log()
