"""The privacy and cookie policies as a page shows them: one language, numbers filled in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.catalog.privacy import COOKIE_CATEGORIES, PLACEHOLDER, PLACEHOLDERS
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


def policy_for(section: Mapping[str, Any], lang: str, settings: Mapping[str, Any]) -> Policy:
    """The checked privacy section in `lang`, every placeholder replaced by its setting."""
    text = _fill(localized(dict(section), lang), placeholder_values(settings))
    return Policy(
        last_updated=date.fromisoformat(text["last_updated"]),
        controller=text["controller"],
        contact_email=text["contact_email"],
        dpo=text.get("dpo"),
        supervisory_authority=text["supervisory_authority"],
        purposes=text["purposes"],
        processors=text["processors"],
        cookies=text["cookies"],
    )
