"""The landing's link-preview image (og:image), drawn from the event file at build time.

Social networks and chat apps show a 1200×630 picture beside a shared link. The shop has
no image uploads yet, so it draws its own: the event's title, date and venue on the brand
colour, one picture per language. `flask landing previews` (run by `make assets`) writes
them into static/built/ under content-hashed names, like every built file (WhiteNoise
caches them for a year), and lists them in static/built/previews-manifest.json.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from app.assets import BUILT, AssetsMissing, load_manifest, write_hashed, write_manifest
from app.catalog.services import LOCALES, parse_event_file
from app.paths import PROJECT_ROOT
from app.web.i18n import localized

SIZE = (1200, 630)
MARGIN = 80
# The colours of static/css/site.css: --brand behind, --paper for the words, and a
# lighter band of the brand for the date line.
BRAND = (122, 47, 16)
BRAND_DARK = (91, 42, 26)
PAPER = (251, 246, 241)
SOFT = (236, 210, 190)
PREVIEWS_MANIFEST = BUILT / "previews-manifest.json"
FONTS = PROJECT_ROOT / "node_modules" / "@fontsource" / "inter" / "files"


class PreviewFontMissing(AssetsMissing):
    """The typeface is installed by `npm ci` (@fontsource/inter); it has not run."""


def _font(size: int, weight: str = "400") -> ImageFont.FreeTypeFont:
    # Inter from npm (SIL Open Font License), pinned in package.json like htmx: the same
    # letters on every machine, with the accents Portuguese needs (Pillow's bundled face
    # has none), and no font file committed.
    path = FONTS / f"inter-latin-{weight}-normal.woff"
    if not path.exists():
        raise PreviewFontMissing(f"missing font {path} (run `npm ci`)")
    return ImageFont.truetype(str(path), size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont) -> list[str]:
    """Greedy word wrap of `text` into lines no wider than the card's text column."""
    width = SIZE[0] - 2 * MARGIN
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _fitted(
    draw: ImageDraw.ImageDraw, text: str, sizes: tuple[int, ...], max_lines: int, weight: str
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest of `sizes` at which `text` fits in `max_lines` lines across the card.

    A title too long even at the smallest size is cut at `max_lines`: the page's own
    text carries it whole; the picture only has to be recognisable.
    """
    width = SIZE[0] - 2 * MARGIN
    for size in sizes:
        font = _font(size, weight)
        lines = _wrap(draw, text, font)
        fits = all(draw.textlength(line, font=font) <= width for line in lines)
        if len(lines) <= max_lines and fits:
            return font, lines
    font = _font(sizes[-1], weight)
    return font, _wrap(draw, text, font)[:max_lines]


def draw_preview(title: str, date_label: str, venue: str) -> bytes:
    """A 1200×630 PNG: the title large, then the date and the venue, on the brand colour."""
    image = Image.new("RGB", SIZE, BRAND)
    draw = ImageDraw.Draw(image)
    # A darker band at the foot, as the page's footer, so the card reads as ours.
    draw.rectangle((0, SIZE[1] - 90, SIZE[0], SIZE[1]), fill=BRAND_DARK)
    draw.rectangle((MARGIN, 150, MARGIN + 120, 158), fill=SOFT)

    y = 190
    font, lines = _fitted(draw, title, (104, 92, 80, 68, 56), 2, "700")
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=PAPER)
        y += int(font.size * 1.2)
    y += 16
    font, lines = _fitted(draw, date_label, (48, 42, 36), 1, "400")
    draw.text((MARGIN, y), lines[0] if lines else "", font=font, fill=SOFT)
    font, lines = _fitted(draw, venue, (32, 28, 24), 1, "500")
    draw.text((MARGIN, SIZE[1] - 90 + 27), lines[0] if lines else "", font=font, fill=PAPER)

    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _venue_line(venue: dict[str, Any]) -> str:
    locality = venue.get("locality")
    name = str(venue.get("name") or "")
    return f"{name} · {locality}" if locality and name else name or str(locality or "")


def build_previews(event_file: Path, out_dir: Path = BUILT) -> dict[str, str]:
    """Draw the preview of each language from the event file; return {lang: static path}."""
    content = parse_event_file(event_file)["event"]["content"]
    venue = content.get("venue") or {}
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, str] = {}
    for lang in LOCALES:
        picture = draw_preview(
            localized(content["title"], lang),
            str(localized(content.get("date_label") or "", lang)),
            _venue_line(venue),
        )
        # PNG is already compressed: a gzip twin would only cost disk.
        manifest[lang] = write_hashed(out_dir, f"og-{lang}.png", picture, gzip_twin=False)
    write_manifest(out_dir / PREVIEWS_MANIFEST.name, manifest)
    return manifest


def load_previews(path: Path = PREVIEWS_MANIFEST) -> dict[str, str]:
    """{lang: path under static/} of the pictures `build_previews` drew."""
    return load_manifest(path)
