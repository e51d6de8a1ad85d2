"""Privacy-centre forms: the email to send the link to, and the erasure confirmation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms.validators import InputRequired

from app.web.forms import email_field


class AccessForm(FlaskForm):
    email = email_field(_l("The email you gave us when you signed up or bought a ticket."))


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that this erases my data for good and cannot be undone."),
        validators=[InputRequired(message=_l("Please tick the box to confirm the erasure."))],
    )
