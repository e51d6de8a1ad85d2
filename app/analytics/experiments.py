"""Landing A/B headline variants: a visitor gets one and keeps it.

With analytics consent the assignment is kept in a first-party cookie (`cv_ab`,
90 days). Without it no persistent identifier is stored: the assignment lives in the
browser-session cookie the shop already uses (gone when the browser closes), so the
headline stays the same during a visit but the visitor is not followed across visits.
"""

from __future__ import annotations

import random
from typing import Any

from flask import Response, request, session

from app.analytics.datalayer import set_variant
from app.catalog.models import Event
from app.web.i18n import localized

AB_COOKIE = "cv_ab"
TEST_GROUP = "headline"


def headline_variants(event: Event) -> list[dict[str, Any]]:
    """The event's headline variants; the plain headline is variant "a" when none are set."""
    variants = event.content.get("headline_variants")
    if variants:
        return variants
    return [{"id": "a", **(event.content.get("headline") or {})}]


def _draw(variants: list[dict[str, Any]]) -> dict[str, Any]:
    """A headline for a new visitor. Which one she sees is no secret, so it comes from
    Python's ordinary generator (reseeded in each forked worker): the system's
    (`secrets`) costs a system call per visitor, and each call hands the interpreter
    lock to another thread of the worker in the middle of the request."""
    return random.choice(variants)  # noqa: S311


def assign_headline(
    variants: list[dict[str, Any]], analytics_allowed: bool
) -> tuple[dict[str, Any], bool]:
    """(the visitor's variant among the event's `headline_variants`, whether the cookie
    must be written)."""
    if len(variants) == 1:
        # No test running: nothing to assign, keep or report.
        return variants[0], False
    by_id = {str(variant["id"]): variant for variant in variants}
    if analytics_allowed:
        kept = request.cookies.get(AB_COOKIE, "").removeprefix(f"{TEST_GROUP}=")
        # Consent just given: keep the headline this visit already showed.
        kept = kept if kept in by_id else session.get("ab_headline")
        if kept in by_id:
            chosen, write = by_id[kept], False
        else:
            chosen, write = _draw(variants), True
    else:
        kept = session.get("ab_headline")
        chosen = by_id[kept] if kept in by_id else _draw(variants)
        if kept != str(chosen["id"]):
            # Written only when it changes: an unchanged session is not signed and sent
            # back with every page (a landing page is served in well under a millisecond).
            session["ab_headline"] = str(chosen["id"])
        write = False
    set_variant(TEST_GROUP, str(chosen["id"]))
    return chosen, write


def visitor_headline(event: Event | None) -> str | None:
    """The headline variant this visitor was shown (to count leads and orders by it),
    or None if they never saw the landing page in this visit."""
    if event is None:
        return None
    variants = headline_variants(event)
    if len(variants) == 1:
        return str(variants[0]["id"])
    ids = {str(variant["id"]) for variant in variants}
    kept = request.cookies.get(AB_COOKIE, "").removeprefix(f"{TEST_GROUP}=")
    if kept in ids:
        return kept
    kept = session.get("ab_headline")
    return kept if kept in ids else None


def headline_text(variant: dict[str, Any], lang: str) -> str:
    return localized({key: variant.get(key) for key in ("pt_PT", "en")}, lang)


def keep_assignment(response: Response, variant: dict[str, Any], secure: bool) -> None:
    """Write the 90-day assignment cookie (only ever with analytics consent)."""
    response.set_cookie(
        AB_COOKIE,
        f"{TEST_GROUP}={variant['id']}",
        max_age=90 * 86400,
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def forget_assignment(response: Response) -> None:
    """Without analytics consent a `cv_ab` left from an earlier consent (since withdrawn,
    expired or asked again under a new policy) is removed, not just ignored."""
    if AB_COOKIE in request.cookies:
        response.delete_cookie(AB_COOKIE)
