"""The demo shop's order confirmation e-mail, sent over SMTP when the shop is given a server.

``--smtp HOST:PORT`` (or ``DEMO_SHOP_SMTP``) turns it on; without it the shop sends nothing. The
mail goes to the address entered at checkout, names the order number and shows the total, as a
real shop's confirmation does. Sending runs in the background after the order is placed, so the
customer's confirmation page never waits on the mail server; faults can leave the mail out, delay
it, or make it name another order.
"""

from __future__ import annotations

import asyncio
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid

__all__ = ["SMTP_ENV", "Mailer", "parse_smtp_address"]

SMTP_ENV = "DEMO_SHOP_SMTP"
SENDER = "Demo Shop <orders@demo-shop.example>"
SEND_TIMEOUT_SECONDS = 30.0


def parse_smtp_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` → (host, port); raises ValueError saying what is expected."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"expected HOST:PORT for the SMTP server, got {value!r}")
    return host.strip("[]"), int(port)


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation e-mail says."""

    to: str
    order_number: str
    lines: tuple[tuple[int, str, str], ...]
    """(quantity, product name, line total as shown)."""
    total: str
    payment_method: str


class Mailer:
    """Sends confirmation e-mails to one SMTP server, each in a background task."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._tasks: set[asyncio.Task[None]] = set()
        self.errors: list[str] = []
        """Send failures, newest last (the shop keeps serving; tests read them)."""
        self.sent: list[tuple[str, float]] = []
        """Order number named and seconds from order to hand-over, of every mail sent."""

    def message(self, confirmation: Confirmation) -> EmailMessage:
        """The e-mail for one order."""
        msg = EmailMessage()
        msg["From"] = SENDER
        msg["To"] = confirmation.to
        msg["Subject"] = f"Your Demo Shop order {confirmation.order_number}"
        msg["Message-ID"] = make_msgid(domain="demo-shop.example")
        lines = "\n".join(f"  {qty} × {name}  {total}" for qty, name, total in confirmation.lines)
        msg.set_content(
            "Thank you for your order!\n\n"
            f"Order number: {confirmation.order_number}\n\n"
            f"{lines}\n\n"
            f"Total: {confirmation.total}\n"
            f"Payment method: {confirmation.payment_method}\n"
        )
        return msg

    def send_later(self, confirmation: Confirmation, delay_seconds: float = 0.0) -> None:
        """Send in the background, after ``delay_seconds``."""
        task = asyncio.get_running_loop().create_task(
            self._send(self.message(confirmation), confirmation.order_number, delay_seconds)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, msg: EmailMessage, order_number: str, delay_seconds: float) -> None:
        start = time.monotonic()
        if delay_seconds > 0:
            await asyncio.sleep(delay_seconds)
        try:
            await asyncio.to_thread(self._deliver, msg)
        except (OSError, smtplib.SMTPException) as exc:
            self.errors.append(f"{msg['To']}: {exc}")
        else:
            self.sent.append((order_number, time.monotonic() - start))

    def _deliver(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_SECONDS) as smtp:
            smtp.send_message(msg)

    async def close(self) -> None:
        """Stop mails still waiting to be sent (a late mail of a shop that is stopping)."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
