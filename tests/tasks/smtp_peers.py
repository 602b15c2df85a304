"""Real SMTP peers for the mail tests: aiosmtpd with slow steps, and a bare server that drops the line."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message_ids(raw_messages: list[bytes]) -> list[str]:
    return [email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"] for raw in raw_messages]


class Sink:
    """aiosmtpd's handler: keeps each message; `rcpt_delay` waits before accepting a recipient (before the
    hand-over), `data_delay` after receiving the message and before answering 250 (during it)."""

    def __init__(self, rcpt_delay: float = 0, data_delay: float = 0, refuse_rcpt: int | None = None):
        self.messages: list[bytes] = []
        self.rcpt_delay, self.data_delay, self.refuse_rcpt = rcpt_delay, data_delay, refuse_rcpt
        self.rcpt_seen = threading.Event()
        self.data_seen = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's name)
        self.rcpt_seen.set()
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        if self.refuse_rcpt:
            return f"{self.refuse_rcpt} No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope.original_content or envelope.content)
        self.data_seen.set()
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return "250 OK"


def start_sink(port: int | None = None, **kwargs) -> tuple[Sink, Controller]:
    sink = Sink(**kwargs)
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    return sink, controller


class DroppingServer:
    """A bare SMTP server in a thread: it takes the message, then either answers 250 and drops the connection
    before QUIT (`answer=True`), or drops it without answering (the client cannot know whether it arrived)."""

    def __init__(self, answer: bool):
        self.answer = answer
        self.messages: list[bytes] = []
        self.port = free_port()
        self._socket = socket.create_server(("127.0.0.1", self.port))
        self._socket.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            with connection:
                self._converse(connection)

    def _converse(self, connection):
        connection.settimeout(10)
        reader = connection.makefile("rb")
        connection.sendall(b"220 sink ESMTP\r\n")
        while True:
            line = reader.readline()
            if not line:
                return
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                connection.sendall(b"250 sink\r\n")
            elif verb in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                connection.sendall(b"250 OK\r\n")
            elif verb == b"DATA":
                connection.sendall(b"354 Go ahead\r\n")
                body = []
                while (data_line := reader.readline()) not in (b".\r\n", b""):
                    body.append(data_line)
                self.messages.append(b"".join(body))
                if self.answer:
                    connection.sendall(b"250 OK\r\n")
                time.sleep(0.1)
                return  # the line drops here: before QUIT, or before the answer
            elif verb == b"QUIT":
                connection.sendall(b"221 Bye\r\n")
                return
            else:
                connection.sendall(b"502 Not here\r\n")

    def stop(self):
        self._stop.set()
        self._thread.join(2)
        self._socket.close()
