"""Email delivery: SMTP when SMTP_URL is set, otherwise .eml files in instance/mail/.

SMTP_URL: smtp://user:password@host:587?starttls=1 (STARTTLS), smtps://host:465 (TLS
from the start) or smtp://host:25 (a local relay). A 5xx answer for the recipient or
the message is permanent; a 4xx answer or a broken connection is retried.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from app.outbox.errors import DeliveryFailed
from app.outbox.models import OutboxMessage


class EmailAdapter:
    channel = "email"

    def __init__(self, config: dict[str, Any]) -> None:
        self.smtp_url = config.get("SMTP_URL") or ""
        self.mail_dir = Path(config["MAIL_DIR"])
        self.timeout = float(config.get("OUTBOX_HTTP_TIMEOUT", 10))

    @property
    def enabled(self) -> bool:
        """Always on: without SMTP the embedded default writes .eml files."""
        return True

    def deliver(self, message: OutboxMessage, letter: EmailMessage) -> None:
        """Send the composed email once (or write it as a file)."""
        email = letter
        if not self.smtp_url:
            self._write(message, email.as_bytes())
            return
        try:
            with self._connect() as smtp:
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(
                f"recipient refused {codes}", permanent=all(code >= 500 for code in codes)
            ) from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            raise DeliveryFailed(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=exc.smtp_code >= 500
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"SMTP login refused ({exc.smtp_code})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP unavailable: {type(exc).__name__}: {exc}") from exc

    def _connect(self) -> smtplib.SMTP:
        url = urlsplit(self.smtp_url)
        options = parse_qs(url.query)
        host = url.hostname or "localhost"
        if url.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, url.port or 465, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, url.port or 25, timeout=self.timeout)
            if options.get("starttls", ["0"])[0] in {"1", "true", "yes"}:
                smtp.starttls(context=ssl.create_default_context())
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        return smtp

    def _write(self, message: OutboxMessage, data: bytes) -> None:
        """One file per message (a retry rewrites the same file), written atomically."""
        self.mail_dir.mkdir(parents=True, exist_ok=True)
        stamp = message.created_at.strftime("%Y%m%dT%H%M%S")
        path = self.mail_dir / f"{stamp}-{message.id:06d}-{message.kind}.eml"
        partial = path.with_suffix(".eml.part")
        partial.write_bytes(data)
        os.replace(partial, path)
