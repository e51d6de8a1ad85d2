"""Adding and removing images: the files on disk and their row, kept in step."""

from __future__ import annotations

from sqlalchemy import select

from app.db_locking import begin_locking_transaction
from app.extensions import db
from app.media.models import SPEAKER, Image
from app.media.processing import process
from app.media.storage import remove_files, save_files


def add_image(
    data: bytes,
    role: str,
    *,
    alt_pt: str,
    alt_en: str,
    speaker_key: str | None = None,
    staff_id: int | None = None,
) -> Image:
    """Process the upload (ImageRefused when it is no safe image), write its files and add
    its row; the caller commits. The newest image of a role is the one pages show."""
    processed = process(data, role)
    # Files first: a row never names a file that is not there. A failed commit leaves
    # unnamed files behind, which cost disk and nothing else.
    save_files(processed.files)
    # The write starts after the slow part, in a transaction of its own: on SQLite a read
    # begun before the seconds of encoding would be too old to write from by now.
    begin_locking_transaction()
    image = Image(
        role=role,
        speaker_key=speaker_key if role == SPEAKER else None,
        alt_pt=alt_pt,
        alt_en=alt_en,
        width=processed.width,
        height=processed.height,
        variants=processed.variants,
        uploaded_by=staff_id,
    )
    db.session.add(image)
    return image


def all_images() -> list[Image]:
    """Every image, newest first."""
    return list(db.session.scalars(select(Image).order_by(Image.id.desc())))


def delete_image(image_id: int) -> Image | None:
    """Remove the row (the caller commits, then calls `forget_files`)."""
    image = db.session.get(Image, image_id)
    if image is not None:
        db.session.delete(image)
    return image


def forget_files(names: list[str]) -> None:
    """Delete the files no remaining image names (the same upload twice shares them)."""
    still_used = {name for image in all_images() for name in image.files()}
    remove_files([name for name in names if name not in still_used])
