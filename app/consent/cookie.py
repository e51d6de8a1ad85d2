"""Reading the visitor's consent choice and the Google Analytics client id from cookies.

The consent cookie (`cv_consent`) holds a URL-encoded query string such as
`v=1&analytics=1&marketing=0&id=<anonymous consent id>`; the banner (consent work)
writes it. Without it, nothing but the strictly necessary is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

CONSENT_COOKIE = "cv_consent"
# _ga = GA1.<domain depth>.<random>.<first visit timestamp>; the client id is the last two.
GA_COOKIE = re.compile(r"^GA\d\.\d+\.(\d{1,20}\.\d{1,20})$")


@dataclass(frozen=True)
class Consent:
    analytics: bool = False
    marketing: bool = False


def read_consent(cookies: Mapping[str, str]) -> Consent:
    """What the visitor allowed; no cookie or a malformed one allows nothing."""
    values = parse_qs(cookies.get(CONSENT_COOKIE, ""), max_num_fields=10)

    def granted(name: str) -> bool:
        return values.get(name, ["0"])[0] == "1"

    return Consent(analytics=granted("analytics"), marketing=granted("marketing"))


def ga_client_id(cookies: Mapping[str, str]) -> str | None:
    """The GA client id from the `_ga` cookie, only when analytics consent was given."""
    if not read_consent(cookies).analytics:
        return None
    match = GA_COOKIE.match(cookies.get("_ga", "").strip())
    return match.group(1) if match else None
