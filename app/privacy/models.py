"""Privacy-centre access links: each is used once and works for 30 minutes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class PrivacyRequest(db.Model):
    """A link sent to a person's email so they can see, download or erase their data."""

    __tablename__ = "privacy_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    # The language the request was made in: the email and the pages follow it.
    locale: Mapped[str] = mapped_column(String(5), default="pt_PT")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when the link opened the privacy centre: it never works again.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the person closed the visit it opened: the visit ends for every copy of
    # the browser's cookie, not only for the browser that pressed "close".
    visit_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
