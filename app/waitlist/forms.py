"""The waiting list's form: a name, an email, and marketing only if ticked."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField

from app.web.forms import email_field, name_field


class WaitlistForm(FlaskForm):
    name = name_field(_l("Full name"))
    email = email_field(_l("We write here once, when a seat frees up for you."))
    marketing_consent = BooleanField(
        _l("I also want to receive news and offers from Café com Vendas by email."),
        description=_l(
            "We will first email you a link to confirm: nothing is sent until you do. "
            "You can stop at any time."
        ),
    )


def waitlist_form(slug: str) -> WaitlistForm:
    """The form of one offer's list. Its fields carry the offer in their names, so the
    landing can show one form per sold-out offer next to the lead form, ids apart."""
    return WaitlistForm(prefix=f"waitlist-{slug}")
