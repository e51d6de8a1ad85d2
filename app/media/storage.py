"""Where image files live: MEDIA_DIR (instance/media by default), one file per variant,
named by its content's hash, so a name always means the same bytes and can be cached
for a year."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flask import current_app

# <16 hex digits of SHA-256>-<width>.<format>: anything else is no name of ours (and so
# never a path outside the folder).
NAME = re.compile(r"[0-9a-f]{16}-[0-9]{1,4}\.(avif|webp|jpg)")
TYPES = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}


def media_dir() -> Path:
    return Path(current_app.config["MEDIA_DIR"])


def save_files(files: dict[str, bytes]) -> None:
    """Write each file whole (a reader never sees half of one)."""
    folder = media_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        target = folder / name
        if target.exists():
            continue  # the same bytes already: the name is their hash
        partial = folder / f".{name}.{os.getpid()}.part"
        partial.write_bytes(body)
        os.replace(partial, target)


def find_file(name: str) -> tuple[Path, str] | None:
    """The file called `name` and its content type, or None."""
    match = NAME.fullmatch(name)
    if match is None:
        return None
    path = media_dir() / name
    return (path, TYPES[match.group(1)]) if path.is_file() else None


def remove_files(names: list[str]) -> None:
    for name in names:
        if NAME.fullmatch(name):
            (media_dir() / name).unlink(missing_ok=True)
