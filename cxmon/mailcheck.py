"""The order confirmation e-mail: wait for it in an IMAP folder, check it, tidy up after it.

What a scenario's ``email:`` asks (see :class:`cxmon.scenario.Email`): the message sent to the
journey's address and/or naming its order number must arrive within ``timeout`` of the order; it
must carry the subject, texts and total the scenario names. The outcome is an
:class:`~cxmon.model.EmailResult` plus findings:

- none within ``timeout + grace``: ``confirmation_missing``, reason ``email_missing``;
- one after ``timeout``: ``confirmation_missing``, reason ``email_late`` (the time is still measured);
- one to the journey's address that names another order: ``confirmation_missing``, ``email_wrong_order``;
- a total that differs from the captured one: ``price_mismatch``, reason ``email_total``;
- a subject or text that is not there: ``assertion``.

Mailbox hygiene: only ``folder`` is selected, messages are read with BODY.PEEK (nothing is marked
seen), and only the matched message is deleted (UID EXPUNGE where the server has UIDPLUS, so other
messages flagged deleted stay) or moved. The server being unreachable, refusing the login or
lacking the folder is cxmon's problem, not the shop's: :class:`~cxmon.errors.InfrastructureError`,
whose text never holds the user or the password.

imap-tools is synchronous; every IMAP round trip runs in a worker thread so the event loop (and
other journeys in ``cxmon serve``) never waits on the mailbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import imaplib
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from cxmon.errors import InfrastructureError
from cxmon.model import EmailResult, Finding, JourneyResult, Kind, Outcome, Severity, Stage
from cxmon.money import Money, MoneyError, parse_money
from cxmon.redact import Redactor
from cxmon.scenario import Email

if TYPE_CHECKING:
    from imap_tools import BaseMailBox, MailMessage


@cache
def _imap() -> ModuleType:
    """imap_tools, loaded by the first journey that checks an e-mail, not by every run's start."""
    import imap_tools
    import imap_tools.errors

    return imap_tools

__all__ = [
    "EmailCheck",
    "EmailOutcome",
    "check_confirmation_email",
    "fill_run_id",
    "finish_email_check",
    "pending_email",
]

CONNECT_TIMEOUT_SECONDS = 30.0
_RUN_ID = re.compile(r"\$\{run_id\}")
# A number with grouping marks, and up to 3 non-digit characters either side (a currency).
_AMOUNT = re.compile(r"(?:[^\s\d]{1,3}\s?)?\d[\d.,'’\u00a0\u202f ]*\d(?:\s?[^\s\d<]{1,3})?|(?:[^\s\d]{1,3}\s?)?\d")


def fill_run_id(text: str, run_id: str) -> str:
    """``text`` with ``${run_id}`` filled in."""
    return _RUN_ID.sub(lambda _: run_id, text)


@dataclass(frozen=True)
class EmailCheck:
    """One journey's e-mail check: the scenario's ``email:`` plus what the journey captured."""

    email: Email
    placed_at: float
    """``time.monotonic()`` when the order was placed (the confirmation page was reached)."""
    step: str
    """The step that placed the order; findings name it (stage ``confirmation``)."""
    order_number: str | None = None
    to: str | None = None
    """The journey's own address (``match.to`` with ``${run_id}`` filled in)."""
    total: Money | None = None
    to_is_per_run: bool = True
    """``to`` holds the run's ``${run_id}``: every message to it belongs to this run."""
    secrets: tuple[str, ...] = ()
    """Values never to show (the password), scrubbed from any server message quoted."""

    def describe(self) -> str:
        """What is waited for, e.g. ``order DS-AB12CD to synthetic+r1@example.com in INBOX``."""
        parts = []
        if self.email.match.order_number and self.order_number:
            parts.append(f"order {self.order_number}")
        if self.to:
            parts.append(f"to {self.to}")
        return f"confirmation e-mail for {' '.join(parts) or 'the order'} in {self.email.folder}"


@dataclass
class EmailOutcome:
    """The result of one check and its findings (empty when everything held)."""

    result: EmailResult
    findings: list[Finding] = field(default_factory=list)


# --- the mailbox, synchronous (runs in a worker thread) ------------------------------------------


