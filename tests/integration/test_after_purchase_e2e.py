"""After the purchase, on real processes: demo shop → SMTP server → maildir → dovecot → cxmon.

Real Chromium walks the demo shop, which mails its confirmation through a real SMTP server into
a maildir that a real dovecot serves; cxmon captures the prices along the way and then looks for
the mail over IMAP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cxmon.demo import DemoShop, DemoShopThread
from cxmon.exporters.html import render_html
from cxmon.exporters.metrics import CxmonMetrics
from cxmon.exporters.results_page import render_results_page
from cxmon.model import Kind, Outcome, RunResult, Stage
from cxmon.runner import Runner, RunOptions
from cxmon.scenario import Journey, load_scenario
from cxmon.scheduler import ScheduleOptions, Scheduler
from tests.helpers import IMAP_SECRET, after_purchase_scenario, demo_env, write_demo_scenario
from tests.mailstack import MailStack, make_message
from tests.promstack import free_port

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def mail() -> Iterator[MailStack]:
    with MailStack.start() as stack:
        yield stack


@pytest.fixture(scope="module")
def mail_shop(mail: MailStack) -> Iterator[DemoShop]:
    with DemoShopThread(smtp=f"{mail.smtp_host}:{mail.smtp_port}") as shop:
        yield shop


@pytest.fixture
def shop(mail_shop: DemoShop, mail: MailStack) -> Iterator[DemoShop]:
    """The module's mailing shop with no faults and an empty mailbox before and after the test."""
    for msg_key in list(mail.maildir().keys()):
        mail.maildir().remove(msg_key)
    mail_shop.faults.clear()
    yield mail_shop
    mail_shop.faults.clear()


@pytest.fixture(scope="module")
async def runner() -> Any:
    async with Runner(RunOptions(trace="off", step_timeout=10.0)) as r:
        yield r


def journey(path: Path, shop: DemoShop, mail: MailStack, password: str | None = None) -> Journey:
    env = {**demo_env(shop), IMAP_SECRET: password if password is not None else mail.password}
    [j] = load_scenario(path, env=env).journeys()
    return j


async def test_clean_journey_passes_with_email_time_and_prices(
    runner: Runner, shop: DemoShop, mail: MailStack, tmp_path: Path
) -> None:
    waits: list[str] = []
    runner.options.on_progress = lambda key, text: waits.append(text)
    try:
        result = await runner.run_with_retries(journey(after_purchase_scenario(tmp_path, mail), shop, mail))
    finally:
        runner.options.on_progress = None
    assert result.outcome is Outcome.PASS, result.to_dict()
    assert result.all_findings() == []
    email = result.email
    assert email is not None and email.status == "received"
    assert email.seconds is not None and 0 <= email.seconds < 20
    assert email.order_number == result.order_number and email.action == "delete"
    assert result.run_id and len(waits) == 1 and f"synthetic+{result.run_id}@example.com" in waits[0]
    assert {c.name: c.text for c in result.captures} == {
        "product_price": "89.00 EUR",
        "cart_price": "89.00 EUR",
        "subtotal": "89.00 EUR",
        "shipping": "0.00 EUR",
        "order_total": "89.00 EUR",
        "paid_total": "89.00 EUR",
    }
    assert result.prices["paid_total"] == {"amount": "89.00", "currency": "EUR", "text": "89.00 EUR"}
    assert mail.messages() == []  # the matched mail was deleted
    assert mail.password not in str(result.to_dict())
    # The report shows the captured values and the e-mail time.
    page = render_html(RunResult([result]), tmp_path / "report")
    assert 'data-capture="cart_price"' in page and "89.00 EUR" in page
    assert 'data-email="received"' in page and "after the order" in page
    assert mail.password not in page


@pytest.mark.parametrize(
    ("fault", "step", "stage", "rule_or_reason"),
    [
        ("price_mismatch@cart", "add-to-cart", Stage.CART, "cart_price == product_price"),
        ("total_mismatch@checkout", "checkout", Stage.CHECKOUT, "order_total == subtotal + shipping"),
        ("currency_mismatch", "add-to-cart", Stage.CART, "currency"),
    ],
)
async def test_price_faults_give_price_mismatch_where_the_price_diverged(
    runner: Runner,
    shop: DemoShop,
    mail: MailStack,
    tmp_path: Path,
    fault: str,
    step: str,
    stage: Stage,
    rule_or_reason: str,
) -> None:
    shop.faults.add(fault)
    result = await runner.run_journey(journey(after_purchase_scenario(tmp_path, mail), shop, mail))
    assert runner.take_email_check(result) is None  # a failed journey waits for no e-mail
    assert result.outcome is Outcome.FAIL
    [finding] = result.failures()
    assert (finding.kind, finding.step, finding.stage) == (Kind.PRICE_MISMATCH, step, stage)
    assert rule_or_reason in (finding.evidence.get("rule"), finding.evidence.get("reason"))
    # Both values are named.
    assert len(finding.evidence["values"]) >= 1 and "89.00" in finding.message


