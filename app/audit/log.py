"""Writing to the audit log, and what a person's privacy rights do to it.

Nothing here commits: an entry is added in the same transaction as the action it
records, so an action is never done without its entry, nor recorded without being done.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from app.audit.models import AuditEntry
from app.extensions import db


@dataclass(frozen=True)
class Actor:
    """Who acts, as the audit log names them."""

    staff_id: int | None
    label: str
    role: str


def record(
    actor: Actor,
    action: str,
    *,
    order_id: uuid.UUID | None = None,
    customer_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry (the caller commits, with the action itself)."""
    entry = AuditEntry(
        staff_id=actor.staff_id,
        staff_label=actor.label[:120],
        staff_role=actor.role,
        action=action,
        order_id=order_id,
        customer_id=customer_id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def entries_about(customer_id: int) -> list[AuditEntry]:
    """What the team did concerning this person (for their privacy export)."""
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.customer_id == customer_id).order_by(AuditEntry.id)
        )
    )


def forget_person(customer_id: int) -> None:
    """On erasure: entries stay (who did what, when, to which order) but no longer name
    the person; the caller commits."""
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.customer_id == customer_id)
        .values(customer_id=None, before={"erased": True}, after={"erased": True})
    )
