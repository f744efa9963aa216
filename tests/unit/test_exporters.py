"""The exporter registry: one list of output formats, each reachable from ``cxmon run``, each written
even when another cannot be."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer

from cxmon.cli import app
from cxmon.exporters import EXPORTERS, ExportContext, check_targets, write_outputs
from cxmon.exporters.latest import LatestOutputs, serve_exporters
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.model import JourneyKey, JourneyResult, Outcome, RunResult

RUN = RunResult([JourneyResult(JourneyKey("shop", "card"), Outcome.PASS, 1_700_000_000.0, 2.0)], 1_700_000_000.0, 2.0)


def test_registry_keys_are_the_exporters_names() -> None:
    assert list(EXPORTERS) == ["json", "junit", "html", "textfile", "pushgateway"]
    for name, exporter in EXPORTERS.items():
        assert exporter.name == name and re.fullmatch(r"[a-z][a-z0-9_]*", name)


def test_every_registered_flag_is_an_option_of_cxmon_run() -> None:
    run = typer.main.get_command(app).commands["run"]  # type: ignore[attr-defined]
    options = {opt for param in run.params for opt in param.opts}
    assert {e.flag for e in EXPORTERS.values()} <= options


def test_serve_offers_the_outputs_marked_for_it_and_no_other() -> None:
    # JUnit is for the CI job that made it; pushing from a long-running process is an anti-pattern.
    assert serve_exporters() == ["json", "html", "textfile"]
    serve = typer.main.get_command(app).commands["serve"]  # type: ignore[attr-defined]
    options = {opt for param in serve.params for opt in param.opts}
    assert {e.flag for e in EXPORTERS.values()} & options == {EXPORTERS[n].flag for n in serve_exporters()}


def test_serve_outputs_refuse_a_format_not_meant_for_serve() -> None:
    with pytest.raises(ValueError, match="not an output of cxmon serve: pushgateway"):
        LatestOutputs({"json": "latest.json", "pushgateway": "http://pg:9091"}, CxmonMetrics(serve=True))


def test_bad_pushgateway_url_is_found_before_the_run() -> None:
    assert check_targets({"pushgateway": "pg:9091", "json": "run.json"}) == [
        "--pushgateway: expected an http:// or https:// URL, got 'pg:9091'"
    ]


def test_an_unwritable_report_is_told_and_the_others_are_still_written(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    blocked = tmp_path / "a-file" / "run.json"
    targets = {"json": str(blocked), "junit": str(tmp_path / "junit.xml"), "html": str(tmp_path / "html")}
    told: list[str] = []
    problems = write_outputs(RUN, targets, ExportContext(), on_problem=told.append)
    assert len(problems) == 1 and problems == told
    assert problems[0].startswith(f"--json {blocked}: cannot write the report: ")
    assert "<testcase" in (tmp_path / "junit.xml").read_text()
    assert (tmp_path / "html" / "index.html").is_file()


def test_outputs_get_the_context(tmp_path: Path) -> None:
    planned = [JourneyKey("shop", "card"), JourneyKey("shop", "invoice")]
    targets = {"json": str(tmp_path / "run.json"), "junit": str(tmp_path / "junit.xml")}
    assert write_outputs(RUN, targets, ExportContext(planned=planned)) == []
    assert json.loads((tmp_path / "run.json").read_text())["summary"]["pass"] == 1
    # The journey the run did not reach is in the JUnit report, skipped.
    assert "shop[invoice]" in (tmp_path / "junit.xml").read_text()


def test_html_rewritten_copies_unchanged_evidence_once(tmp_path: Path) -> None:
    # cxmon serve rewrites the report after every journey: an unchanged trace is not copied again,
    # a newer one is.
    trace = tmp_path / "evidence" / "trace.zip"
    trace.parent.mkdir()
    trace.write_bytes(b"PK" + b"x" * 1000)
    failed = JourneyResult(JourneyKey("shop", "card"), Outcome.FAIL, 1_700_000_000.0, 2.0,
                           artifacts={"trace": str(trace)})
    run = RunResult([failed], 1_700_000_000.0, 2.0)
    out = tmp_path / "html"
    assert write_outputs(run, {"html": str(out)}, ExportContext()) == []
    copy = out / "evidence" / "shop-card" / "trace.zip"
    first = copy.stat().st_ctime_ns
    assert write_outputs(run, {"html": str(out)}, ExportContext()) == []
    assert copy.stat().st_ctime_ns == first
    trace.write_bytes(b"PK" + b"y" * 2000)
    assert write_outputs(run, {"html": str(out)}, ExportContext()) == []
    assert copy.read_bytes() == trace.read_bytes()