class _Mailbox:
    """One IMAP session on one folder."""

    def __init__(self, check: EmailCheck) -> None:
        self.check = check
        self.box: BaseMailBox | None = None

    def _where(self) -> str:
        e = self.check.email
        return f"IMAP server {e.host}:{e.imap_port}"

    def _scrub(self, text: str) -> str:
        for secret in (*self.check.secrets, self.check.email.password, self.check.email.user):
            if secret:
                text = text.replace(secret, "***")
        return text

    def open(self) -> None:
        e = self.check.email
        try:
            if e.tls:
                box: BaseMailBox = _imap().MailBox(
                    e.host, e.imap_port, timeout=CONNECT_TIMEOUT_SECONDS, ssl_context=ssl.create_default_context()
                )
            elif e.starttls:
                box = _imap().MailBoxStartTls(
                    e.host, e.imap_port, timeout=CONNECT_TIMEOUT_SECONDS, ssl_context=ssl.create_default_context()
                )
            else:
                box = _imap().MailBoxUnencrypted(e.host, e.imap_port, timeout=CONNECT_TIMEOUT_SECONDS)
        except (OSError, _imap().errors.ImapToolsError, imaplib.IMAP4.error) as exc:
            raise InfrastructureError(f"{self._where()}: cannot connect: {self._scrub(_reason(exc))}") from None
        try:
            box.login(e.user, e.password, initial_folder=None)
        except _imap().errors.MailboxLoginError:
            _close(box)
            raise InfrastructureError(f"{self._where()}: login refused (check the user and password)") from None
        except (OSError, _imap().errors.ImapToolsError, imaplib.IMAP4.error) as exc:
            _close(box)
            raise InfrastructureError(f"{self._where()}: login failed: {self._scrub(_reason(exc))}") from None
        try:
            box.folder.set(e.folder)
        except _imap().errors.MailboxFolderSelectError:
            _close(box)
            raise InfrastructureError(f"{self._where()}: no folder {e.folder!r}") from None
        except (OSError, _imap().errors.ImapToolsError, imaplib.IMAP4.error) as exc:
            _close(box)
            raise InfrastructureError(f"{self._where()}: {self._scrub(_reason(exc))}") from None
        self.box = box

    def find(self) -> list[MailMessage]:
        """The candidate messages now in the folder (nothing marked seen)."""
        assert self.box is not None
        check = self.check
        criteria: dict[str, Any] = {}
        if check.to:
            criteria["to"] = check.to
        elif check.order_number:
            criteria["text"] = check.order_number
        # SINCE is a date; a day back covers time zones and an order placed just before midnight.
        criteria["date_gte"] = dt.date.today() - dt.timedelta(days=1)
        try:
            # Re-selecting makes the server report messages that arrived since the last look.
            self.box.folder.set(check.email.folder)
            return list(self.box.fetch(_imap().AND(**criteria), mark_seen=False, bulk=True))
        except (OSError, _imap().errors.ImapToolsError, imaplib.IMAP4.error) as exc:
            raise InfrastructureError(f"{self._where()}: {self._scrub(_reason(exc))}") from None

    def tidy(self, uid: str) -> str:
        """Delete or move the matched message only; returns what was done."""
        assert self.box is not None
        after = self.check.email.after
        try:
            if after.startswith("move:"):
                self.box.move(uid, after[5:].strip())
                return after
            client = self.box.client
            typ, _ = client.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
            if typ != "OK":
                raise InfrastructureError(f"{self._where()}: could not flag the message deleted")
            # UID EXPUNGE removes this message only; a plain EXPUNGE would also remove whatever
            # else someone flagged deleted in the folder. Capabilities are asked again after login.
            typ, data = client.capability()
            if typ == "OK" and b"UIDPLUS" in b" ".join(d for d in data if d).upper().split():
                typ, _ = client.xatom("UID", "EXPUNGE", uid)
                if typ != "OK":
                    raise InfrastructureError(f"{self._where()}: could not expunge the message")
            return "delete"
        except (OSError, _imap().errors.ImapToolsError, imaplib.IMAP4.error) as exc:
            raise InfrastructureError(f"{self._where()}: could not {after} the message: {_reason(exc)}") from None

    def close(self) -> None:
        if self.box is not None:
            _close(self.box)
            self.box = None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _close(box: BaseMailBox) -> None:
    # The session is over either way: a failed LOGOUT only leaves the socket to close.
    try:
        box.logout()
    except Exception:
        with contextlib.suppress(Exception):
            box.client.shutdown()


