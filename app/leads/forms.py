"""The lead form: who the person is and where their business stands."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField
from wtforms.validators import InputRequired, StopValidation

from app.web.forms import email_field, name_field

BUSINESS_TYPES = [
    SelectChoice("", _l("Choose one")),
    SelectChoice("services", _l("Services (coaching, consulting, therapy…)")),
    SelectChoice("products", _l("Physical products")),
    SelectChoice("digital", _l("Digital products or courses")),
    SelectChoice("food", _l("Food and drink")),
    SelectChoice("other", _l("Something else")),
]

BUSINESS_STAGES = [
    SelectChoice("", _l("Choose one")),
    SelectChoice("idea", _l("Still an idea")),
    SelectChoice("starting", _l("Started in the last year")),
    SelectChoice("growing", _l("Selling, wants to grow")),
    SelectChoice("established", _l("Established, wants to scale")),
]


def choice_label(choices: list[SelectChoice], value: str) -> str:
    """The words shown for a stored choice (the value itself if it is no longer offered;
    nothing for none, such as a lead made at the checkout, which does not ask)."""
    if not value:
        return ""
    for choice in choices:
        if choice.value == value:
            return str(choice.label)
    return value


def _choice_values(choices: list[SelectChoice]) -> list[str]:
    return [choice.value for choice in choices if choice.value]


class LeadForm(FlaskForm):
    name = name_field(_l("Name"))
    email = email_field()
    business_type = SelectField(
        _l("Type of business"),
        choices=BUSINESS_TYPES,
        validators=[InputRequired(message=_l("Please choose the type of business."))],
    )
    business_stage = SelectField(
        _l("Where is your business today?"),
        choices=BUSINESS_STAGES,
        validators=[InputRequired(message=_l("Please choose where your business is."))],
    )
    marketing_consent = BooleanField(
        _l("I want to receive news and offers from Café com Vendas by email.")
    )

    def validate_business_type(self, field: SelectField) -> None:
        _require_choice(field, BUSINESS_TYPES, _l("Please choose the type of business."))

    def validate_business_stage(self, field: SelectField) -> None:
        _require_choice(field, BUSINESS_STAGES, _l("Please choose where your business is."))


def _require_choice(field: SelectField, choices: list, message: object) -> None:
    if field.data not in _choice_values(choices):
        raise StopValidation(str(message))
