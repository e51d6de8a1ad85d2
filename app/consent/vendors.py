"""The tag vendors marketing may run inside Google Tag Manager, in one table: the consent
category each waits for, the hosts the browser must be allowed to reach for it, and the
cookies it sets.

The shop never loads a vendor itself: GTM does, after consent (templates/consent/_head.html).
What the shop owes each vendor it enables is an honest Content-Security-Policy (its hosts
and no others, app/consent/tags.py) and an honest cookie policy (its cookies and no others,
app/legal/services.py). Hosts follow each vendor's own CSP guidance; lifetimes are the ones
each vendor documents for its first-party cookies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from fnmatch import fnmatchcase

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

# The banner's categories a vendor may wait for ("necessary" never loads a tag).
CATEGORIES = ("analytics", "marketing")

# The Consent Mode v2 signals each category grants (app/consent/cookie.py sends them).
# A vendor's tag in GTM should require its category's signals ("Additional consent checks"),
# so GTM holds it back exactly when the banner's answer does.
CONSENT_SIGNALS = {
    "analytics": ("analytics_storage",),
    "marketing": ("ad_storage", "ad_user_data", "ad_personalization"),
}

# The CSP directives a vendor may widen; anything else (styles, fonts) stays 'self'.
DIRECTIVES = ("script-src", "connect-src", "img-src", "frame-src")

DAY = timedelta(days=1)


@dataclass(frozen=True)
class VendorCookie:
    """A cookie a vendor's tag sets; `*` in a name stands for the vendor's account id."""

    name: str
    purpose: LazyString
    lifetime: timedelta


@dataclass(frozen=True)
class TagVendor:
    key: str  # its name in TAG_VENDORS
    name: str  # shown on the cookie policy as who sets the cookie
    category: str
    hosts: dict[str, tuple[str, ...]]  # CSP directive -> sources
    cookies: tuple[VendorCookie, ...] = field(default=())

    @property
    def consent_signals(self) -> tuple[str, ...]:
        return CONSENT_SIGNALS[self.category]


# The container itself: allowed whenever GTM_ID is set (it loads only after consent).
GTM_HOSTS: dict[str, tuple[str, ...]] = {
    directive: ("https://www.googletagmanager.com",) for directive in DIRECTIVES
}

GA4 = TagVendor(
    key="ga4",
    name="Google Analytics",
    category="analytics",
    hosts={
        "img-src": ("https://*.google-analytics.com", "https://*.analytics.google.com"),
        "connect-src": ("https://*.google-analytics.com", "https://*.analytics.google.com"),
    },
    cookies=(
        VendorCookie("_ga", _l("Tells visitors apart in Google Analytics."), 730 * DAY),
        VendorCookie("_ga_*", _l("Keeps the state of the visit in Google Analytics."), 730 * DAY),
    ),
)

GOOGLE_ADS = TagVendor(
    key="google_ads",
    name="Google Ads",
    category="marketing",
    hosts={
        "script-src": (
            "https://www.googleadservices.com",
            "https://googleads.g.doubleclick.net",
            "https://www.google.com",
        ),
        "connect-src": (
            "https://www.googleadservices.com",
            "https://googleads.g.doubleclick.net",
            "https://www.google.com",
        ),
        "img-src": (
            "https://www.googleadservices.com",
            "https://googleads.g.doubleclick.net",
            "https://www.google.com",
        ),
        # Remarketing and conversion linking run in Google's own frames.
        "frame-src": ("https://td.doubleclick.net", "https://bid.g.doubleclick.net"),
    },
    cookies=(
        VendorCookie(
            "_gcl_au", _l("Measures which Google ads brought visits and purchases."), 90 * DAY
        ),
        VendorCookie(
            "_gcl_aw", _l("Remembers the Google ad you clicked to reach the site."), 90 * DAY
        ),
    ),
)

META = TagVendor(
    key="meta",
    name="Meta Pixel",
    category="marketing",
    hosts={
        "script-src": ("https://connect.facebook.net",),
        "connect-src": ("https://connect.facebook.net", "https://www.facebook.com"),
        "img-src": ("https://www.facebook.com",),
    },
    cookies=(
        VendorCookie(
            "_fbp",
            _l("Measures which Meta ads (Facebook, Instagram) brought visits and purchases."),
            90 * DAY,
        ),
        VendorCookie("_fbc", _l("Remembers the Meta ad you clicked to reach the site."), 90 * DAY),
    ),
)

CLARITY = TagVendor(
    key="clarity",
    name="Microsoft Clarity",
    category="analytics",
    hosts={
        "script-src": ("https://www.clarity.ms", "https://*.clarity.ms"),
        "connect-src": ("https://*.clarity.ms",),
        # c.bing.com: Clarity's pixel that links the visit to Microsoft's own cookie.
        "img-src": ("https://*.clarity.ms", "https://c.bing.com"),
    },
    cookies=(
        VendorCookie(
            "_clck", _l("Tells visitors apart in Microsoft Clarity's heatmaps."), 365 * DAY
        ),
        VendorCookie("_clsk", _l("Joins the pages of one visit into one Clarity recording."), DAY),
    ),
)

HOTJAR = TagVendor(
    key="hotjar",
    name="Hotjar",
    category="analytics",
    hosts={
        "script-src": ("https://*.hotjar.com",),
        # Recordings stream over a WebSocket.
        "connect-src": ("https://*.hotjar.com", "https://*.hotjar.io", "wss://*.hotjar.com"),
        "img-src": ("https://*.hotjar.com",),
        "frame-src": ("https://*.hotjar.com",),
    },
    cookies=(
        VendorCookie(
            "_hjSessionUser_*", _l("Tells visitors apart in Hotjar's heatmaps."), 365 * DAY
        ),
        VendorCookie(
            "_hjSession_*",
            _l("Joins the pages of one visit in Hotjar."),
            timedelta(minutes=30),
        ),
    ),
)

VENDORS: dict[str, TagVendor] = {
    vendor.key: vendor for vendor in (GA4, GOOGLE_ADS, META, CLARITY, HOTJAR)
}

# With a container and no TAG_VENDORS: what the shop ran before vendors were listed.
DEFAULT_WITH_GTM = ("ga4",)


def cookie_categories(name: str) -> set[str]:
    """The categories of the vendors that set a cookie of this name (`*` matches an id)."""
    return {
        vendor.category
        for vendor in VENDORS.values()
        for cookie in vendor.cookies
        if fnmatchcase(name, cookie.name)
    }
