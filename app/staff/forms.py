"""The back office's forms: each checks what a member may type, and keeps it on error."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.media.models import HERO, OG, SPEAKER
from app.web.forms import email_field, guest_email_field, name_field, nfc_text, strip_text


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


class TicketRefundForm(FlaskForm):
    """One seat refunded and its ticket voided; the transfer is asked only where the money
    can go back only by a bank transfer the team makes."""

    transfer = StringField(
        _l("Transfer reference or date"),
        validators=[Optional(), Length(max=80)],
        render_kw={"autocomplete": "off", "maxlength": 80},
    )
    confirm = BooleanField(
        _l(
            "I checked it: this seat's money goes back to the buyer and its ticket stops "
            "admitting anyone."
        ),
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


def _plural_text(label: str, missing: str) -> TextAreaField:
    return TextAreaField(label, validators=[DataRequired(message=missing), Length(max=2000)])


class PluralWordingForm(FlaskForm):
    """A plural message in both languages, one text per plural form (`<locale>_<form>`:
    0 for one, 1 for several); each form's rules are checked on save against its own
    source (wording/messages.py)."""

    pt_PT_0 = _plural_text(_l("One (1)"), _l("Type the Portuguese text."))
    pt_PT_1 = _plural_text(_l("Several (0, 2 or more)"), _l("Type the Portuguese text."))
    en_0 = _plural_text(_l("One (1)"), _l("Type the English text."))
    en_1 = _plural_text(_l("Several (0, 2 or more)"), _l("Type the English text."))


class BuyerForm(FlaskForm):
    """The name and email an order's messages go to, corrected."""

    name = name_field(_l("Name"))
    email = email_field()


class TicketHolderForm(FlaskForm):
    """Who one ticket is for: a name, and her own address if she is to get it herself."""

    name = name_field(_l("Name on the ticket"))
    email = guest_email_field()


class ConfirmForm(FlaskForm):
    """An action with nothing to type: one box that says the member meant it."""

    confirm = BooleanField(
        _l("Yes, do it."), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Reference, email or name"), validators=[Length(max=254)])


class CheckinForm(FlaskForm):
    """A ticket's code, scanned by the phone's camera or typed from the ticket."""

    code = StringField(
        _l("Ticket code"),
        description=_l("As on the ticket, e.g. K7Q2M9XA-3FJ8PL2W (case and spaces do not matter)."),
        filters=[strip_text],
        validators=[
            DataRequired(message=_l("Type or scan the ticket's code.")),
            Length(max=64, message=_l("A ticket's code is 16 letters and digits.")),
        ],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "autocorrect": "off",
            "spellcheck": "false",
            "enterkeyhint": "go",
            "maxlength": 64,
        },
    )


class UndoCheckinForm(FlaskForm):
    """Take back a check-in just made (the ticket's reference rides in a hidden field)."""

    ticket = HiddenField(validators=[DataRequired(), Length(max=16)])


class DoorSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        _l("Attendee name"),
        filters=[strip_text],
        validators=[Length(max=120)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "enterkeyhint": "search"},
    )


def _alt_text(label: object, required: object) -> StringField:
    """What a screen reader says instead of the image: required, one or two sentences."""
    return StringField(
        label,
        filters=[strip_text, nfc_text],
        validators=[
            DataRequired(message=required),
            Length(max=300, message=_l("Please keep it under %(max)d characters.")),
        ],
        render_kw={"maxlength": 300, "autocomplete": "off"},
    )


class ImageForm(FlaskForm):
    """An image to upload; `speaker` choices are the current event's speakers."""

    role = SelectField(
        _l("Where it is shown"),
        choices=[
            SelectChoice(HERO, _l("Landing page, at the top (hero)")),
            SelectChoice(SPEAKER, _l("A speaker's photo")),
            SelectChoice(OG, _l("Link preview on social networks and messages (1200 × 630)")),
        ],
    )
    speaker = SelectField(_l("Speaker (for a speaker's photo)"), choices=[])
    alt_pt = _alt_text(
        _l("Description in Portuguese (alternative text)"),
        _l("Describe the image in Portuguese, for people who cannot see it."),
    )
    alt_en = _alt_text(
        _l("Description in English (alternative text)"),
        _l("Describe the image in English, for people who cannot see it."),
    )
    file = FileField(
        _l("Image file"),
        description=_l("JPEG, PNG or WebP, up to 10 MB. Location and camera data are removed."),
        validators=[FileRequired(message=_l("Choose an image file."))],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )

    def validate_speaker(self, field: Field) -> None:
        if self.role.data == SPEAKER and not field.data:
            raise ValidationError(_l("Choose which speaker the photo is of."))
