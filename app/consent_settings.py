"""The consent and tag settings read from the environment: the GTM container, the tag
vendors marketing runs inside it, and when the banner asks again. Whether the vendors
named exist is consent's to say at start (app/consent/tags.py), naming the unknown one."""

from __future__ import annotations

from typing import Any


def consent_settings(environ: dict[str, str]) -> dict[str, Any]:
    def text(name: str, default: str = "") -> str:
        return environ.get(name, default).strip()

    return {
        # Google Tag Manager container (GTM-XXXXXXX); loaded only after consent.
        "GTM_ID": text("GTM_ID"),
        # The vendors whose tags GTM may fire (`ga4,google_ads,meta,clarity,hotjar`): each
        # opens the CSP to its hosts and puts its cookies in the cookie policy. Empty means
        # GA4 when GTM_ID is set, else none (app/consent/vendors.py).
        "TAG_VENDORS": text("TAG_VENDORS").lower(),
        # Raising the version asks every visitor for consent again.
        "CONSENT_POLICY_VERSION": text("CONSENT_POLICY_VERSION", "1"),
        "CONSENT_MAX_AGE_DAYS": int(text("CONSENT_MAX_AGE_DAYS", "365")),
    }
