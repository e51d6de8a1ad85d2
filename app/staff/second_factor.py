"""The optional second factor: a time-based code (TOTP, RFC 6238) from the member's
authenticator app, asked for on the sign-in link's page when the member has one.

Recommended for owners, who can refund and export. The link alone still proves the
mailbox; the code proves the phone as well.
"""

from __future__ import annotations

import pyotp

from app.extensions import db
from app.staff.models import StaffMember

ISSUER = "Café com Vendas"


def enrol(member: StaffMember) -> str:
    """Give the member a new secret (replacing any); returns the otpauth:// address their
    app reads (as a QR code or typed). Commits."""
    secret = pyotp.random_base32()
    member.totp_secret = secret
    db.session.commit()
    return pyotp.TOTP(secret).provisioning_uri(name=member.email, issuer_name=ISSUER)


def remove(member: StaffMember) -> None:
    member.totp_secret = None
    db.session.commit()


def needs_code(member: StaffMember) -> bool:
    return bool(member.totp_secret)


def code_is_right(member: StaffMember, code: str) -> bool:
    """The code shown now (or 30 s either side, for a phone's clock a little off)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if not member.totp_secret or len(digits) != 6:
        return False
    return pyotp.TOTP(member.totp_secret).verify(digits, valid_window=1)