@pytest.mark.parametrize(
    ("fault", "email", "reason", "status"),
    [
        ("email_missing", {"timeout": "2s"}, "email_missing", "missing"),
        ("email_late:4000", {"timeout": "1s", "grace": "30s"}, "email_late", "late"),
        ("email_wrong_order", {}, "email_wrong_order", "wrong_order"),
    ],
)
async def test_email_faults_give_confirmation_missing(
    runner: Runner,
    shop: DemoShop,
    mail: MailStack,
    tmp_path: Path,
    fault: str,
    email: dict[str, Any],
    reason: str,
    status: str,
) -> None:
    shop.faults.add(fault)
    path = after_purchase_scenario(tmp_path, mail, email=email)
    result = await runner.run_with_retries(journey(path, shop, mail))
    assert result.outcome is Outcome.FAIL
    [finding] = result.failures()
    assert (finding.kind, finding.step, finding.stage) == (
        Kind.CONFIRMATION_MISSING,
        "confirmation",
        Stage.CONFIRMATION,
    )
    assert finding.evidence["reason"] == reason
    assert result.email is not None and result.email.status == status
    if status == "late":
        # Timed from the confirmation page; the shop's 4 s started a moment earlier, at the order.
        assert result.email.seconds is not None and result.email.seconds > result.email.limit_seconds


@pytest.mark.parametrize("problem", ["wrong_password", "unreachable"])
async def test_mailbox_trouble_is_an_error_not_a_fail(
    runner: Runner, shop: DemoShop, mail: MailStack, tmp_path: Path, problem: str
) -> None:
    wrong = "wrong-imap-password-93"
    overrides = {"port": free_port()} if problem == "unreachable" else {}
    path = after_purchase_scenario(tmp_path, mail, email=overrides)
    result = await runner.run_with_retries(journey(path, shop, mail, password=wrong))
    assert result.outcome is Outcome.ERROR
    assert result.email is not None and result.email.status == "error"
    assert [f.kind for f in result.failures()] == [Kind.INFRASTRUCTURE]
    text = str(result.to_dict())
    assert wrong not in text
    assert ("login refused" if problem == "wrong_password" else "cannot connect") in (result.error or "")


# --- cxmon serve: the e-mail is waited for in the background ---------------------------------------


async def test_serve_waits_for_the_email_in_the_background(
    shop: DemoShop, mail: MailStack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One journey slot: a journey whose e-mail has not come yet does not hold it; its result,
    metrics and results page are updated when the mail arrives (late)."""
    for name, value in {**demo_env(shop), IMAP_SECRET: mail.password}.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "scenarios"
    folder.mkdir()
    with_mail = after_purchase_scenario(folder, mail, email={"timeout": "1s", "grace": "120s"})
    plain = write_demo_scenario(folder, name="plain", budgets={"step": "20s", "journey": "120s"})
    assert with_mail.parent == plain.parent
    shop.faults.add("email_missing*1")  # the test delivers this mail itself, when it chooses
    metrics = CxmonMetrics(serve=True)
    async with Runner(RunOptions(trace="off", step_timeout=10.0)) as serve_runner:
        scheduler = Scheduler(serve_runner, metrics, [folder], ScheduleOptions(concurrency=1))
        scheduler.load()
        [mailed] = [k for k in scheduler.journeys if k.scenario == "demo-checkout"]
        [other] = [k for k in scheduler.journeys if k.scenario == "plain"]

        first = await scheduler.run_once(mailed)
        assert first is not None and first.email is not None and first.email.status == "pending"
        assert first.outcome is Outcome.PASS
        runs = metrics.registry.get_sample_value
        labels = mailed.labels()
        assert runs("cxmon_journey_runs_total", {**labels, "result": "pass"}) == 0  # not counted yet
        page = render_results_page(scheduler.statuses(), lambda _: None)
        assert 'data-email="pending"' in page

        # The only slot is free: another journey runs while the first one's e-mail is awaited.
        second = await scheduler.run_once(other)
        assert second is not None and second.outcome is Outcome.PASS
        assert first.email.status == "pending"

        # The mail comes now, past its 1 s limit: the same result becomes late, and is counted.
        mail.deliver(
            make_message(
                f"Your Demo Shop order {first.order_number}",
                f"Thank you for your order!\nOrder number: {first.order_number}\nTotal: 89.00 EUR\n",
                to=f"synthetic+{first.run_id}@example.com",
            )
        )
        deadline = asyncio.get_running_loop().time() + 60
        while first.email.status == "pending":
            assert asyncio.get_running_loop().time() < deadline, "the e-mail check never finished"
            await asyncio.sleep(0.1)
        [latest] = list(scheduler.history[mailed])
        assert latest is first and first.email.status == "late"
        assert first.outcome is Outcome.FAIL
        assert [f.evidence.get("reason") for f in first.failures()] == ["email_late"]
        assert runs("cxmon_journey_runs_total", {**labels, "result": "fail"}) == 1
        assert runs("cxmon_journey_runs_total", {**labels, "result": "pass"}) == 0
        assert runs("cxmon_confirmation_email_seconds_count", labels) == 1
        assert 'data-email="late"' in render_results_page(scheduler.statuses(), lambda _: None)
        await scheduler.stop(grace_seconds=5)
