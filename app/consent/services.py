"""Recording a visitor's consent choice: a new record for every choice, never an update."""

from __future__ import annotations

import hashlib
import hmac
import time

from app.consent.cookie import Consent, new_consent_id
from app.consent.models import ConsentRecord
from app.extensions import db

ACTIONS = {"accept_all", "reject_all", "custom"}


def proof_hash(secret: str, ip: str, user_agent: str) -> str:
    """HMAC-SHA256 of IP and user agent: proves which browser chose, keeps no IP."""
    message = f"{ip}\n{user_agent}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def record_choice(
    *,
    action: str,
    analytics: bool,
    marketing: bool,
    policy_version: str,
    consent_id: str | None,
    proof: str,
) -> Consent:
    """Store the choice as a new record and return the consent the cookie will carry."""
    if action == "accept_all":
        analytics = marketing = True
    elif action == "reject_all":
        analytics = marketing = False
    consent = Consent(
        analytics=analytics,
        marketing=marketing,
        chosen=True,
        consent_id=consent_id or new_consent_id(),
        version=policy_version,
        at=int(time.time()),
    )
    db.session.add(
        ConsentRecord(
            consent_id=consent.consent_id,
            action=action,
            analytics=analytics,
            marketing=marketing,
            policy_version=policy_version,
            proof_hash=proof,
        )
    )
    db.session.commit()
    return consent
