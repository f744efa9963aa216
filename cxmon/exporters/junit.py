"""``--junit FILE``: a run as JUnit XML, for CI systems' test report views.

One ``<testsuite>`` per scenario, one ``<testcase>`` per journey (name: the journey id, classname:
the scenario). What each outcome becomes:

- ``fail``: ``<failure message="kind at step (stage): message" type="kind">`` with every finding
  in the body;
- ``error`` (cxmon's own trouble): ``<error type="infrastructure">``;
- ``flaky``: a passing testcase, but not a silent one: ``<system-out>`` and the property
  ``cxmon.flaky`` name the earlier failure;
- a journey the run did not reach (the job was cancelled): ``<skipped>``.

Every testcase carries ``<properties>``: ``cxmon.outcome``, ``cxmon.attempts``, the journey labels
and the evidence files (``cxmon.artifact.screenshot``, ``cxmon.artifact.trace``, ...). The
screenshot is also named as ``[[ATTACHMENT|path]]`` in ``<system-out>``, which GitLab shows in its
test report.

With ``--repeat N`` a journey is still one testcase: its worst run decides, the time is the median
of its runs, and ``cxmon.runs`` / ``cxmon.outcomes`` say how the runs went.
"""

from __future__ import annotations

import re
import statistics
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path

from cxmon.aggregate import group_runs, worst_run
from cxmon.exporters.base import ExportContext, ReportExporter
from cxmon.exporters.files import write_atomic
from cxmon.model import Finding, JourneyKey, JourneyResult, Outcome, RunResult, Severity, StepStatus

# XML 1.0 cannot carry most control characters, and page texts sometimes hold them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _timestamp(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(unix))


def describe_finding(finding: Finding) -> str:
    """``kind at step (stage): message``: the failure message of a testcase."""
    where = f" at {finding.step} ({finding.stage.value})" if finding.step else ""
    return f"{finding.kind.value}{where}: {finding.message}"


def _finding_line(finding: Finding) -> str:
    level = "" if finding.severity is Severity.FAILURE else f"[{finding.severity.value}] "
    evidence = ", ".join(f"{k}={v}" for k, v in finding.evidence.items())
    return f"{level}{describe_finding(finding)}" + (f"\n    evidence: {evidence}" if evidence else "")


def _step_lines(result: JourneyResult) -> list[str]:
    lines = []
    for step in result.steps:
        took = "" if step.status is StepStatus.SKIPPED else f" {step.duration_seconds:.3f}s"
        budget = f" (budget {step.budget_seconds:g}s)" if step.budget_seconds is not None else ""
        lines.append(f"  {step.status.value:<7} {step.name} [{step.stage.value}]{took}{budget}")
    return lines


def _property(parent: ET.Element, name: str, value: object) -> None:
    ET.SubElement(parent, "property", {"name": name, "value": _text(value)})


def _testcase(suite: ET.Element, runs: Sequence[JourneyResult]) -> Outcome:
    result = worst_run(runs)
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "name": _text(result.key.id),
            "classname": _text(result.key.scenario),
            "time": _seconds(statistics.median(r.duration_seconds for r in runs)),
        },
    )
    props = ET.SubElement(case, "properties")
    _property(props, "cxmon.outcome", result.outcome.value)
    _property(props, "cxmon.attempts", result.attempts)
    if len(runs) > 1:
        _property(props, "cxmon.runs", len(runs))
        counts = {o.value: sum(1 for r in runs if r.outcome is o) for o in Outcome}
        _property(props, "cxmon.outcomes", " ".join(f"{k}={v}" for k, v in counts.items() if v))
    for label, value in result.key.labels().items():
        if label != "scenario":  # already the classname
            _property(props, f"cxmon.label.{label}", value)
    if result.order_number:
        _property(props, "cxmon.order_number", result.order_number)
    for role, path in sorted(result.artifacts.items()):
        _property(props, f"cxmon.artifact.{role}", path)

    out: list[str] = [f"{result.key.id}: {result.outcome.value} in {result.duration_seconds:.3f}s"]
    if len(runs) > 1:
        out[0] += f" (worst of {len(runs)} runs: " + ", ".join(r.outcome.value for r in runs) + ")"
    failures = result.failures()
    if result.outcome is Outcome.FAIL:
        first = failures[0] if failures else None
        message = describe_finding(first) if first else "the journey failed"
        failure = ET.SubElement(
            case, "failure", {"message": _text(message), "type": first.kind.value if first else "fail"}
        )
        failure.text = _text("\n".join(_finding_line(f) for f in result.all_findings()) + "\n")
    elif result.outcome is Outcome.ERROR:
        first = failures[0] if failures else None
        message = result.error or (first.message if first else "cxmon could not run the journey")
        error = ET.SubElement(
            case, "error", {"message": _text(message), "type": first.kind.value if first else "infrastructure"}
        )
        error.text = _text("\n".join(_finding_line(f) for f in result.all_findings()) + "\n")
    elif result.outcome is Outcome.FLAKY:
        earlier = [f for f in result.findings if f.severity is Severity.WARNING and "attempt" in f.evidence]
        note = describe_finding(earlier[0]) if earlier else "failed on an earlier attempt"
        _property(props, "cxmon.flaky", note)
        out.append(f"FLAKY: passed after {result.attempts} attempts; {note}")
    warnings = [f for f in result.all_findings() if f.severity is not Severity.FAILURE]
    if warnings and result.outcome in (Outcome.PASS, Outcome.FLAKY):
        out.append("warnings:")
        out.extend(_finding_line(f) for f in warnings)
    out.append("steps:")
    out.extend(_step_lines(result))
    if "screenshot" in result.artifacts:
        out.append(f"[[ATTACHMENT|{result.artifacts['screenshot']}]]")
    ET.SubElement(case, "system-out").text = _text("\n".join(out) + "\n")
    return result.outcome


