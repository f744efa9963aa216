"""The confirmation e-mail check against a real dovecot: found, late, missing, wrong, tidy, errors."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

import pytest

from cxmon.errors import InfrastructureError
from cxmon.mailcheck import EmailCheck, check_confirmation_email
from cxmon.model import Kind, Stage
from cxmon.money import Money
from cxmon.scenario import Email
from tests.mailstack import MailStack, make_message
from tests.promstack import free_port

ADDRESS = "synthetic+r1a2b3@example.com"


def email_config(stack: MailStack, **overrides: Any) -> Email:
    values: dict[str, Any] = {
        "host": stack.imap_host,
        "port": stack.imap_port,
        "tls": False,
        "user": stack.user,
        "password": stack.password,
        "match": {"to": ADDRESS},
        "timeout": "5s",
        "poll": "100ms",
    }
    values.update(overrides)
    return Email.model_validate(values)


def make_check(stack: MailStack, order: str = "DS-ABC123", total: Money | None = None, **overrides: Any) -> EmailCheck:
    return EmailCheck(
        email=email_config(stack, **overrides),
        placed_at=time.monotonic(),
        step="confirmation",
        order_number=order,
        to=ADDRESS,
        total=total,
        secrets=(stack.password,),
    )


def confirmation(order: str = "DS-ABC123", total: str = "93,90 €", to: str = ADDRESS) -> Any:
    return make_message(f"Your order {order}", f"Thank you for your order {order}.\nTotal: {total}\n", to=to)


async def test_received_mail_is_timed_checked_and_deleted_alone(mail_stack: MailStack) -> None:
    mail_stack.deliver(make_message("Newsletter", "Not for us", to="someone@example.com"))
    mail_stack.deliver(confirmation())
    waits: list[str] = []
    check = make_check(
        mail_stack, total=Money(Decimal("93.90"), "EUR", "93,90 €"), subject="Your order", text=["Thank you"]
    )
    outcome = await check_confirmation_email(check, on_wait=waits.append)
    assert outcome.findings == []
    assert outcome.result.status == "received"
    assert outcome.result.seconds is not None and 0 <= outcome.result.seconds < 5
    assert outcome.result.action == "delete"
    assert outcome.result.subject == "Your order DS-ABC123"
    [wait] = waits
    assert wait.startswith("waiting up to ")
    assert wait.endswith(f"for the confirmation e-mail for order DS-ABC123 to {ADDRESS} in INBOX")
    # Only the matched message is gone; the other one is still there and still unread.
    [left] = mail_stack.messages()
    assert left["Subject"] == "Newsletter"
    assert "S" not in left.get_flags()


async def test_matched_mail_moved_to_a_folder(mail_stack: MailStack) -> None:
    mail_stack.add_folder("Processed")
    mail_stack.deliver(confirmation())
    outcome = await check_confirmation_email(make_check(mail_stack, after="move:Processed"))
    assert outcome.result.action == "move:Processed"
    assert mail_stack.messages() == []
    assert mail_stack.subjects("Processed") == ["Your order DS-ABC123"]


async def test_only_the_named_folder_is_read(mail_stack: MailStack) -> None:
    mail_stack.add_folder("Other")
    mail_stack.maildir("Other").add(confirmation())
    outcome = await check_confirmation_email(make_check(mail_stack, timeout="300ms"))
    assert outcome.result.status == "missing"
    assert mail_stack.subjects("Other") == ["Your order DS-ABC123"]


async def test_no_mail_is_email_missing(mail_stack: MailStack) -> None:
    outcome = await check_confirmation_email(make_check(mail_stack, timeout="300ms"))
    [finding] = outcome.findings
    assert (finding.kind, finding.step, finding.stage) == (
        Kind.CONFIRMATION_MISSING,
        "confirmation",
        Stage.CONFIRMATION,
    )
    assert finding.evidence["reason"] == "email_missing"
    assert outcome.result.status == "missing" and outcome.result.seconds is None


async def test_mail_after_the_limit_is_email_late_with_its_time(mail_stack: MailStack) -> None:
    check = make_check(mail_stack, timeout="200ms", grace="20s")

    async def deliver_later() -> None:
        # Delivered only once the limit has passed, so the mail is late by construction.
        while time.monotonic() < check.placed_at + 0.5:
            await asyncio.sleep(0.05)
        mail_stack.deliver(confirmation())

    outcome, _ = await asyncio.gather(check_confirmation_email(check), deliver_later())
    [finding] = outcome.findings
    assert finding.kind is Kind.CONFIRMATION_MISSING
    assert finding.evidence["reason"] == "email_late"
    assert outcome.result.status == "late"
    assert outcome.result.seconds is not None and outcome.result.seconds >= 0.5
    assert mail_stack.messages() == []


async def test_mail_for_another_order_is_email_wrong_order(mail_stack: MailStack) -> None:
    mail_stack.deliver(confirmation(order="DS-ZZZ999"))
    outcome = await check_confirmation_email(make_check(mail_stack))
    [finding] = outcome.findings
    assert finding.evidence["reason"] == "email_wrong_order"
    assert "DS-ABC123" in finding.message
    assert outcome.result.status == "wrong_order"


async def test_mail_with_another_total_is_price_mismatch(mail_stack: MailStack) -> None:
    mail_stack.deliver(confirmation(total="103,90 €"))
    outcome = await check_confirmation_email(make_check(mail_stack, total=Money(Decimal("93.90"), "EUR", "93,90 €")))
    [finding] = outcome.findings
    assert (finding.kind, finding.stage) == (Kind.PRICE_MISMATCH, Stage.CONFIRMATION)
    assert finding.evidence["reason"] == "email_total"
    assert "103,90 €" in finding.message


async def test_subject_and_text_checks(mail_stack: MailStack) -> None:
    mail_stack.deliver(confirmation())
    outcome = await check_confirmation_email(make_check(mail_stack, subject="Order confirmed", text=["Receipt"]))
    assert sorted(f.evidence["reason"] for f in outcome.findings) == ["email_subject", "email_text"]
    assert {f.kind for f in outcome.findings} == {Kind.ASSERTION}


async def test_match_by_order_number_alone(mail_stack: MailStack) -> None:
    mail_stack.deliver(confirmation(order="DS-OTHER1", to="x@example.com"))
    mail_stack.deliver(confirmation(to="y@example.com"))
    check = EmailCheck(
        email=email_config(mail_stack, match={"order_number": True}),
        placed_at=time.monotonic(),
        step="confirmation",
        order_number="DS-ABC123",
    )
    outcome = await check_confirmation_email(check)
    assert outcome.result.status == "received"
    assert mail_stack.subjects() == ["Your order DS-OTHER1"]


async def test_wrong_password_is_cxmons_error_without_credentials(mail_stack: MailStack) -> None:
    check = make_check(mail_stack, password="not-the-password-7x")
    check = EmailCheck(**{**check.__dict__, "secrets": ("not-the-password-7x",)})
    with pytest.raises(InfrastructureError) as info:
        await check_confirmation_email(check)
    text = str(info.value)
    assert "login refused" in text
    assert "not-the-password-7x" not in text and mail_stack.user not in text


async def test_unreachable_server_is_cxmons_error() -> None:
    email = Email.model_validate(
        {"host": "127.0.0.1", "port": free_port(), "tls": False, "user": "u", "password": "p", "match": {"to": "a@b.c"}}
    )
    check = EmailCheck(email=email, placed_at=time.monotonic(), step="confirmation", to="a@b.c")
    with pytest.raises(InfrastructureError, match="cannot connect"):
        await check_confirmation_email(check)


async def test_missing_folder_is_cxmons_error(mail_stack: MailStack) -> None:
    with pytest.raises(InfrastructureError, match="no folder 'Orders'"):
        await check_confirmation_email(make_check(mail_stack, folder="Orders"))


async def test_at_a_fixed_address_another_runs_mail_is_passed_over(mail_stack: MailStack) -> None:
    mail_stack.deliver(confirmation(order="DS-OLD999"))  # left over from an earlier run
    mail_stack.deliver(confirmation())
    check = make_check(mail_stack)
    check = EmailCheck(**{**check.__dict__, "to_is_per_run": False})
    outcome = await check_confirmation_email(check)
    assert (outcome.result.status, outcome.findings) == ("received", [])
    assert mail_stack.subjects() == ["Your order DS-OLD999"]  # not ours: left alone
