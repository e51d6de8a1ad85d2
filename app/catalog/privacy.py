"""The `privacy:` section of the event data file: who answers for personal data, and how.

The privacy and cookie policy pages are filled from it, so a mistake here is a mistake
on a legal page: it is checked when the file is loaded, like the rest of the event.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

LOCALES = ("pt_PT", "en")
COOKIE_CATEGORIES = ("necessary", "analytics", "marketing")

# Numbers the policy states that the shop also enforces: text in the data file writes
# `{retention_months}` and the page shows the configured value, so the policy never
# promises one period while the purge job applies another. Each maps to its setting
# and the default the setting has when unset.
PLACEHOLDERS: dict[str, tuple[str, int]] = {
    "retention_months": ("PRIVACY_RETENTION_MONTHS", 24),
    "unconfirmed_lead_days": ("UNCONFIRMED_LEAD_DAYS", 30),
    "order_retention_years": ("ORDER_RETENTION_YEARS", 10),
    "consent_max_age_days": ("CONSENT_MAX_AGE_DAYS", 365),
}
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class PrivacySectionError(ValueError):
    """The privacy section is not usable; the message names the field."""


def _missing(where: str, key: str) -> PrivacySectionError:
    return PrivacySectionError(f"{where}: '{key}' is missing")


def _mapping(data: Any, key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if value in (None, "", {}):
        raise _missing(where, key)
    if not isinstance(value, dict):
        raise PrivacySectionError(f"{where}: '{key}' must be a group of fields")
    return value


def _plain(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if value is None or str(value).strip() == "":
        raise _missing(where, key)
    if isinstance(value, dict | list):
        raise PrivacySectionError(f"{where}: '{key}' must be one piece of text")
    return str(value).strip()


def _text(data: dict[str, Any], key: str, where: str) -> dict[str, str]:
    """Text a visitor reads: both languages, and only placeholders the shop knows."""
    value = data.get(key)
    if value is None or value == "":
        raise _missing(where, key)
    if not isinstance(value, dict) or any(not str(value.get(loc) or "").strip() for loc in LOCALES):
        raise PrivacySectionError(f"{where} {key}: needs text for both pt_PT and en")
    text = {loc: str(value[loc]).strip() for loc in LOCALES}
    for loc in LOCALES:
        for name in PLACEHOLDER.findall(text[loc]):
            if name not in PLACEHOLDERS:
                known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
                raise PrivacySectionError(
                    f"{where} {key}: unknown placeholder {{{name}}}; use one of {known}"
                )
    return text


def _link(data: dict[str, Any], key: str, where: str) -> str:
    value = _plain(data, key, where)
    if not value.startswith(("https://", "http://")):
        raise PrivacySectionError(f"{where}: '{key}' must be a web address starting https://")
    return value


def _email(data: dict[str, Any], key: str, where: str) -> str:
    value = _plain(data, key, where)
    if not EMAIL.match(value):
        raise PrivacySectionError(f"{where}: '{key}' must be an email address")
    return value


def _items(data: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not value:
        raise _missing(where, key)
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PrivacySectionError(f"{where}: '{key}' must be a list of entries")
    return value


def _last_updated(data: dict[str, Any]) -> str:
    value = data.get("last_updated")
    if value in (None, ""):
        raise _missing("privacy", "last_updated")
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError as exc:
        raise PrivacySectionError(
            f"privacy: last_updated '{value}' is not a date like 2026-11-28"
        ) from exc


def _processor(item: dict[str, Any], where: str) -> dict[str, Any]:
    return {
        "name": _plain(item, "name", where),
        "country": _text(item, "country", where),
        "purpose": _text(item, "purpose", where),
        "url": _link(item, "url", where),
    }


def _cookies(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Each cookie once, in a known category."""
    cookies = []
    seen: set[str] = set()
    for index, item in enumerate(_items(raw, "cookies", "privacy"), start=1):
        where = f"privacy cookie #{index}"
        name = _plain(item, "name", where)
        if name in seen:
            raise PrivacySectionError(f"{where}: '{name}' appears twice")
        seen.add(name)
        category = _plain(item, "category", where)
        if category not in COOKIE_CATEGORIES:
            raise PrivacySectionError(
                f"{where}: category must be one of {', '.join(COOKIE_CATEGORIES)}"
            )
        cookies.append(
            {
                "name": name,
                "category": category,
                "provider": _plain(item, "provider", where),
                "purpose": _text(item, "purpose", where),
                "duration": _text(item, "duration", where),
            }
        )
    return cookies


def parse_privacy(raw: Any) -> dict[str, Any]:
    """Check the privacy section; return it as plain JSON-ready values (dates as text)."""
    if raw in (None, "", {}):
        raise PrivacySectionError("event: 'privacy' is missing (the policy pages need it)")
    if not isinstance(raw, dict):
        raise PrivacySectionError("privacy: must be a group of fields")

    controller = _mapping(raw, "controller", "privacy")
    section: dict[str, Any] = {
        "last_updated": _last_updated(raw),
        "controller": {
            key: _plain(controller, key, "privacy controller")
            for key in ("legal_name", "tax_id", "address")
        },
        "contact_email": _email(raw, "contact_email", "privacy"),
    }

    dpo = raw.get("dpo")
    if dpo:
        if not isinstance(dpo, dict):
            raise PrivacySectionError("privacy dpo: must have a name and an email")
        section["dpo"] = {
            "name": _plain(dpo, "name", "privacy dpo"),
            "email": _email(dpo, "email", "privacy dpo"),
        }

    authority = _mapping(raw, "supervisory_authority", "privacy")
    section["supervisory_authority"] = {
        "name": _plain(authority, "name", "privacy supervisory_authority"),
        "url": _link(authority, "url", "privacy supervisory_authority"),
    }

    section["purposes"] = [
        {
            key: _text(item, key, f"privacy purpose #{index}")
            for key in ("what", "legal_basis", "retention")
        }
        for index, item in enumerate(_items(raw, "purposes", "privacy"), start=1)
    ]

    section["processors"] = [
        _processor(item, f"privacy processor #{index}")
        for index, item in enumerate(_items(raw, "processors", "privacy"), start=1)
    ]
    section["cookies"] = _cookies(raw)
    return section
