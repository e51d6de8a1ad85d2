"""Key rotation: every encrypted value re-encrypted under the current data key.

The encrypted columns are found by walking the models' tables for `EncryptedText`, so a
column encrypted tomorrow is rotated without touching this file. Values are read and
written as stored text, in batches by primary key, one transaction per batch; a value
already under the current key is left alone, so running it again is harmless.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, Table, Text, bindparam, select, type_coerce, update

from app.customers.models import Customer
from app.extensions import db
from app.personal_data.encryption import EncryptedText, current_keyring


@dataclass(frozen=True)
class ColumnRotation:
    column: str
    reencrypted: int
    already_current: int


@dataclass
class RotationReport:
    key_id: str
    columns: list[ColumnRotation] = field(default_factory=list)
    # Customers whose blind index was recomputed under the current BLIND_INDEX_KEY.
    reindexed: int = 0


def encrypted_columns() -> Iterator[tuple[Table, Column[Any]]]:
    """Every column of every model stored as EncryptedText."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield table, column


def _pages(table: Table, *values: Any, batch: int, where: Any = None) -> Iterator[list[Any]]:
    """Rows of (primary key, *values) in primary key order, `batch` at a time."""
    [key] = table.primary_key.columns
    after = None
    while True:
        query = select(key, *values).order_by(key).limit(batch)
        if where is not None:
            query = query.where(where)
        if after is not None:
            query = query.where(key > after)
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def rotate_column(table: Table, column: Column[Any], batch: int = 500) -> ColumnRotation:
    """Re-encrypt one column's values that are not under the current key."""
    keyring = current_keyring()
    purpose = column.type.purpose  # type: ignore[attr-defined]
    [key] = table.primary_key.columns
    # As stored: the ciphertext, without the column type decrypting it.
    stored = type_coerce(column, Text)
    # Only where the value is still the one read: a row the shop changed meanwhile was
    # written under the current key already and must not be overwritten.
    rewrite = (
        update(table)
        .where(key == bindparam("row_key"), stored == bindparam("was", type_=Text))
        .values({column.name: bindparam("now", type_=Text)})
    )
    reencrypted = already_current = 0
    for rows in _pages(table, stored, batch=batch, where=column.is_not(None)):
        changes = []
        for row_key, value in rows:
            if keyring.key_id_of(value) == keyring.current_key_id:
                already_current += 1
                continue
            fresh = keyring.encrypt(keyring.decrypt(value, purpose), purpose)
            changes.append({"row_key": row_key, "was": value, "now": fresh})
        if changes:
            db.session.execute(rewrite, changes)
            db.session.commit()
            reencrypted += len(changes)
    db.session.commit()
    return ColumnRotation(f"{table.name}.{column.name}", reencrypted, already_current)


def reindex_customers(batch: int = 500) -> int:
    """Recompute every email's blind index under the current BLIND_INDEX_KEY."""
    keyring = current_keyring()
    table = Customer.__table__
    reindex = (
        update(table)
        .where(table.c.id == bindparam("row_key"), table.c.email_index == bindparam("was"))
        .values(email_index=bindparam("now"))
    )
    changed = 0
    for rows in _pages(table, Customer.email, table.c.email_index, batch=batch):
        changes = [
            {"row_key": row_key, "was": stored_index, "now": index}
            for row_key, email, stored_index in rows
            if (index := keyring.blind_index(email)) != stored_index
        ]
        if changes:
            db.session.execute(reindex, changes)
            db.session.commit()
            changed += len(changes)
    db.session.commit()
    return changed


def rotate_keys(batch: int = 500) -> RotationReport:
    """Every encrypted value under the current data key, every blind index under the current
    index key; raises DecryptionError (naming the key) if a value cannot be read."""
    report = RotationReport(current_keyring().current_key_id)
    for table, column in encrypted_columns():
        report.columns.append(rotate_column(table, column, batch))
    report.reindexed = reindex_customers(batch)
    return report
