"""CxmonMetrics from plain JourneyResult data: names, labels and values of the metric contract."""

from __future__ import annotations

import re

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from cxmon import __version__
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.metrics_contract import METRICS
from cxmon.model import (
    EmailResult,
    Finding,
    JourneyKey,
    JourneyResult,
    Kind,
    Outcome,
    Severity,
    Stage,
    StepResult,
    StepStatus,
)

KEY = JourneyKey("demo-checkout", "card", "iPhone 13", "helsinki")
J = KEY.labels()

def S(step: str, stage: str, **extra: str) -> dict[str, str]:
    return {**J, "step": step, "stage": stage, **extra}


def step(name: str, stage: Stage, status: StepStatus = StepStatus.PASSED, duration: float = 0.8,
         findings: list[Finding] | None = None, lcp: float | None = None, budget: float | None = 3.0) -> StepResult:
    return StepResult(name, stage, status, 1000.0, duration, budget, "http://shop/",
                      findings or [], {"lcp": lcp} if lcp is not None else {})


def passed(started: float = 1_700_000_000.0) -> JourneyResult:
    return JourneyResult(
        KEY, Outcome.PASS, started, 4.2,
        steps=[step("home", Stage.BROWSE, lcp=0.45), step("pay", Stage.PAYMENT, duration=1.7)],
        interval_seconds=60.0,
        email=EmailResult("received", 12.5, 300.0, "INBOX", "Your order", "DS-1", "delete"),
    )


def failed(started: float = 1_700_000_100.0) -> JourneyResult:
    rejected = Finding(Kind.PAYMENT_REJECTED, "card declined", "pay", Stage.PAYMENT)
    warning = Finding(Kind.SLOW, "home slow", "home", Stage.BROWSE, Severity.WARNING)
    journey_slow = Finding(Kind.SLOW, "journey over budget", "pay", Stage.PAYMENT)
    return JourneyResult(
        KEY, Outcome.FAIL, started, 9.5,
        steps=[
            step("home", Stage.BROWSE, findings=[warning]),
            step("pay", Stage.PAYMENT, StepStatus.FAILED, 2.5, [rejected]),
            step("confirmation", Stage.CONFIRMATION, StepStatus.SKIPPED, 0.0),
        ],
        findings=[journey_slow],
    )


def errored(started: float = 1_700_000_200.0) -> JourneyResult:
    crash = Finding(Kind.INFRASTRUCTURE, "the browser crashed", "", Stage.BROWSE)
    return JourneyResult(KEY, Outcome.ERROR, started, 0.3, findings=[crash], error="the browser crashed")


def test_pass_sets_success_and_counts_the_run() -> None:
    m = CxmonMetrics()
    m.observe(passed())
    get = m.registry.get_sample_value
    assert get("cxmon_journey_success", J) == 1
    assert get("cxmon_journey_runs_total", {**J, "result": "pass"}) == 1
    for other in ("fail", "flaky", "error"):
        assert get("cxmon_journey_runs_total", {**J, "result": other}) == 0
    assert get("cxmon_journey_duration_seconds_count", J) == 1
    assert get("cxmon_journey_duration_seconds_sum", J) == pytest.approx(4.2)
    assert get("cxmon_journey_last_run_timestamp_seconds", J) == 1_700_000_000.0
    assert get("cxmon_journey_interval_seconds", J) == 60.0
    assert get("cxmon_step_duration_seconds_count", S("pay", "payment")) == 1
    assert get("cxmon_step_duration_seconds_bucket", S("pay", "payment", le="2.0")) == 1
    assert get("cxmon_step_duration_seconds_bucket", S("pay", "payment", le="1.5")) == 0
    assert get("cxmon_step_budget_seconds", S("home", "browse")) == 3.0
    assert get("cxmon_page_lcp_seconds_sum", S("home", "browse")) == pytest.approx(0.45)
    assert get("cxmon_page_lcp_seconds_count", S("pay", "payment")) is None  # no LCP reported there
    assert get("cxmon_build_info", {"version": __version__}) == 1


