"""The waiting list's settings read from the environment: how long a freed seat is held
for the person it is offered to."""

from __future__ import annotations

from typing import Any


def waitlist_settings(environ: dict[str, str]) -> dict[str, Any]:
    return {
        # A freed seat waits this long for the person it was offered to, then passes on.
        "WAITLIST_CLAIM_HOURS": float(environ.get("WAITLIST_CLAIM_HOURS", "24").strip() or 24),
    }
