"""Adding, listing and removing the team's members (the `flask staff` commands)."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.personal_data.encryption import current_keyring
from app.staff.models import StaffMember
from app.staff.roles import ROLES
from app.timeutil import utcnow
from app.web.input_rules import normalize_email


def find_member(email: str, *, active_only: bool = True) -> StaffMember | None:
    """The member with this email (any case), found by its blind index."""
    indexes = current_keyring().blind_indexes(email)
    query = select(StaffMember).where(StaffMember.email_index.in_(indexes))
    if active_only:
        query = query.where(StaffMember.removed_at.is_(None))
    return db.session.scalars(query).first()


def add_member(email: str, role: str) -> StaffMember:
    """Add a member, or give a removed or existing one this role again. Commits."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    member = find_member(email, active_only=False)
    if member is None:
        member = StaffMember(email=normalize_email(email), role=role)
        db.session.add(member)
    member.role = role
    member.removed_at = None
    db.session.commit()
    return member


def members() -> list[StaffMember]:
    return list(
        db.session.scalars(
            select(StaffMember).where(StaffMember.removed_at.is_(None)).order_by(StaffMember.id)
        )
    )


def remove_member(email: str) -> bool:
    """Remove a member: their sessions end at once. Commits; False if unknown."""
    member = find_member(email)
    if member is None:
        return False
    now = utcnow()
    member.removed_at = now
    member.sessions_valid_after = now
    db.session.commit()
    return True