# --- judging a message ---------------------------------------------------------------------------


def _body(msg: MailMessage) -> str:
    return msg.text or re.sub(r"<[^>]+>", " ", msg.html or "")


def _names_order(msg: MailMessage, order_number: str) -> bool:
    return order_number in msg.subject or order_number in _body(msg)


def _amounts(text: str) -> list[Money]:
    found = []
    for m in _AMOUNT.finditer(text):
        try:
            found.append(parse_money(m.group(0)))
        except MoneyError:
            continue
    return found


def _judge(check: EmailCheck, msg: MailMessage) -> list[tuple[Kind, str, dict[str, Any]]]:
    """What is wrong with the matched message (kind, message, evidence)."""
    email = check.email
    problems: list[tuple[Kind, str, dict[str, Any]]] = []
    body = _body(msg)
    if email.subject is not None and email.subject not in msg.subject:
        problems.append(
            (
                Kind.ASSERTION,
                f"confirmation e-mail subject lacks {email.subject!r}: {msg.subject!r}",
                {
                    "expected": email.subject,
                    "actual": msg.subject,
                    "reason": "email_subject",
                },
            )
        )
    for text in email.text:
        if text not in body and text not in msg.subject:
            problems.append(
                (
                    Kind.ASSERTION,
                    f"confirmation e-mail lacks the text {text!r}",
                    {
                        "expected": text,
                        "reason": "email_text",
                    },
                )
            )
    if check.total is not None:
        amounts = _amounts(f"{msg.subject}\n{body}")
        ok = any(
            abs(a.amount - check.total.amount) <= Decimal("0.01")
            and (a.currency is None or check.total.currency is None or a.currency == check.total.currency)
            for a in amounts
        )
        if not ok:
            shown = ", ".join(a.text for a in amounts[:5]) or "none"
            problems.append(
                (
                    Kind.PRICE_MISMATCH,
                    f"confirmation e-mail does not show the order total {check.total} (amounts in the mail: {shown})",
                    {
                        "reason": "email_total",
                        "expected": str(check.total),
                        "amounts": [a.text for a in amounts[:10]],
                    },
                )
            )
    return problems


# --- the check -------------------------------------------------------------------------------


