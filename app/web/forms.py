"""Small pieces shared by every form."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, StringField
from wtforms.validators import DataRequired, Email, Length, StopValidation, ValidationError

from app.web.input_rules import InvalidName, check_name


def strip_text(value: str | None) -> str | None:
    """Drop the spaces people leave around what they type (and phones add after emails)."""
    return value.strip() if isinstance(value, str) else value


def nfc_text(value: str | None) -> str | None:
    """One spelling per name: "João" typed on a Mac (o + combining tilde) becomes the
    same single characters as everywhere else, so lengths and lookups agree."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def person_name(form: Any, field: Field) -> None:
    """A name as a person writes one (validator; empty passes, `DataRequired` decides)."""
    if not field.data:
        return
    try:
        check_name(field.data)
    except InvalidName as exc:
        raise ValidationError(
            _l("Please use only letters, spaces, hyphens, apostrophes and dots.")
        ) from exc


def name_field(label: object) -> StringField:
    """A person's name: required, at most 120 characters, any script kept intact."""
    return StringField(
        label,
        filters=[strip_text, nfc_text],
        validators=[
            DataRequired(message=_l("Please tell us your name.")),
            Length(max=120, message=_l("Please keep it under %(max)d characters.")),
            person_name,
        ],
        render_kw={"autocomplete": "name", "maxlength": 120},
    )


def email_field(description: object | None = None) -> EmailField:
    """An email address: required, syntax checked (no DNS lookup), at most 254 characters."""
    return EmailField(
        _l("Email"),
        description=description,
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Please tell us your email.")),
            Length(max=254, message=_l("Please keep it under %(max)d characters.")),
            Email(message=_l("This email does not look right, e.g. ana@exemplo.pt.")),
        ],
        render_kw={"autocomplete": "email", "maxlength": 254, "inputmode": "email"},
    )


def optional_when_empty(form: Any, field: Field) -> None:
    """An empty field stops its checks; a typed one goes on to them. Like wtforms'
    Optional, but read from the field's value: the checkout's ticket rows are rebuilt
    from what was typed (checkout.quantity.fit_attendee_rows), and Optional, which reads
    the raw form data such a row no longer has, let every typed email through unchecked
    ("joana@" got her ticket)."""
    if not field.data:
        field.errors = []
        raise StopValidation()


def guest_email_field() -> EmailField:
    """The email of the person a ticket is for: optional (the buyer passes it on);
    typed, it must be an email, at most 254 characters."""
    return EmailField(
        _l("Their email (optional)"),
        filters=[strip_text],
        validators=[
            optional_when_empty,
            Length(max=254, message=_l("Please keep it under %(max)d characters.")),
            Email(message=_l("This email does not look right, e.g. ana@exemplo.pt.")),
        ],
        render_kw={"autocomplete": "off", "maxlength": 254, "inputmode": "email"},
    )
