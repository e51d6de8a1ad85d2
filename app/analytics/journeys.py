"""Where a visitor came from, and how far they went, kept for the visit and attached to
the lead or order they leave.

A touch is a visit that says where it came from: UTM parameters, a click id (only
whether one was there, never its value: it is another company's identifier), or a
referrer from another site. The first touch of the visit is kept; the last is replaced
by each new one. Pages note the stages reached (landing, checkout) with their times.

All of it lives in the browser-session cookie the shop already uses (gone when the
browser closes): no identifier follows the visitor across visits, and a GET writes
nothing on the server. The lead or order made in the visit keeps a copy, which is
personal data: in the person's export, erased with them (docs/privacy.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, request, session

from app.timeutil import utcnow

SESSION_KEY = "journey"
UTM_FIELDS = ("source", "medium", "campaign", "content", "term")
# Ad click ids: their presence says "came from an ad on that network".
CLICK_IDS = ("gclid", "gbraid", "wbraid", "fbclid", "msclkid", "ttclid", "li_fat_id")
LONGEST = 64
# Stages a visit can reach before it leaves a lead or an order.
STAGES = ("landing", "checkout")


def _clean(value: str | None) -> str:
    """A campaign value as it may be shown and grouped: printable and short, as typed."""
    text = "".join(ch for ch in (value or "") if ch.isprintable()).strip()
    return text[:LONGEST]


def _referrer_host() -> str:
    """The other site the visitor came from; "" for none, or for the shop itself."""
    host = (urlsplit(request.referrer or "").hostname or "").lower()
    own = urlsplit(current_app.config["BASE_URL"]).hostname or ""
    if not host or host in (own, request.host.split(":")[0]):
        return ""
    return host[:LONGEST]


def _touch() -> dict[str, str] | None:
    """What this request says about where the visitor came from, or None."""
    if not request.args and not request.referrer:
        return None  # most visits: nothing to read, and no lookups to pay for
    touch = {field: _clean(request.args.get(f"utm_{field}")) for field in UTM_FIELDS}
    touch["click_id"] = next((name for name in CLICK_IDS if request.args.get(name)), "")
    touch["referrer"] = _referrer_host()
    if not any(touch.values()):
        return None
    if not touch["source"]:
        # A referrer or a click id names the source when no UTM does.
        touch["source"] = touch["referrer"] or touch["click_id"]
    touch["landing"] = request.path[:LONGEST]
    touch["at"] = utcnow().isoformat(timespec="seconds")
    return touch


def note_visit(stage: str) -> None:
    """Keep this request's touch (first of the visit, and last) and the stage reached."""
    journey: dict[str, Any] = dict(session.get(SESSION_KEY) or {})
    touch = _touch()
    if touch is not None:
        journey.setdefault("first", touch)
        journey["last"] = touch
    # A list of [stage, time], in the order reached (the session's JSON sorts dict keys).
    stages = [list(pair) for pair in journey.get("stages") or []]
    if stage not in {name for name, _at in stages}:
        stages.append([stage, utcnow().isoformat(timespec="seconds")])
    journey["stages"] = stages
    if journey != session.get(SESSION_KEY):
        session[SESSION_KEY] = journey


@dataclass(frozen=True)
class Journey:
    """The visit's journey as a lead or order keeps it."""

    record: dict[str, Any]

    @property
    def first_source(self) -> str | None:
        return (self.record.get("first") or {}).get("source") or None

    @property
    def first_campaign(self) -> str | None:
        return (self.record.get("first") or {}).get("campaign") or None


def visit_journey(reached: str) -> Journey:
    """This visit's journey, ending at `reached` now (a lead, an order); a visit that
    came from nowhere known is "direct"."""
    journey = dict(session.get(SESSION_KEY) or {})
    stages = [*(journey.get("stages") or []), [reached, utcnow().isoformat(timespec="seconds")]]
    first = journey.get("first") or {"source": "direct"}
    return Journey({"first": first, "last": journey.get("last") or first, "stages": stages})
