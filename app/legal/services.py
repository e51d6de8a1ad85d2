"""The privacy and cookie policies as a page shows them: one language, numbers filled in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_timedelta

from app.catalog.privacy import COOKIE_CATEGORIES, PLACEHOLDER, PLACEHOLDERS
from app.consent.vendors import VENDORS, TagVendor
from app.web.i18n import localized


@dataclass(frozen=True)
class Policy:
    """The `privacy:` section of the event file, in one language."""

    last_updated: date
    controller: dict[str, str]
    contact_email: str
    dpo: dict[str, str] | None
    supervisory_authority: dict[str, str]
    purposes: list[dict[str, str]]
    processors: list[dict[str, str]]
    cookies: list[dict[str, str]]

    def cookies_in(self, category: str) -> list[dict[str, str]]:
        return [cookie for cookie in self.cookies if cookie["category"] == category]

    @property
    def cookie_categories(self) -> list[str]:
        """The categories that have at least one cookie, necessary first."""
        return [category for category in COOKIE_CATEGORIES if self.cookies_in(category)]


def placeholder_values(settings: Mapping[str, Any]) -> dict[str, str]:
    """The periods the shop is set to apply, by the placeholder names the data file uses."""
    return {
        name: str(settings.get(setting, default))
        for name, (setting, default) in PLACEHOLDERS.items()
    }


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda match: values.get(match[1], match[0]), value)
    if isinstance(value, list):
        return [_fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    return value


def vendor_cookies(vendors: Iterable[TagVendor], lang: str) -> list[dict[str, str]]:
    """The cookies the enabled tag vendors set, as the policy lists them, in `lang`."""
    return [
        {
            "name": cookie.name,
            "category": vendor.category,
            "provider": vendor.name,
            "purpose": str(cookie.purpose),
            "duration": format_timedelta(cookie.lifetime, locale=lang),
        }
        for vendor in vendors
        for cookie in vendor.cookies
    ]


# Every vendor cookie the table knows: the vendors' table, not the event file, says
# whether one is listed, so a vendor switched off never lingers on the policy.
VENDOR_COOKIE_NAMES = frozenset(
    cookie.name for vendor in VENDORS.values() for cookie in vendor.cookies
)


def policy_for(
    section: Mapping[str, Any],
    lang: str,
    settings: Mapping[str, Any],
    vendors: Iterable[TagVendor] = (),
) -> Policy:
    """The checked privacy section in `lang`, every placeholder replaced by its setting;
    its cookies are the shop's own from the event file plus those of the enabled vendors."""
    text = _fill(localized(dict(section), lang), placeholder_values(settings))
    own = [cookie for cookie in text["cookies"] if cookie["name"] not in VENDOR_COOKIE_NAMES]
    return Policy(
        last_updated=date.fromisoformat(text["last_updated"]),
        controller=text["controller"],
        contact_email=text["contact_email"],
        dpo=text.get("dpo"),
        supervisory_authority=text["supervisory_authority"],
        purposes=text["purposes"],
        processors=text["processors"],
        cookies=own + vendor_cookies(vendors, lang),
    )
