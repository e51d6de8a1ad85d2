"""The checkout form: buyer details, tax number, payment method and terms."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation

from app.checkout.quantity import attendees_field, quantity_field
from app.web.forms import email_field, name_field
from app.web.input_rules import InvalidNif, InvalidPhone, normalize_nif, normalize_phone

PAYMENT_METHODS = [
    SelectChoice("card", _l("Card (Visa, Mastercard, Apple Pay, Google Pay)")),
    SelectChoice("mb_way", _l("MB WAY")),
    SelectChoice("multibanco", _l("Multibanco (ATM or home banking reference)")),
    SelectChoice("klarna", _l("Pay in 3 with Klarna (no interest)")),
]


PHONE_MAX = 20
NIF_MAX = 14


def new_checkout_key() -> str:
    return secrets.token_urlsafe(24)


class CheckoutForm(FlaskForm):
    checkout_key = HiddenField(default=new_checkout_key, validators=[Length(max=64)])
    # How many tickets, and who each is for (checkout/quantity.py draws and checks them).
    quantity = quantity_field()
    attendees = attendees_field()
    name = name_field(_l("Full name"))
    email = email_field(_l("Your ticket and receipt are sent here."))
    phone = TelField(
        _l("Mobile phone"),
        description=_l("For MB WAY, use the number linked to your MB WAY app."),
        validators=[
            DataRequired(message=_l("Please tell us your mobile number.")),
            # "+351 912 345 678" is 16 characters; 20 leaves room for "00351 …".
            Length(max=PHONE_MAX, message=_l("This number is too long.")),
        ],
        render_kw={"autocomplete": "tel", "maxlength": PHONE_MAX, "inputmode": "tel"},
    )
    nif = StringField(
        _l("NIF for the invoice (optional)"),
        description=_l("Leave it empty for an invoice without a tax number."),
        # "PT 123 456 789", the longest way people write a NIF, is 14 characters.
        validators=[Length(max=NIF_MAX, message=_l("A NIF has 9 digits."))],
        render_kw={"autocomplete": "off", "maxlength": NIF_MAX, "inputmode": "numeric"},
    )
    # An invoice to a company (or a sole trader's business): its name, NIF and address.
    # The block shows when the box is ticked (CSS :has, no script needed).
    company_invoice = BooleanField(_l("I want an invoice with a company NIF"))
    company_name = StringField(
        _l("Company name"),
        validators=[
            Optional(),
            Length(max=120, message=_l("Please keep it under %(max)d characters.")),
        ],
        render_kw={"autocomplete": "organization", "maxlength": 120},
    )
    company_nif = StringField(
        _l("Company NIF"),
        validators=[Optional(), Length(max=NIF_MAX, message=_l("A NIF has 9 digits."))],
        render_kw={"autocomplete": "off", "maxlength": NIF_MAX, "inputmode": "numeric"},
    )
    company_address = StringField(
        _l("Address"),
        validators=[
            Optional(),
            Length(max=200, message=_l("Please keep it under %(max)d characters.")),
        ],
        render_kw={"autocomplete": "street-address", "maxlength": 200},
    )
    company_postcode = StringField(
        _l("Postcode"),
        validators=[
            Optional(),
            Length(max=8, message=_l("A Portuguese postcode looks like 1000-001.")),
            Regexp(r"^\d{4}-\d{3}$", message=_l("A Portuguese postcode looks like 1000-001.")),
        ],
        render_kw={"autocomplete": "postal-code", "maxlength": 8, "inputmode": "numeric"},
    )
    company_city = StringField(
        _l("City"),
        validators=[
            Optional(),
            Length(max=80, message=_l("Please keep it under %(max)d characters.")),
        ],
        render_kw={"autocomplete": "address-level2", "maxlength": 80},
    )
    # The contract names it `promo_code`; checked against the codes when applied or sent.
    promo_code = StringField(
        _l("Promotional code"),
        validators=[Optional(), Length(max=40, message=_l("This code is too long."))],
        render_kw={"autocomplete": "off", "maxlength": 40, "autocapitalize": "characters"},
    )
    payment_method = RadioField(
        _l("Payment method"),
        choices=PAYMENT_METHODS,
        default="card",
        validators=[DataRequired(message=_l("Please choose how you want to pay."))],
    )
    # Unticked unless she ticks it. Ticked, it asks for consent: the email's owner must
    # still confirm it by the link sent (leads.marketing), as with the lead form.
    marketing_consent = BooleanField(
        _l("I want to receive news and offers from Café com Vendas by email."),
        description=_l(
            "We will first email you a link to confirm: nothing is sent until you do. "
            "You can stop at any time."
        ),
    )
    accept_terms = BooleanField(
        _l("I accept the terms of sale and the privacy policy."),
        validators=[DataRequired(message=_l("Please accept the terms to continue."))],
    )

    # Normalized values, set by the validators below.
    phone_e164: str | None = None
    nif_digits: str | None = None
    company_nif_digits: str | None = None
    # The tickets asked for (1 while the quantity sent is not one the offer allows).
    chosen_quantity: int = 1

    def validate_phone(self, field: TelField) -> None:
        if field.errors:
            return  # too long: one message is enough
        mbway = self.payment_method.data == "mb_way"
        try:
            self.phone_e164 = normalize_phone(field.data, require_pt_mobile=mbway)
        except InvalidPhone as exc:
            if mbway and "MB WAY" in str(exc):
                raise StopValidation(
                    _l("MB WAY needs a Portuguese mobile number, e.g. 912 345 678.")
                ) from exc
            raise StopValidation(_l("This number does not look right, e.g. 912 345 678.")) from exc

    def validate_nif(self, field: StringField) -> None:
        if field.errors:
            return
        try:
            self.nif_digits = normalize_nif(field.data)
        except InvalidNif as exc:
            raise StopValidation(_l("This NIF is not valid: please check its 9 digits.")) from exc

    def validate_company_name(self, field: StringField) -> None:
        _required_for_company(self, field, _l("Please tell us the company's name."))

    def validate_company_address(self, field: StringField) -> None:
        _required_for_company(self, field, _l("Please tell us the company's address."))

    def validate_company_postcode(self, field: StringField) -> None:
        _required_for_company(self, field, _l("A Portuguese postcode looks like 1000-001."))

    def validate_company_city(self, field: StringField) -> None:
        _required_for_company(self, field, _l("Please tell us the city."))

    def validate_company_nif(self, field: StringField) -> None:
        _required_for_company(self, field, _l("Please tell us the company's NIF."))
        if not self.company_invoice.data or field.errors:
            return
        try:
            self.company_nif_digits = normalize_nif(field.data)
        except InvalidNif as exc:
            raise StopValidation(_l("This NIF is not valid: please check its 9 digits.")) from exc


def _required_for_company(form: CheckoutForm, field: StringField, message: object) -> None:
    """The company's details are needed only when the box asks for a company invoice."""
    if form.company_invoice.data and not (field.data or "").strip():
        raise StopValidation(str(message))


def company_address(form: CheckoutForm) -> str:
    """The company's address as the order keeps it: street, postcode and city, a line each."""
    parts = (form.company_address.data, form.company_postcode.data, form.company_city.data)
    return "\n".join((part or "").strip() for part in parts)
