"""The discount code form of the back office: what marketing may type for a code, read
back into plain values (cents, UTC times) for the service that keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.catalog.discounts import AMOUNT, CODE_PATTERN, PERCENT, DiscountCode, normalize_code
from app.money import parse_euros
from app.timeutil import LISBON, to_lisbon
from app.web.forms import nfc_text, strip_text

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


@dataclass(frozen=True)
class CodeValues:
    """A code as typed, checked, in the shop's units."""

    code: str
    kind: str
    value: int
    offer_ids: list[int] | None
    valid_from: datetime | None
    valid_until: datetime | None
    max_uses: int | None
    active: bool
    note: str


class MultiCheckboxField(SelectMultipleField):
    """Boxes to tick, one per offer: works the same with and without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DiscountForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("Letters, digits and dashes; capitals or not, it is the same code."),
        filters=[strip_text],
        validators=[DataRequired(message=_l("Type the code.")), Length(max=40)],
        render_kw={"maxlength": 40, "autocomplete": "off", "autocapitalize": "characters"},
    )
    kind = RadioField(
        _l("Discount"),
        choices=[
            SelectChoice(PERCENT, _l("A percentage of the price")),
            SelectChoice(AMOUNT, _l("An amount off each ticket (€)")),
        ],
        default=PERCENT,
        validators=[DataRequired(message=_l("Choose the kind of discount."))],
    )
    value = StringField(
        _l("How much"),
        description=_l("A percentage such as 10, or euros such as 20,00."),
        validators=[DataRequired(message=_l("Type how much the code takes off."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 10},
    )
    offers = MultiCheckboxField(
        _l("Tickets"),
        description=_l("Tick none for every ticket."),
        coerce=int,
        choices=[],
        validate_choice=True,
    )
    valid_from = DateTimeLocalField(
        _l("Valid from (Lisbon time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    valid_until = DateTimeLocalField(
        _l("Valid until (Lisbon time)"), format=LOCAL_FORMAT, validators=[Optional()]
    )
    max_uses = IntegerField(
        _l("Maximum uses"),
        description=_l("Empty: no limit. Unpaid orders that expire give their use back."),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000, message=_l("A whole number, 1 or more.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    active = BooleanField(_l("Active"), default=True)
    note = StringField(
        _l("Note for the team (optional)"),
        filters=[strip_text, nfc_text],
        validators=[Length(max=200)],
        render_kw={"maxlength": 200},
    )

    def validate_code(self, field: StringField) -> None:
        if not CODE_PATTERN.match(normalize_code(field.data)):
            raise ValidationError(
                _l("Use 2 to 40 letters, digits, dashes or underscores, without spaces.")
            )

    def validate_value(self, field: StringField) -> None:
        text = (field.data or "").strip()
        if self.kind.data == PERCENT:
            if not text.isdigit() or not 1 <= int(text) <= 100:
                raise ValidationError(_l("A percentage is a whole number from 1 to 100."))
            return
        try:
            parse_euros(text)
        except ValueError as exc:
            raise ValidationError(_l("Type an amount such as 20,00.")) from exc

    def validate_valid_until(self, field: DateTimeLocalField) -> None:
        if field.data and self.valid_from.data and field.data <= self.valid_from.data:
            raise ValidationError(_l("The end must be after the start."))

    def values(self) -> CodeValues:
        """What was typed, in cents and UTC (call after validate)."""
        text = self.value.data.strip()
        return CodeValues(
            code=normalize_code(self.code.data),
            kind=self.kind.data,
            value=int(text) if self.kind.data == PERCENT else parse_euros(text),
            offer_ids=sorted(self.offers.data) or None,
            valid_from=_utc(self.valid_from.data),
            valid_until=_utc(self.valid_until.data),
            max_uses=self.max_uses.data,
            active=bool(self.active.data),
            note=self.note.data or "",
        )


def _utc(local: datetime | None) -> datetime | None:
    """A Lisbon wall-clock time typed in the form, as the database keeps it."""
    return local.replace(tzinfo=LISBON).astimezone(UTC) if local else None


def form_data(code: DiscountCode) -> dict[str, object]:
    """A kept code as the form shows it (Lisbon times, euros with a comma)."""
    value = (
        str(code.value) if code.kind == PERCENT else f"{code.value // 100},{code.value % 100:02d}"
    )
    return {
        "code": code.code,
        "kind": code.kind,
        "value": value,
        "offers": code.offer_ids or [],
        "valid_from": to_lisbon(code.valid_from).replace(tzinfo=None) if code.valid_from else None,
        "valid_until": (
            to_lisbon(code.valid_until).replace(tzinfo=None) if code.valid_until else None
        ),
        "max_uses": code.max_uses,
        "active": code.active,
        "note": code.note,
    }
