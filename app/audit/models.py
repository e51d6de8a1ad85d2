"""One row per action taken in the back office; rows are only ever added."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_order", "order_id"),
        Index("ix_audit_entries_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Who: the staff member's id and, as it was then, their role and a label (the email
    # masked) - kept even after the member is removed.
    staff_id: Mapped[int | None] = mapped_column(Integer)
    staff_label: Mapped[str] = mapped_column(String(120))
    staff_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(48))
    order_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    customer_id: Mapped[int | None] = mapped_column(Integer)
    # What changed: small dicts of the fields touched. A person's erasure replaces them
    # (they may hold a name or an email) and unlinks the person.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