def _counts(suite: ET.Element, outcomes: list[Outcome], skipped: int, seconds: float) -> None:
    suite.set("tests", str(len(outcomes) + skipped))
    suite.set("failures", str(outcomes.count(Outcome.FAIL)))
    suite.set("errors", str(outcomes.count(Outcome.ERROR)))
    suite.set("skipped", str(skipped))
    suite.set("time", _seconds(seconds))


def run_to_junit(run: RunResult, planned: Iterable[JourneyKey] = ()) -> ET.Element:
    """The ``<testsuites>`` element of a run.

    ``planned``: every journey the run was meant to walk; those without a result (the run was
    cancelled first) become skipped testcases, so a report of a cut-short run says what is missing.
    """
    root = ET.Element("testsuites", {"name": "cxmon", "timestamp": _timestamp(run.started_at)})
    by_scenario: dict[str, list[list[JourneyResult]]] = {}
    for runs in group_runs(run.journeys):
        by_scenario.setdefault(runs[0].key.scenario, []).append(runs)
    done = {r.key for r in run.journeys}
    missing: dict[str, list[JourneyKey]] = {}
    for key in planned:
        if key not in done and key not in missing.get(key.scenario, []):
            missing.setdefault(key.scenario, []).append(key)
            by_scenario.setdefault(key.scenario, [])
    all_outcomes: list[Outcome] = []
    all_skipped = 0
    for scenario, groups in by_scenario.items():
        started = min((r.started_at for runs in groups for r in runs), default=run.started_at)
        suite = ET.SubElement(root, "testsuite", {"name": _text(scenario), "timestamp": _timestamp(started)})
        outcomes = [_testcase(suite, runs) for runs in groups]
        for key in missing.get(scenario, []):
            attrs = {"name": _text(key.id), "classname": _text(scenario), "time": "0.000"}
            case = ET.SubElement(suite, "testcase", attrs)
            ET.SubElement(case, "skipped", {"message": "the run was interrupted before this journey finished"})
        skipped = len(missing.get(scenario, []))
        _counts(suite, outcomes, skipped, sum(r.duration_seconds for runs in groups for r in runs))
        all_outcomes.extend(outcomes)
        all_skipped += skipped
    _counts(root, all_outcomes, all_skipped, run.duration_seconds)
    return root


def junit_xml(run: RunResult, planned: Iterable[JourneyKey] = ()) -> str:
    """The JUnit document as text, with an XML declaration."""
    root = run_to_junit(run, planned)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def write_junit(run: RunResult, path: Path, planned: Iterable[JourneyKey] = ()) -> None:
    """Writes the JUnit file atomically."""
    write_atomic(path, junit_xml(run, planned))


class JUnitExporter(ReportExporter):
    """``--junit FILE``. Not an output of ``cxmon serve``: a JUnit report is read once, by the CI job
    that produced it; a monitor that runs for weeks has no such reader (``--json`` serves scripts)."""

    name = "junit"
    flag = "--junit"

    def write_report(self, run: RunResult, target: str, context: ExportContext) -> None:
        write_junit(run, Path(target), context.planned)
