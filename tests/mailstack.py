"""A real mail stack for tests: an SMTP server (aiosmtpd) delivering into a maildir that a real
IMAP server (Debian's dovecot) serves.

Everything lives in one temporary folder: dovecot's own config file (never /etc/dovecot), its
base and state folders, a passwd-file with one user, and the maildir. Dovecot listens on a free
loopback port, logs to a file there and is started in the foreground (``dovecot -c FILE -F``),
so nothing of the machine's mail is read or touched::

    with MailStack.start() as mail:
        send(mail.smtp_host, mail.smtp_port, ...)
        imap login mail.imap_host:mail.imap_port as mail.user / mail.password

Dovecot never gives mail access to uid 0, so under root the maildir belongs to Debian's ``mail``
user and the folder sits under /tmp, which that user can enter (pytest's tmp_path cannot be).
A missing dovecot is a test failure with the install command, never a skip.
"""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller

from tests.promstack import free_port

READY_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
USER = "monitor@example.com"
PASSWORD = "imap-test-pass-8f3a"


class MailStackError(RuntimeError):
    """dovecot is missing, died, or did not get ready."""


def find_dovecot() -> str:
    """The path of the dovecot binary; raises naming the Debian package when it is missing."""
    path = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if path is None:
        raise MailStackError("dovecot not found: apt-get install -y --no-install-recommends dovecot-imapd")
    return path


def _mail_owner() -> tuple[int, int]:
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    user = pwd.getpwnam("mail")
    return user.pw_uid, user.pw_gid


def _config(root: Path, port: int, uid: int, gid: int) -> str:
    as_user = ""
    if os.geteuid() != 0:
        # Without root dovecot cannot switch users: everything runs as the caller.
        name = pwd.getpwuid(uid).pw_name
        as_user = f"default_internal_user = {name}\ndefault_login_user = {name}\n"
    return f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
listen = 127.0.0.1
protocols = imap
first_valid_uid = 1
mail_location = maildir:{root}/Maildir
{as_user}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


class _Deliver:
    """aiosmtpd handler: every accepted message goes into the maildir, as a local delivery agent would."""

    def __init__(self, stack: MailStack) -> None:
        self.stack = stack

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.stack.deliver(envelope.original_content or envelope.content, envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@dataclass
class MailStack:
    """A running dovecot + SMTP server pair over one maildir."""

    root: Path
    imap_port: int
    smtp_port: int = 0
    user: str = USER
    password: str = PASSWORD
    imap_host: str = "127.0.0.1"
    smtp_host: str = "127.0.0.1"
    envelopes: list[list[str]] = field(default_factory=list)
    """Recipients of every message the SMTP server accepted, in order."""
    _dovecot: subprocess.Popen[bytes] | None = None
    _smtp: Controller | None = None
    _owner: tuple[int, int] = (0, 0)

    # --- life cycle ------------------------------------------------------------------------

    @classmethod
    def start(cls) -> MailStack:
        """Start dovecot and the SMTP server; raises :class:`MailStackError` with dovecot's log."""
        binary = find_dovecot()
        uid, gid = _mail_owner()
        root = Path(tempfile.mkdtemp(prefix="cxmon-mail-"))
        os.chmod(root, 0o755)
        for sub in ("run", "state"):
            (root / sub).mkdir()
        (root / "home").mkdir()
        os.chown(root / "home", uid, gid)
        mailbox.Maildir(str(root / "Maildir"), create=True)  # creates cur/, new/, tmp/
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        stack = cls(root=root, imap_port=free_port(), _owner=(uid, gid))
        stack._chown_tree()
        (root / "dovecot.conf").write_text(_config(root, stack.imap_port, uid, gid))
        stack._dovecot = subprocess.Popen(
            [binary, "-c", str(root / "dovecot.conf"), "-F"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        try:
            stack._wait_for_imap()
            stack.smtp_port = free_port()
            stack._smtp = Controller(_Deliver(stack), hostname="127.0.0.1", port=stack.smtp_port)
            stack._smtp.start()
        except BaseException:
            stack.stop()
            raise
        return stack

    def _wait_for_imap(self) -> None:
        assert self._dovecot is not None
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._dovecot.poll() is not None:
                raise MailStackError(f"dovecot exited with {self._dovecot.returncode}:\n{self.log()}")
            try:
                with socket.create_connection((self.imap_host, self.imap_port), timeout=1) as sock:
                    if sock.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise MailStackError(f"dovecot did not answer on port {self.imap_port}:\n{self.log()}")

    def log(self) -> str:
        """dovecot's log so far."""
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop both servers and remove the folder; safe to call twice."""
        if self._smtp is not None:
            self._smtp.stop()
            self._smtp = None
        if self._dovecot is not None:
            self._dovecot.terminate()
            try:
                self._dovecot.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._dovecot.kill()
                self._dovecot.wait()
            self._dovecot = None
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> MailStack:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- mail ------------------------------------------------------------------------------

    def _chown_tree(self) -> None:
        uid, gid = self._owner
        for dirpath, _, files in os.walk(self.root / "Maildir"):
            os.chown(dirpath, uid, gid)
            for name in files:
                os.chown(os.path.join(dirpath, name), uid, gid)

    def maildir(self, folder: str | None = None) -> mailbox.Maildir:
        """The maildir (or one of its folders, Maildir++ style: ``.Name``)."""
        md = mailbox.Maildir(str(self.root / "Maildir"), create=False)
        return md if folder in (None, "INBOX") else md.get_folder(folder)

    def deliver(self, message: bytes | str | EmailMessage, recipients: list[str] | None = None) -> None:
        """Put one message into INBOX, as the SMTP server does."""
        self.maildir().add(message)
        self._chown_tree()
        self.envelopes.append(list(recipients or []))

    def add_folder(self, name: str) -> None:
        """Create a folder (e.g. ``Processed``) the IMAP server lists."""
        self.maildir().add_folder(name)
        self._chown_tree()

    def messages(self, folder: str | None = None) -> list[mailbox.MaildirMessage]:
        """The messages in a folder right now, read from disk."""
        return list(self.maildir(folder))

    def subjects(self, folder: str | None = None) -> list[str]:
        return sorted(str(m["Subject"]) for m in self.messages(folder))


def make_message(
    subject: str, body: str, to: str = "synthetic@example.com", sender: str = "shop@example.com"
) -> EmailMessage:
    """A plain-text message."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(body)
    return msg


@contextmanager
def mail_stack() -> Iterator[MailStack]:
    """A started :class:`MailStack`, stopped afterwards."""
    stack = MailStack.start()
    try:
        yield stack
    finally:
        stack.stop()
