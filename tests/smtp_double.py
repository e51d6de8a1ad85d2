"""A real SMTP server for the tests (aiosmtpd), keeping what it receives to be read back.

It can answer the next messages with an error (451 "try later", 550 "no such user")
or take its time before answering, to play a slow or failing mail provider.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpDouble:
    received: list[EmailMessage] = field(default_factory=list)
    # Answers for the next DATA commands, e.g. ["451 4.3.0 try later"]; then 250.
    answers: list[str] = field(default_factory=list)
    delay_seconds: float = 0.0
    connections: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpDouble:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.connections += 1
            answer = self.answers.pop(0) if self.answers else None
            delay = self.delay_seconds
        if delay:
            # A slow provider: this client waits for the answer to DATA, others do not.
            await asyncio.sleep(delay)
        if answer:
            return answer
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(message)
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]
