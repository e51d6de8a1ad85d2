"""The team: who may sign in to the back office, with which role, and their sign-in links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.extensions import db
from app.personal_data.encryption import EncryptedText, blind_index
from app.timeutil import UTCDateTime, utcnow
from app.web.input_rules import normalize_email


class StaffMember(db.Model):
    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Encrypted like a customer's, and found by its blind index.
    email: Mapped[str] = mapped_column(EncryptedText("staff_members.email"))
    email_index: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Removed members keep their row, so the audit log can still say who did what.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # "Sign out everywhere": sessions begun before this moment no longer count.
    sessions_valid_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The optional second factor (TOTP, `flask staff totp`): with it, the sign-in link
    # also asks for the code of the member's authenticator app.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("staff_members.totp_secret"))

    @validates("email")
    def _index_email(self, _key: str, email: str) -> str:
        email = normalize_email(email)
        self.email_index = blind_index(email)
        return email

    @property
    def active(self) -> bool:
        return self.removed_at is None


class StaffSignIn(db.Model):
    """One emailed sign-in link: valid STAFF_LINK_MINUTES, used once."""

    __tablename__ = "staff_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    member: Mapped[StaffMember] = relationship()
