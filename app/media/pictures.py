"""What pages show: the newest image of each role as the parts of a <picture> element,
and the link preview's address (for the Open Graph tags)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.media.models import HERO, OG, SPEAKER, Image
from app.media.storage import find_file

# The route of app/media/routes.py; built here too so a worker, with no request to build
# URLs from, can name a file.
MEDIA_PATH = "/media/"
# What a browser without srcset gets: a middle width, fine on a phone and a laptop.
FALLBACK_WIDTH = 960


@dataclass(frozen=True)
class Picture:
    """One image in one language: modern formats as <source>s, JPEG as the <img>."""

    alt: str
    width: int
    height: int
    src: str
    srcset: str
    sources: tuple[tuple[str, str], ...]


def media_url(name: str) -> str:
    return MEDIA_PATH + name


def picture(image: Image, lang: str) -> Picture:
    """The <picture> parts of `image`, its alternative text in `lang`."""
    by_format: dict[str, list[dict[str, Any]]] = {}
    for variant in sorted(image.variants, key=lambda v: v["width"]):
        by_format.setdefault(variant["format"], []).append(variant)

    def srcset(variants: list[dict[str, Any]]) -> str:
        return ", ".join(f"{media_url(v['name'])} {v['width']}w" for v in variants)

    jpegs = by_format.get("jpg", [])
    fitting = [v for v in jpegs if v["width"] <= FALLBACK_WIDTH] or jpegs
    return Picture(
        alt=image.alt(lang),
        width=image.width,
        height=image.height,
        src=media_url(fitting[-1]["name"]),
        srcset=srcset(jpegs),
        sources=tuple(
            (by_format[fmt][0]["type"], srcset(by_format[fmt]))
            for fmt in ("avif", "webp")
            if fmt in by_format
        ),
    )


def current_images() -> list[Image]:
    """The newest image of each role (and of each speaker), in one query."""
    newest = select(func.max(Image.id)).group_by(Image.role, Image.speaker_key)
    return list(db.session.scalars(select(Image).where(Image.id.in_(newest))))


def images_version() -> tuple[int, int | None]:
    """How many images there are and the newest one: changes with every upload or removal."""
    count, newest = db.session.execute(select(func.count(Image.id), func.max(Image.id))).one()
    return int(count), newest


def landing_pictures(lang: str) -> dict[str, Any]:
    """{"hero": Picture or None, "speakers": {speaker's name: Picture}} for the landing."""
    shown: dict[str, Any] = {"hero": None, "speakers": {}}
    for image in current_images():
        # Files lost with a disk (restored database, new machine): no broken image.
        if find_file(image.files()[0]) is None:
            continue
        if image.role == HERO:
            shown["hero"] = picture(image, lang)
        elif image.role == SPEAKER and image.speaker_key:
            shown["speakers"][image.speaker_key] = picture(image, lang)
    return shown


def og_image_url() -> str | None:
    """The absolute URL of the current link-preview image (1200×630 JPEG), or None."""
    image = db.session.scalars(
        select(Image).where(Image.role == OG).order_by(Image.id.desc()).limit(1)
    ).first()
    jpeg = next((v for v in image.variants if v["format"] == "jpg"), None) if image else None
    if jpeg is None:
        return None
    return current_app.config["BASE_URL"] + media_url(jpeg["name"])
