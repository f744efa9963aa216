"""Pushgateway and textfile exporters without a network: grouping, retries, messages, atomic files."""

from __future__ import annotations

import socket
import urllib.error
from pathlib import Path

import prometheus_client
import pytest

from cxmon.cli.gate import gate_status, write_reports
from cxmon.cli.status import ExitStatus
from cxmon.exporters import ExportContext, pushgateway, write_outputs
from cxmon.exporters.pushgateway import PushError, check_gateway_url, group_results, push_results
from cxmon.exporters.textfile import write_textfile
from cxmon.model import JourneyKey, JourneyResult, Outcome, RunResult


def result(scenario: str, method: str, location: str = "default", outcome: Outcome = Outcome.PASS) -> JourneyResult:
    return JourneyResult(JourneyKey(scenario, method, "default", location), outcome, 1_700_000_000.0, 3.0)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def test_one_group_per_scenario_and_location_without_run_ids() -> None:
    groups = group_results(
        [result("a", "card"), result("a", "invoice"), result("b", "card"), result("a", "card", "lab")], "cxmon"
    )
    assert [(g.scenario, g.location, len(g.results)) for g in groups] == [
        ("a", "default", 2), ("b", "default", 1), ("a", "lab", 1),
    ]
    assert groups[0].grouping_key == {"scenario": "a", "location": "default"}


def test_push_puts_the_whole_group(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_push(gateway: str, job: str, registry: object, grouping_key: dict[str, str], timeout: float) -> None:
        text = registry.collect()  # type: ignore[attr-defined]
        calls.append((gateway, job, grouping_key, {m.name for m in text}))

    # The exporter imports prometheus_client when it pushes (not at start-up): patch it there.
    monkeypatch.setattr(prometheus_client, "push_to_gateway", fake_push)
    assert push_results([result("a", "card"), result("b", "card")], "http://pg:9091", job="ci") == 2
    assert [c[:3] for c in calls] == [
        ("http://pg:9091", "ci", {"scenario": "a", "location": "default"}),
        ("http://pg:9091", "ci", {"scenario": "b", "location": "default"}),
    ]
    assert "cxmon_config_last_reload_successful" not in calls[0][3]


def test_unreachable_gateway_is_tried_three_times_with_backoff() -> None:
    sleeps: list[float] = []
    url = closed_port_url()
    with pytest.raises(PushError) as info:
        push_results([result("a", "card")], url, sleep=sleeps.append, timeout_seconds=2)
    assert sleeps == [0.5, 1.0]
    assert f"cannot push metrics to the Pushgateway at {url} (job=cxmon, scenario=a, location=default)" in str(
        info.value)
    assert "refused" in str(info.value).lower()


def test_client_errors_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    tries = []

    def refuse(*args: object, **kwargs: object) -> None:
        tries.append(1)
        raise urllib.error.HTTPError("http://pg/metrics", 400, "Bad Request", None, None)  # type: ignore[arg-type]

    monkeypatch.setattr(prometheus_client, "push_to_gateway", refuse)
    with pytest.raises(PushError, match="HTTP 400 Bad Request"):
        push_results([result("a", "card")], "http://pg", sleep=lambda s: None)
    assert len(tries) == 1


@pytest.mark.parametrize("url", ["pg:9091", "ftp://pg", "http://"])
def test_gateway_url_must_be_http(url: str) -> None:
    with pytest.raises(ValueError, match="expected an http"):
        check_gateway_url(url)


def test_push_failure_is_exit_3_only_when_the_journeys_passed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxmon.cli.common import stderr_console

    monkeypatch.setattr(pushgateway, "BACKOFF_SECONDS", 0.0)
    url = closed_port_url()
    passed = RunResult([result("a", "card")])
    problems = write_reports(passed, {"pushgateway": url}, ExportContext(), stderr_console())
    assert gate_status(passed.journeys, False, None, problems) is ExitStatus.INFRASTRUCTURE
    assert "cannot push metrics" in capsys.readouterr().err
    failed = RunResult([result("a", "card", outcome=Outcome.FAIL)])
    problems = write_reports(failed, {"pushgateway": url}, ExportContext(), stderr_console())
    assert problems and gate_status(failed.journeys, False, None, problems) is ExitStatus.FAILED


def test_metrics_are_not_written_for_a_cancelled_run(tmp_path: Path) -> None:
    # A textfile or a push replaces the previous one: the journeys a cancelled run did not reach
    # would vanish from it. Reports are still written.
    run = RunResult([result("a", "card")], interrupted=True)
    targets = {"textfile": str(tmp_path / "cxmon.prom"), "pushgateway": closed_port_url(),
               "json": str(tmp_path / "run.json")}
    assert write_outputs(run, targets, ExportContext()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


def test_textfile_is_written_whole(tmp_path: Path) -> None:
    path = tmp_path / "collector" / "cxmon.prom"
    write_textfile([result("a", "card"), result("a", "invoice", outcome=Outcome.FAIL)], path)
    text = path.read_text()
    assert ('cxmon_journey_success{device="default",location="default",market="default",payment_method="card",'
            'scenario="a"} 1.0') in text
    assert 'payment_method="invoice",scenario="a"} 0.0' in text
    assert "_created" not in text
    assert sorted(p.name for p in path.parent.iterdir()) == ["cxmon.prom"]
