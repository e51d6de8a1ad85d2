"""The double opt-in link: a signed, timestamped token naming the lead."""

from __future__ import annotations

from flask import current_app

from app.web.signing import sign, unsign_id

LEAD_SALT = "lead-confirmation"


def confirmation_token(lead_id: int) -> str:
    """The token in the confirmation email's link."""
    return sign(lead_id, LEAD_SALT)


def lead_id_from_token(token: str) -> tuple[int | None, str]:
    """(lead id, "ok") for a good token, (None, "expired" | "invalid") otherwise."""
    return unsign_id(token, LEAD_SALT, current_app.config["LEAD_CONFIRM_MAX_AGE"])