async def check_confirmation_email(
    check: EmailCheck,
    *,
    on_wait: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> EmailOutcome:
    """Wait for the confirmation e-mail of one journey and judge it.

    Returns the outcome (never raises for a shop fault). Raises ``InfrastructureError`` when the
    mailbox cannot be read. ``on_wait`` is told once what is waited for.
    """
    email = check.email
    limit = email.timeout
    deadline = check.placed_at + limit + email.grace
    mailbox = _Mailbox(check)
    await asyncio.to_thread(mailbox.open)
    try:
        if on_wait is not None:
            on_wait(f"waiting up to {_human(max(0.0, deadline - clock()))} for the {check.describe()}")
        while True:
            messages = await asyncio.to_thread(mailbox.find)
            now = clock()
            msg = _pick(check, messages)
            if msg is not None:
                return await _found(check, mailbox, msg, now - check.placed_at)
            if now >= deadline:
                return _missing(check, now - check.placed_at)
            await asyncio.sleep(min(email.poll, max(0.0, deadline - now)))
    finally:
        await asyncio.to_thread(mailbox.close)


def _pick(check: EmailCheck, messages: list[MailMessage]) -> MailMessage | None:
    """The journey's message among the candidates, or ``None`` to keep waiting.

    One naming the order wins. Without one, a message to the run's own address is the shop's
    confirmation naming the wrong order; at a fixed address it may be another run's mail, so the
    check waits on.
    """
    if not (check.email.match.order_number and check.order_number):
        return messages[0] if messages else None
    naming = [m for m in messages if _names_order(m, check.order_number)]
    if naming:
        return naming[0]
    if messages and check.to is not None and check.to_is_per_run:
        return messages[0]
    return None


async def _found(check: EmailCheck, mailbox: _Mailbox, msg: MailMessage, seconds: float) -> EmailOutcome:
    email = check.email
    findings: list[Finding] = []
    status = "received"

    def finding(kind: Kind, message: str, **evidence: Any) -> None:
        findings.append(Finding(kind, message, check.step, Stage.CONFIRMATION, evidence=evidence))

    if email.match.order_number and check.order_number and check.to and not _names_order(msg, check.order_number):
        status = "wrong_order"
        finding(
            Kind.CONFIRMATION_MISSING,
            f"the confirmation e-mail to {check.to} does not name order {check.order_number}: {msg.subject!r}",
            reason="email_wrong_order",
            order_number=check.order_number,
            subject=msg.subject,
        )
    elif seconds > email.timeout:
        status = "late"
        finding(
            Kind.CONFIRMATION_MISSING,
            f"the {check.describe()} came {_human(seconds)} after the order, over its limit of {_human(email.timeout)}",
            reason="email_late",
            seconds=round(seconds, 3),
            limit_seconds=email.timeout,
        )
    if status != "wrong_order":
        for kind, message, evidence in _judge(check, msg):
            finding(kind, message, **evidence)
    action = await asyncio.to_thread(mailbox.tidy, msg.uid) if msg.uid else None
    result = EmailResult(
        status=status,
        seconds=round(seconds, 3),
        limit_seconds=email.timeout,
        folder=email.folder,
        subject=msg.subject,
        order_number=check.order_number,
        action=action,
    )
    return EmailOutcome(result, findings)


def _missing(check: EmailCheck, waited: float) -> EmailOutcome:
    email = check.email
    message = f"no {check.describe()} within {_human(email.timeout + email.grace)} of the order"
    finding = Finding(
        Kind.CONFIRMATION_MISSING,
        message,
        check.step,
        Stage.CONFIRMATION,
        evidence={"reason": "email_missing", "limit_seconds": email.timeout, "waited_seconds": round(waited, 3)},
    )
    result = EmailResult(
        status="missing",
        seconds=None,
        limit_seconds=email.timeout,
        folder=email.folder,
        order_number=check.order_number,
    )
    return EmailOutcome(result, [finding])


def _human(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


# --- recording the outcome in a journey's result ------------------------------------------------


def pending_email(check: EmailCheck) -> EmailResult:
    """What a result shows while its e-mail is still waited for."""
    return EmailResult(
        status="pending",
        seconds=None,
        limit_seconds=check.email.timeout,
        folder=check.email.folder,
        order_number=check.order_number,
    )


async def finish_email_check(
    check: EmailCheck,
    result: JourneyResult,
    redactor: Redactor,
    on_wait: Callable[[str], None] | None = None,
) -> None:
    """Wait for the e-mail and record the outcome in ``result``: its ``email``, findings and outcome.

    A mailbox cxmon cannot read makes a passing journey ``error`` (the monitor's problem), never
    ``fail``.
    """
    try:
        outcome = await check_confirmation_email(check, on_wait=on_wait)
    except InfrastructureError as exc:
        message = redactor.text(f"confirmation e-mail not checked: {exc}")
        result.email = EmailResult(
            status="error",
            seconds=None,
            limit_seconds=check.email.timeout,
            folder=check.email.folder,
            order_number=check.order_number,
            error=message,
        )
        result.findings.append(
            Finding(Kind.INFRASTRUCTURE, message, check.step, Stage.CONFIRMATION, Severity.FAILURE, {"error": message})
        )
        if result.outcome is not Outcome.FAIL:
            result.outcome = Outcome.ERROR
            result.error = message
        return
    result.email = outcome.result
    for finding in outcome.findings:
        result.findings.append(
            Finding(
                finding.kind,
                redactor.text(finding.message),
                finding.step,
                finding.stage,
                finding.severity,
                redactor.data(finding.evidence),
            )
        )
    if any(f.severity is Severity.FAILURE for f in outcome.findings) and result.outcome is not Outcome.ERROR:
        result.outcome = Outcome.FAIL
