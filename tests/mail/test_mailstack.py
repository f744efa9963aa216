"""The test mail stack itself: SMTP in, maildir, IMAP out, nothing of the system touched."""

from __future__ import annotations

import smtplib

from imap_tools import MailBoxUnencrypted

from tests.mailstack import MailStack, make_message


def test_a_message_sent_over_smtp_is_read_over_imap(mail_stack: MailStack) -> None:
    with smtplib.SMTP(mail_stack.smtp_host, mail_stack.smtp_port) as smtp:
        smtp.send_message(make_message("Order DS-ABC123 confirmed", "Total 89,00 €", to="a+r1@example.com"))
    assert mail_stack.envelopes == [["a+r1@example.com"]]
    with MailBoxUnencrypted(mail_stack.imap_host, mail_stack.imap_port).login(
        mail_stack.user, mail_stack.password, "INBOX"
    ) as box:
        [msg] = list(box.fetch())
    assert msg.subject == "Order DS-ABC123 confirmed"
    assert "89,00 €" in msg.text
    assert str(mail_stack.root).startswith("/tmp/")
    assert "starting up for imap" in mail_stack.log()