def test_flaky_counts_as_success() -> None:
    m = CxmonMetrics()
    result = passed()
    result.outcome = Outcome.FLAKY
    m.observe(result)
    assert m.registry.get_sample_value("cxmon_journey_success", J) == 1
    assert m.registry.get_sample_value("cxmon_journey_runs_total", {**J, "result": "flaky"}) == 1


def test_failure_series_start_at_zero_so_the_first_failure_is_an_increase() -> None:
    m = CxmonMetrics()
    m.observe(passed())
    get = m.registry.get_sample_value
    for step, stage in (("home", "browse"), ("pay", "payment")):
        for kind in ("payment_rejected", "confirmation_missing", "error_page", "hidden_action"):
            assert get("cxmon_failures_total", S(step, stage, kind=kind)) == 0
    m.observe(failed())
    assert get("cxmon_failures_total", S("pay", "payment", kind="payment_rejected")) == 1


def test_fail_counts_failure_findings_by_kind_step_and_stage() -> None:
    m = CxmonMetrics()
    m.observe(passed())
    m.observe(failed())
    get = m.registry.get_sample_value
    assert get("cxmon_journey_success", J) == 0
    assert get("cxmon_journey_runs_total", {**J, "result": "fail"}) == 1
    assert get("cxmon_failures_total", S("pay", "payment", kind="payment_rejected")) == 1
    # The journey-level finding is counted at the step it names.
    assert get("cxmon_failures_total", S("pay", "payment", kind="slow")) == 1
    # A warning is not a failure: the series stays at the 0 it was created with.
    assert get("cxmon_failures_total", S("home", "browse", kind="slow")) == 0
    # Skipped steps are not observed; their budget is still known.
    assert get("cxmon_step_duration_seconds_count", S("confirmation", "confirmation")) is None
    assert get("cxmon_step_budget_seconds", S("confirmation", "confirmation")) == 3.0
    assert get("cxmon_step_duration_seconds_count", S("pay", "payment")) == 2
    assert get("cxmon_journey_last_run_timestamp_seconds", J) == 1_700_000_100.0


def test_error_leaves_success_unchanged_and_counts_as_error() -> None:
    m = CxmonMetrics()
    m.observe(passed())
    m.observe(errored())
    get = m.registry.get_sample_value
    assert get("cxmon_journey_success", J) == 1
    assert get("cxmon_journey_runs_total", {**J, "result": "error"}) == 1
    assert get("cxmon_journey_duration_seconds_count", J) == 1
    assert get("cxmon_journey_last_run_timestamp_seconds", J) == 1_700_000_000.0
    # An unnamed step gets the `default` label value, like every unset dimension.
    assert get("cxmon_failures_total", S("default", "browse", kind="infrastructure")) == 1


def test_error_first_exports_no_success_value() -> None:
    m = CxmonMetrics()
    m.observe(errored())
    assert m.registry.get_sample_value("cxmon_journey_success", J) is None


def test_journeys_do_not_share_series() -> None:
    m = CxmonMetrics()
    other = JourneyKey("demo-checkout", "invoice", "iPhone 13", "helsinki")
    m.observe(passed())
    bad = failed()
    bad.key = other
    m.observe(bad)
    assert m.registry.get_sample_value("cxmon_journey_success", J) == 1
    assert m.registry.get_sample_value("cxmon_journey_success", other.labels()) == 0


def test_forget_removes_every_series_of_a_journey() -> None:
    m = CxmonMetrics()
    m.observe(failed())
    m.forget(KEY)
    text = m.exposition()[0].decode()
    assert 'payment_method="card"' not in text
    assert "cxmon_build_info" in text


def test_reload_gauge_only_in_serve_mode() -> None:
    assert "cxmon_config_last_reload_successful" not in CxmonMetrics().exposition()[0].decode()
    m = CxmonMetrics(serve=True)
    m.set_reload_successful(False)
    assert m.registry.get_sample_value("cxmon_config_last_reload_successful") == 0
    m.set_reload_successful(True)
    assert m.registry.get_sample_value("cxmon_config_last_reload_successful") == 1


