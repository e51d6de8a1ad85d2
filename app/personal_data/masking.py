"""Logs carry no personal data: a mask for emails, phone numbers and NIFs.

The shop's own log lines name orders and messages by id, never a person. This is the
defence in depth behind that rule: every log record is masked as it is created, so a
library that logs what it sends (stripe-python at DEBUG logs its request bodies, urllib3
its URLs) or an exception that quotes its input cannot put an address in the logs.

The mask runs in the log record factory rather than as a filter on a logger or a
handler: a logger's filter does not see records from its child loggers, and a handler's
filter misses handlers added later (gunicorn's, a hosting platform's, pytest's).
"""

from __future__ import annotations

import logging
import re
from typing import Any

EMAIL_MASK = "[email]"
NUMBER_MASK = "[number]"

# An address, also URL-encoded (`%40`) as it appears in logged URLs and form bodies.
EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# An international number (+351…, 00351…, or %2B351… when URL-encoded), digits in
# groups with optional spaces, dots or dashes.
INTERNATIONAL_NUMBER = re.compile(
    r"(?<![\w%])(?:\+|%2B|00)\d{1,3}(?:[\s.-]?\d){6,12}(?!\w)", re.IGNORECASE
)
# Nine digits on their own, grouped 3-3-3 or not: a Portuguese phone (912 345 678) or a
# NIF (PT123456789 on a VAT id). A Multibanco reference is masked too; that is harmless.
NINE_DIGITS = re.compile(r"(?<![\w%])(?:PT)?\d{3}[\s.-]?\d{3}[\s.-]?\d{3}(?!\w)")


def mask_personal_data(text: str) -> str:
    """`text` with email addresses, phone numbers and NIFs replaced by placeholders."""
    text = EMAIL.sub(EMAIL_MASK, text)
    text = INTERNATIONAL_NUMBER.sub(NUMBER_MASK, text)
    return NINE_DIGITS.sub(NUMBER_MASK, text)


class PersonalDataFilter(logging.Filter):
    """Masks the message, its arguments, the traceback and the stack of a record in place.

    It never drops a record. `install_log_masking` applies it to every record; it can
    also be put on a handler in a custom logging configuration.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it as logging does
            message = None
        if message is not None:
            record.msg = mask_personal_data(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when set, so the traceback is shown masked.
            record.exc_text = mask_personal_data(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


_FORMATTER = logging.Formatter()
_FILTER = PersonalDataFilter()


# Loggers that write whole request bodies when verbose, where names and addresses sit in
# forms the mask cannot recognise (stripe-python's "Post details" at DEBUG): never below INFO.
BODY_LOGGERS = ("stripe",)


def install_log_masking() -> None:
    """Mask every log record of the process from now on (idempotent)."""
    for name in BODY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.INFO:  # NOTSET (0) too: it would inherit the root's DEBUG
            logger.setLevel(logging.INFO)
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _FILTER.filter(record)
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
