"""A real SMTP server on loopback (aiosmtpd), keeping every message it accepts."""
from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from service.mail.smtp_out import smtp_transport


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: every accepted message, parsed."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        return "250 OK"


class SlowInbox(Inbox):
    """Takes ``seconds`` to accept each of the first ``slow`` messages (a mail server under load)."""

    def __init__(self, seconds: float, slow: int = 1):
        super().__init__()
        self.seconds, self.slow = seconds, slow

    async def handle_DATA(self, server, session, envelope):
        if len(self.messages) < self.slow:
            time.sleep(self.seconds)  # the whole server stands still meanwhile, as an overloaded one would
        return await super().handle_DATA(server, session, envelope)


class SilentServer:
    """Accepts TCP connections on loopback and never says a word (no SMTP greeting)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections.append(connection)

    def start(self) -> "SilentServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


class SmtpServer:
    def __init__(self, port: int | None = None, inbox: Inbox | None = None):
        self.port = port or free_port()
        self.inbox = inbox or Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def text_of(message: EmailMessage) -> str:
    """Subject, plain and HTML parts together, for scanning."""
    parts = [message["Subject"] or ""]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def transport_to(app, port: int, timeout: float = 30.0):
    """The app's SMTP transport, pointed at a test server on loopback."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_USE_SSL=False,
                      MAIL_DEFAULT_SENDER="KoopFlow <koopflow@lwv.test>", KOOPFLOW_SMTP_TIMEOUT=timeout)
    return smtp_transport(app)
