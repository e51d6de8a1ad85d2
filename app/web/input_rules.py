"""Pure rules for what people type: names, emails, phone numbers and Portuguese tax numbers
(NIF). Forms, services and the blind index all apply the same ones."""

from __future__ import annotations

import unicodedata

import phonenumbers
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.pt import nif as pt_nif


class InvalidPhone(ValueError):
    pass


class InvalidNif(ValueError):
    pass


class InvalidName(ValueError):
    pass


# Besides letters: "Ana Sofia", "Ana-Sofia", "D'Ávila" / "D’Ávila", "Maria J. Reis".
NAME_PUNCTUATION = frozenset(" -.'\u2019")


def check_name(name: str) -> None:
    """Accept a person's name in any script; refuse digits, symbols and control characters.

    Letters (Unicode categories L*) and combining marks (M*, which scripts such as
    Devanagari and decomposed accents need) pass, with spaces, hyphens, apostrophes and
    dots; at least one letter is required.
    """
    has_letter = False
    for char in name:
        category = unicodedata.category(char)
        if category[0] == "L":
            has_letter = True
        elif category[0] != "M" and char not in NAME_PUNCTUATION:
            raise InvalidName(f"{unicodedata.name(char, hex(ord(char)))} is not part of a name")
    if not has_letter:
        raise InvalidName("a name needs at least one letter")


def folded(text: str) -> str:
    """A name as people search for it: no accents, no case ("joao" finds "João")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalize_email(email: str) -> str:
    """One spelling per address: surrounding spaces dropped, lower-cased."""
    return email.strip().lower()


def normalize_phone(raw: str, *, require_pt_mobile: bool = False) -> str:
    """Parse a phone as people type it ("912 345 678", "+351…", "00351…") into E.164.

    Numbers without a country code are read as Portuguese.
    """
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "PT")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("not a valid number")
    if require_pt_mobile and not is_pt_mobile(number):
        raise InvalidPhone("MB WAY needs a Portuguese mobile number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_pt_mobile(number: phonenumbers.PhoneNumber) -> bool:
    number_type = phonenumbers.number_type(number)
    return number.country_code == 351 and number_type in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def normalize_nif(raw: str) -> str | None:
    """Return the 9-digit NIF, or None when left empty; raise InvalidNif on a bad check digit."""
    text = (raw or "").strip().upper()
    if text.startswith("PT"):
        text = text[2:]
    if not text:
        return None
    try:
        return pt_nif.validate(text)
    except StdnumValidationError as exc:
        raise InvalidNif(str(exc)) from exc


def format_phone_for_display(e164: str) -> str:
    """'+351912345678' -> '+351 912 345 678'."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
