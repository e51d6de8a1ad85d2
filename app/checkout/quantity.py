"""How many tickets one checkout buys and who each one is for: the quantity chooser and
the attendee rows.

Kept apart from the buyer's fields so the rows can be drawn again on their own: by the
"Update" button without JavaScript (the whole form comes back as typed, with one row per
ticket) and by htmx when the quantity changes (the rows and the total only).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, StopValidation, ValidationError

from app.catalog.models import MAX_PER_ORDER, Offer
from app.orders.placing import Attendee
from app.web.forms import guest_email_field, nfc_text, person_name, strip_text


class AttendeeForm(Form):
    """One ticket's row. A plain wtforms Form: the checkout's own CSRF token covers it."""

    name = StringField(
        _l("Name on the ticket"),
        filters=[strip_text, nfc_text],
        validators=[
            Length(max=120, message=_l("Please keep it under %(max)d characters.")),
            person_name,
        ],
        render_kw={"autocomplete": "off", "maxlength": 120},
    )
    email = guest_email_field()


def _quantity_allowed(form: Any, field: SelectField) -> None:
    """A forged quantity (0, 6, "abc") is refused with words, never trusted."""
    allowed = [choice.value for choice in field.choices]
    if field.data not in allowed:
        raise StopValidation(
            gettext("You can buy from 1 to %(max)d tickets in one order.", max=len(allowed))
        )


def _names_given(form: Any, field: FieldList) -> None:
    """Every ticket after the first needs a name; the first, left empty, is the buyer's."""
    missing = False
    for entry in field.entries[1:]:
        name = entry.form.name
        if not name.errors and not name.data:
            name.errors = [*name.errors, gettext("Please tell us who this ticket is for.")]
            missing = True
    if missing:
        raise ValidationError(gettext("Please tell us who each ticket is for."))


def quantity_field() -> SelectField:
    return SelectField(
        _l("Tickets"),
        choices=[SelectChoice("1", "1")],
        default="1",
        # Checked by _quantity_allowed, with a message a person can act on.
        validate_choice=False,
        validators=[_quantity_allowed],
    )


def attendees_field() -> FieldList:
    return FieldList(
        FormField(AttendeeForm),
        min_entries=0,
        max_entries=MAX_PER_ORDER,
        validators=[_names_given],
    )


def offer_quantities(form: Any, offer: Offer | None) -> int:
    """Offer 1 to the offer's `max_per_order` tickets; answer the quantity asked for, or
    1 while what was sent is not one of them (its error then shows on the field)."""
    most = offer.max_per_order if offer else 1
    form.quantity.choices = [SelectChoice(str(n), str(n)) for n in range(1, most + 1)]
    offered = {choice.value for choice in form.quantity.choices}
    # Compared as text: "²" or "３" pass str.isdigit() but are no quantity we offer.
    return int(form.quantity.data) if form.quantity.data in offered else 1


def fit_attendee_rows(form: Any, quantity: int) -> None:
    """One row per ticket when there are several (none for a single ticket: it is the
    buyer's), keeping what was typed in the rows that stay, numbered 0..n-1 again."""
    wanted = quantity if quantity > 1 else 0
    blank = SimpleNamespace(name="", email="")
    typed = [
        SimpleNamespace(name=entry.form.name.data, email=entry.form.email.data)
        for entry in form.attendees.entries
    ]
    form.attendees.entries = []
    form.attendees.last_index = -1
    for position in range(wanted):
        form.attendees.append_entry(typed[position] if position < len(typed) else blank)


def attendees_of(form: Any) -> tuple[Attendee, ...]:
    """The rows as the order takes them (an empty name is the buyer's seat)."""
    return tuple(
        Attendee(name=entry.form.name.data or "", email=entry.form.email.data or None)
        for entry in form.attendees.entries
    )
