"""Consent records: an append-only trail of each choice, to prove consent (GDPR art. 7(1))."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class ConsentRecord(db.Model):
    """One choice made on the banner or the preferences page; never updated, only added."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The anonymous id kept in the visitor's consent cookie; no person is named here.
    consent_id: Mapped[str] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(16))  # accept_all, reject_all, custom
    analytics: Mapped[bool] = mapped_column(default=False)
    marketing: Mapped[bool] = mapped_column(default=False)
    policy_version: Mapped[str] = mapped_column(String(16))
    # SHA-256 of IP and user agent with the app's secret: shows the choice came from
    # that browser without keeping the IP itself.
    proof_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
