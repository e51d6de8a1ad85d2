"""Keeping discount codes from the back office: create and change them, each change in
the audit log with what it was before. A code is never deleted (orders name it); it is
switched off."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit.log import Actor, record
from app.catalog.discounts import DiscountCode
from app.extensions import db
from app.staff.discount_form import CodeValues


class CodeTaken(Exception):
    """Another code is already written this way (capitals or not)."""


def all_codes() -> list[DiscountCode]:
    return list(db.session.scalars(select(DiscountCode).order_by(DiscountCode.code)))


def _taken(code: str, but: int | None = None) -> bool:
    query = select(DiscountCode.id).where(DiscountCode.code == code)
    if but is not None:
        query = query.where(DiscountCode.id != but)
    return db.session.scalar(query) is not None


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Two members saved the same new code at once: the unique index kept one.
        db.session.rollback()
        raise CodeTaken from None


def create_code(actor: Actor, values: CodeValues) -> DiscountCode:
    """Add a code (committed with its audit entry); CodeTaken if the text is used."""
    if _taken(values.code):
        raise CodeTaken
    code = DiscountCode(**asdict(values))
    db.session.add(code)
    db.session.flush()
    record(actor, "discount.create", after=code.audit_view())
    _commit()
    return code


def update_code(actor: Actor, code: DiscountCode, values: CodeValues) -> None:
    """Change a code (committed with its audit entry, before and after)."""
    if _taken(values.code, but=code.id):
        raise CodeTaken
    before = code.audit_view()
    for name, value in asdict(values).items():
        setattr(code, name, value)
    after = code.audit_view()
    if after == before and code.note == values.note:
        db.session.rollback()
        return
    record(actor, "discount.update", before=before, after=after)
    _commit()
