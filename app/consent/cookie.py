"""The visitor's consent choice, kept in a first-party cookie, and the GA client id.

The cookie (`cv_consent`) is a URL-encoded query string:
`v=<policy version>&analytics=0|1&marketing=0|1&id=<anonymous consent id>&at=<unix time>`.
It is strictly necessary (it remembers the answer to the banner), so it needs no
consent of its own. A choice older than 12 months, or made under another policy
version, counts as no choice: the banner asks again.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

CONSENT_COOKIE = "cv_consent"
# _ga = GA1.<domain depth>.<random>.<first visit timestamp>; the client id is the last two.
GA_COOKIE = re.compile(r"^GA\d\.\d+\.(\d{1,20}\.\d{1,20})$")
CONSENT_ID = re.compile(r"^[0-9a-f]{32}$")

# Consent Mode v2 before any choice: nothing that stores or sends data about the visitor.
CONSENT_DEFAULTS = {
    "ad_storage": "denied",
    "ad_user_data": "denied",
    "ad_personalization": "denied",
    "analytics_storage": "denied",
    "functionality_storage": "granted",
    "security_storage": "granted",
    "wait_for_update": 500,
}


@dataclass(frozen=True)
class Consent:
    analytics: bool = False
    marketing: bool = False
    chosen: bool = False
    consent_id: str | None = None
    version: str | None = None
    at: int | None = None

    def mode_update(self) -> dict[str, str]:
        """The Consent Mode `update` for this choice."""

        def state(granted: bool) -> str:
            return "granted" if granted else "denied"

        return {
            "analytics_storage": state(self.analytics),
            "ad_storage": state(self.marketing),
            "ad_user_data": state(self.marketing),
            "ad_personalization": state(self.marketing),
        }


def read_consent(
    cookies: Mapping[str, str], policy_version: str | None = None, max_age_days: int = 365
) -> Consent:
    """The visitor's standing choice; none when absent, malformed, stale or for another policy."""
    if not cookies.get(CONSENT_COOKIE):
        return Consent()  # a first visit: nothing to parse
    values = {
        k: v[0] for k, v in parse_qs(cookies.get(CONSENT_COOKIE, ""), max_num_fields=10).items()
    }
    consent_id = values.get("id", "")
    try:
        at = int(values.get("at", ""))
    except ValueError:
        return Consent()
    if not CONSENT_ID.match(consent_id):
        return Consent()
    if policy_version is not None and values.get("v") != policy_version:
        return Consent(consent_id=consent_id)
    if time.time() - at > max_age_days * 86400:
        return Consent(consent_id=consent_id)
    return Consent(
        analytics=values.get("analytics") == "1",
        marketing=values.get("marketing") == "1",
        chosen=True,
        consent_id=consent_id,
        version=values.get("v"),
        at=at,
    )


def cookie_value(consent: Consent) -> str:
    return urlencode(
        {
            "v": consent.version or "",
            "analytics": int(consent.analytics),
            "marketing": int(consent.marketing),
            "id": consent.consent_id or "",
            "at": consent.at or int(time.time()),
        }
    )


def new_consent_id() -> str:
    return uuid.uuid4().hex


def ga_client_id(cookies: Mapping[str, str]) -> str | None:
    """The GA client id from the `_ga` cookie, only when analytics consent was given."""
    if not read_consent(cookies).analytics:
        return None
    match = GA_COOKIE.match(cookies.get("_ga", "").strip())
    return match.group(1) if match else None
