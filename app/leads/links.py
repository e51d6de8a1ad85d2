"""The double opt-in link: a signed, timestamped token naming one lead-form submission."""

from __future__ import annotations

from flask import current_app

from app.web.signing import sign, unsign_id

# The link confirms one submission (a LeadChange), not the lead: a link sent for an
# earlier submission never confirms a later one, typed by someone else.
SUBMISSION_SALT = "lead-form-submission"


def confirmation_token(change_id: int) -> str:
    """The token in the confirmation email's link."""
    return sign(change_id, SUBMISSION_SALT)


def change_id_from_token(token: str) -> tuple[int | None, str]:
    """(submission id, "ok") for a good token, (None, "expired" | "invalid") otherwise."""
    return unsign_id(token, SUBMISSION_SALT, current_app.config["LEAD_CONFIRM_MAX_AGE"])
