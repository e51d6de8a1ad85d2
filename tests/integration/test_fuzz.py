"""The fuzz drill: every form, the Stripe webhook and the ifthenpay callback fed thousands
of generated inputs (any Unicode, control characters, huge and empty values, odd field
names); none may get a 5xx. Bounded so CI stays quick: the examples per target are
counted in the output."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ifthenpay_double import ANTI_PHISHING_KEY
from tests.integration.helpers import checkout_data, lead_data
from tests.stripe_double import WEBHOOK_SECRET, sign

EXAMPLES = 400
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
# What people (and scripts) can put in a field.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.sampled_from(["", " ", "\x00", "\r\n", "ana@example.pt", "912 345 678", "PT 123456789"]),
)
FORMS = {
    "/checkout/bilhete-geral": [
        "name",
        "email",
        "phone",
        "nif",
        "payment_method",
        "accept_terms",
        "checkout_key",
        "quantity",
        "attendees-0-name",
        "attendees-1-name",
        "attendees-1-email",
    ],
    "/checkout/bilhete-geral/quantity": ["quantity", "attendees-0-name", "attendees-4-email"],
    "/en/leads": ["name", "email", "business_type", "business_stage", "marketing_consent"],
    "/cookies": ["action", "analytics", "marketing", "next"],
    "/my-data": ["email"],
    "/leads/validate?field=email": ["name", "email"],
    "/checkout/bilhete-geral/validate?field=phone": ["phone", "payment_method"],
}


def _form_strategy(fields: list[str]):
    """Some fields of a valid form replaced by generated text, plus stray fields: valid
    forms go through (orders placed, leads stored), broken ones are refused."""
    base = st.sampled_from([{}, checkout_data(), lead_data()])
    known = st.fixed_dictionaries({}, optional={field: TEXT for field in fields})
    extra = st.dictionaries(st.text(min_size=1, max_size=10), TEXT, max_size=3)
    return st.tuples(base, known, extra).map(lambda parts: {**parts[0], **parts[2], **parts[1]})


def _fuzz_form(client, url: str, fields: list[str], seen: dict[str, set[int]]) -> None:
    @FUZZ
    @given(form=_form_strategy(fields))
    def post(form: dict[str, str]) -> None:
        answer = client.post(url, data=form)
        seen.setdefault(url, set()).add(answer.status_code)
        assert answer.status_code < 500, (url, form, answer.status_code)

    post()


def test_every_form_answers_generated_input_without_a_5xx(app, client, db):
    seen: dict[str, set[int]] = {}
    for url, fields in FORMS.items():
        _fuzz_form(client, url, fields, seen)
    print(f"\nfuzzed {len(FORMS)} forms x {EXAMPLES} examples: statuses {seen}")
    assert all(max(codes) < 500 for codes in seen.values())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
EVENT_TYPES = st.sampled_from(
    [
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
        "checkout.session.completed",
        "checkout.session.expired",
        "charge.refunded",
        "charge.dispute.created",
        "customer.created",
    ]
)


def test_the_webhook_answers_generated_signed_events_without_a_5xx(stripe_client, stripe):
    statuses: set[int] = set()

    @FUZZ
    @given(
        event_id=st.one_of(st.text(max_size=300), st.integers(), st.none()),
        event_type=st.one_of(EVENT_TYPES, TEXT),
        obj=st.one_of(
            st.dictionaries(
                st.sampled_from(
                    [
                        "id",
                        "metadata",
                        "payment_intent",
                        "client_reference_id",
                        "status",
                        "amount_received",
                        "amount_refunded",
                        "refunded",
                        "currency",
                        "amount_total",
                        "payment_status",
                        "receipt_url",
                    ]
                ),
                JSON,
                max_size=6,
            ),
            JSON,
        ),
    )
    def deliver(event_id, event_type, obj) -> None:
        body = json.dumps({"id": event_id, "type": event_type, "data": {"object": obj}}).encode()
        answer = stripe_client.post(
            "/webhooks/stripe",
            data=body,
            headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET)},
            content_type="application/json",
        )
        statuses.add(answer.status_code)
        assert answer.status_code < 500, (body[:300], answer.status_code)

    deliver()
    print(f"\nfuzzed the webhook with {EXAMPLES} signed events: statuses {sorted(statuses)}")


def test_the_ifthenpay_callback_answers_generated_queries_without_a_5xx(
    ifthenpay_client, ifthenpay
):
    statuses: set[int] = set()
    fields = ["orderId", "amount", "requestId", "entity", "reference", "payment_datetime"]

    @FUZZ
    @given(
        values=st.fixed_dictionaries(
            {},
            optional={
                name: st.one_of(
                    TEXT,
                    st.sampled_from(["147.00", "0a1b2c3d4e5f001", "-1", "1e9", "NaN", "12,5"]),
                )
                for name in fields
            },
        ),
        with_key=st.booleans(),
    )
    def call(values, with_key) -> None:
        query = {**values, **({"key": ANTI_PHISHING_KEY} if with_key else {})}
        answer = ifthenpay_client.get("/webhooks/ifthenpay", query_string=query)
        statuses.add(answer.status_code)
        assert answer.status_code < 500, (query, answer.status_code)

    call()
    print(f"\nfuzzed the ifthenpay callback with {EXAMPLES} queries: statuses {sorted(statuses)}")
