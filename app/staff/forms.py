"""The back office's forms: each checks what a member may type, and keeps it on error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.web.forms import email_field, name_field


class SignInForm(FlaskForm):
    email = email_field()
    next = HiddenField()


class RefundForm(FlaskForm):
    # Euros as typed on a phone: "12", "12,50" or "12.50"; empty refunds what is left.
    amount = StringField(
        _l("Amount to refund (€)"),
        validators=[
            Optional(),
            Regexp(r"^\d{1,6}([.,]\d{1,2})?$", message=_l("Type an amount such as 12,50.")),
        ],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    confirm = BooleanField(
        _l("I checked the amount: the money goes back to the buyer."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class TransferRefundForm(RefundForm):
    """A refund the team already sent by bank transfer (Multibanco has no way back)."""

    transfer = StringField(
        _l("Transfer reference or date"),
        validators=[
            DataRequired(message=_l("Say which transfer sent the money back.")),
            Length(max=80),
        ],
        render_kw={"autocomplete": "off", "maxlength": 80},
    )
    confirm = BooleanField(
        _l("I sent this amount back to the buyer by bank transfer."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class WordingForm(FlaskForm):
    """One message in both languages; the rules it must keep are checked on save
    (wording/messages.py: placeholders, no control characters)."""

    pt_PT = TextAreaField(
        _l("Portuguese (Portugal)"),
        validators=[DataRequired(message=_l("Type the Portuguese text.")), Length(max=2000)],
    )
    en = TextAreaField(
        _l("English"),
        validators=[DataRequired(message=_l("Type the English text.")), Length(max=2000)],
    )


class AttendeeForm(FlaskForm):
    name = name_field(_l("Attendee name"))
    email = email_field()


class ConfirmForm(FlaskForm):
    """An action with nothing to type: one box that says the member meant it."""

    confirm = BooleanField(
        _l("Yes, do it."), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Reference, email or name"), validators=[Length(max=254)])
