"""The log mask: emails, phone numbers and NIFs never reach a log line."""

import logging
import sys

import pytest

from app.personal_data.masking import PersonalDataFilter, install_log_masking, mask_personal_data


@pytest.mark.parametrize(
    "text",
    [
        "sent to maria.silva+shop@example.com.pt",
        "GET /v4/subscribers?email_address=maria.silva%40example.pt HTTP/1.1",
        "phone +351 912 345 678",
        "phone +351912345678",
        "phone=%2B351912345678&name=x",
        "phone 00351 912 345 678",
        "phone 912 345 678",
        "phone 912-345-678",
        "phone 912345678.",
        "nif 123456789",
        "tax id PT123456789",
        "a UK number +44 20 7946 0958",
    ],
)
def test_personal_data_is_masked(text):
    masked = mask_personal_data(text)
    for secret in ("maria", "912", "345 678", "123456789", "7946"):
        assert secret not in masked, masked
    assert "[email]" in masked or "[number]" in masked


@pytest.mark.parametrize(
    "text",
    [
        "order 1c9f0e2a-3b4d-4e5f-8a6b-7c8d9e0f1a2b: paid (webhook)",
        "outbox 42 email/order_confirmation: retry (HTTP 503)",
        "webhook payment_intent.succeeded evt_1A2b3C: applied",
        "2026-11-28 10:15:00 amount 14700 cents",
        "timestamp 1767225600 and 12345678",
    ],
)
def test_ids_amounts_and_times_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_the_filter_masks_arguments_and_tracebacks_without_dropping_the_record():
    try:
        raise ValueError("refused maria@example.pt")
    except ValueError:
        record = logging.LogRecord(
            "shop",
            logging.ERROR,
            __file__,
            1,
            "sent to %s (%s)",
            ("ana@example.pt", 912345678),
            sys.exc_info(),
        )
    assert PersonalDataFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "ana@" not in formatted and "912345678" not in formatted
    assert "maria@" not in formatted
    assert "sent to [email] ([number])" in formatted
    assert "ValueError: refused [email]" in formatted


def test_once_installed_every_logger_masks_what_it_is_given(caplog):
    install_log_masking()
    install_log_masking()  # idempotent: one mask, not two
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("some.library.deep.down").debug("post data email=%s", "ana@example.pt")
    [record] = caplog.records
    assert record.getMessage() == "post data email=[email]"


def test_libraries_that_log_request_bodies_stay_above_debug(caplog):
    install_log_masking()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("stripe").debug("Post details name=Zulmira+Quaresma")
    assert caplog.records == []