def test_fresh_registry_never_the_global_one() -> None:
    before = REGISTRY.get_sample_value("cxmon_build_info", {"version": __version__})
    m = CxmonMetrics()
    assert m.registry is not REGISTRY
    assert REGISTRY.get_sample_value("cxmon_build_info", {"version": __version__}) == before
    CxmonMetrics()  # a second instance must not clash (duplicate names) with the first


def test_exposition_names_types_and_labels_match_the_contract() -> None:
    m = CxmonMetrics(serve=True)
    m.set_reload_successful(True)
    m.declare_outputs(["json"])
    m.observe(passed())
    m.observe(failed())
    body, content_type = m.exposition()
    text = body.decode()
    assert content_type.startswith("text/plain")
    typed = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.M))
    assert typed == {spec.name: spec.type for spec in METRICS}
    sample_names = set(re.findall(r"^([a-z_]+)[{ ]", text, re.M))
    assert sample_names == {name for spec in METRICS for name in spec.series_names()}  # no `_created`
    contract = {spec.name: spec for spec in METRICS}
    for family in text_string_to_metric_families(text):
        spec = contract[family.name + ("_total" if family.type == "counter" else "")]
        for sample in family.samples:
            assert set(sample.labels) == set(spec.series_labels(sample.name)), sample
    # Label values are the model's: the stages of the steps that ran, and every result and kind (each
    # declared at 0, so the first of them is an increase).
    def seen(label: str) -> set[str]:
        return {s.labels[label] for f in text_string_to_metric_families(text) for s in f.samples if label in s.labels}

    assert seen("stage") == {Stage.BROWSE, Stage.PAYMENT, Stage.CONFIRMATION}
    assert seen("result") == set(Outcome)
    assert seen("kind") == set(Kind)


def test_serve_only_families_stay_out_of_a_run() -> None:
    text = CxmonMetrics().exposition()[0].decode()
    for spec in METRICS:
        assert (f"# TYPE {spec.name} " in text) is (not spec.serve_only), spec.name


@pytest.mark.parametrize(
    ("seconds", "lowest_le", "below"),
    [(0.1, "0.1", None), (0.2, "0.25", "0.1"), (1.7, "2.0", "1.5"), (44.0, "45.0", "30.0"), (60.0, "60.0", "45.0")],
)
def test_step_buckets_cover_100ms_to_60s(seconds: float, lowest_le: str, below: str | None) -> None:
    """A step's duration and its page's LCP land in the bucket that bounds them, from 0.1 s to 60 s."""
    m = CxmonMetrics()
    m.observe(JourneyResult(KEY, Outcome.PASS, 1.0, seconds, steps=[step("pay", Stage.PAYMENT, duration=seconds,
                                                                          lcp=seconds)]))
    get = m.registry.get_sample_value
    for family in ("cxmon_step_duration_seconds", "cxmon_page_lcp_seconds"):
        assert get(f"{family}_bucket", S("pay", "payment", le=lowest_le)) == 1, family
        if below is not None:
            assert get(f"{family}_bucket", S("pay", "payment", le=below)) == 0, family


def test_a_step_over_60s_lands_only_in_the_overflow_bucket() -> None:
    m = CxmonMetrics()
    m.observe(JourneyResult(KEY, Outcome.PASS, 1.0, 61.0, steps=[step("pay", Stage.PAYMENT, duration=61.0)]))
    get = m.registry.get_sample_value
    assert get("cxmon_step_duration_seconds_bucket", S("pay", "payment", le="60.0")) == 0
    assert get("cxmon_step_duration_seconds_bucket", S("pay", "payment", le="+Inf")) == 1


def test_confirmation_email_seconds_per_journey() -> None:
    m = CxmonMetrics()
    m.observe(passed())
    m.observe(failed())  # no e-mail checked: nothing observed
    get = m.registry.get_sample_value
    assert get("cxmon_confirmation_email_seconds_count", J) == 1
    assert get("cxmon_confirmation_email_seconds_sum", J) == pytest.approx(12.5)
    assert get("cxmon_confirmation_email_seconds_bucket", {**J, "le": "10.0"}) == 0
    assert get("cxmon_confirmation_email_seconds_bucket", {**J, "le": "20.0"}) == 1
