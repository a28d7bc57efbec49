"""Outgoing mail for the tests: transports that fail the two ways a mail server can (the edge of the world,
where the suite may fake), and a real SMTP server process that keeps what it receives in a Maildir."""

import mailbox
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class MailServerAway(BaseEmailBackend):
    """Nobody answers on the mail server's port: every send raises, as SMTP's connect would."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


class RecipientRefused(BaseEmailBackend):
    """The mail server answers and refuses the message's recipient, every time."""

    def send_messages(self, email_messages):
        recipients = {address: (550, b"No such mailbox") for m in email_messages for address in m.to}
        raise smtplib.SMTPRecipientsRefused(recipients)


MAIL_SERVER_AWAY = "tests.support.mail.MailServerAway"
RECIPIENT_REFUSED = "tests.support.mail.RecipientRefused"


@contextmanager
def smtp_server(port: int, maildir: Path) -> Iterator[mailbox.Maildir]:
    """A real SMTP server process (aiosmtpd) on 127.0.0.1:`port`, delivering into `maildir`, until the
    block ends. Yields the Maildir to read what arrived."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(maildir),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_listening(port, process)
        yield mailbox.Maildir(maildir, create=False)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_listening(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the SMTP server exited: {process.stderr.read().decode()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)  # polling a condition, with a deadline
