"""Which tag vendors this shop runs (TAG_VENDORS), refused at start when unknown, and the
hosts the Content-Security-Policy must allow for them and for GTM."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, current_app

from app.config import ConfigurationError
from app.consent.vendors import DEFAULT_WITH_GTM, DIRECTIVES, GTM_HOSTS, VENDORS, TagVendor

EXTENSION = "cv.tag_vendors"


def enabled_vendors(config: Mapping[str, Any]) -> tuple[TagVendor, ...]:
    """The vendors TAG_VENDORS names, in the table's order; refuses a name it does not know.

    Vendors load only through GTM, so naming any without GTM_ID is refused too: the shop
    would promise in its policy what can never happen, or the reverse.
    """
    gtm_id = str(config.get("GTM_ID") or "").strip()
    names = [name.strip().lower() for name in str(config.get("TAG_VENDORS") or "").split(",")]
    names = [name for name in names if name]
    if not names:
        names = list(DEFAULT_WITH_GTM) if gtm_id else []
    unknown = [name for name in names if name not in VENDORS]
    if unknown:
        raise ConfigurationError(
            f"TAG_VENDORS names an unknown vendor: {', '.join(unknown)} "
            f"(known: {', '.join(VENDORS)})"
        )
    if names and not gtm_id:
        raise ConfigurationError(
            f"TAG_VENDORS={','.join(names)} needs GTM_ID: the vendors' tags load only "
            "through Google Tag Manager"
        )
    return tuple(vendor for key, vendor in VENDORS.items() if key in names)


def csp_sources(gtm_on: bool, vendors: Iterable[TagVendor]) -> dict[str, tuple[str, ...]]:
    """Per CSP directive, the outside sources GTM and the enabled vendors need; each once."""
    sources: dict[str, list[str]] = {directive: [] for directive in DIRECTIVES}
    for hosts in ([GTM_HOSTS] if gtm_on else []) + [vendor.hosts for vendor in vendors]:
        for directive, values in hosts.items():
            sources[directive] += [value for value in values if value not in sources[directive]]
    return {directive: tuple(values) for directive, values in sources.items() if values}


def init_tag_vendors(app: Flask) -> dict[str, tuple[str, ...]]:
    """Check TAG_VENDORS (refusing to start on a mistake), keep the enabled vendors for the
    cookie policy, and answer the sources the CSP needs for them."""
    vendors = enabled_vendors(app.config)
    app.extensions[EXTENSION] = vendors
    return csp_sources(bool(app.config.get("GTM_ID")), vendors)


def tag_vendors() -> tuple[TagVendor, ...]:
    """The vendors the running shop has enabled."""
    return current_app.extensions.get(EXTENSION, ())
