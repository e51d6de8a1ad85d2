"""Sample images drawn here, so a fresh shop (and Lighthouse) shows a hero, speakers and
a link preview without anyone's photos: warm gradients, soft shapes, initials.

Everything is drawn by Pillow at run time; no picture is committed to the repository.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFilter, ImageFont

# The shop's warm palette: cream, caramel, terracotta and coffee.
CREAM = (251, 240, 226)
CARAMEL = (226, 160, 96)
TERRACOTTA = (190, 92, 62)
COFFEE = (84, 46, 32)
AVATAR_COLOURS = ((TERRACOTTA, CARAMEL), (COFFEE, TERRACOTTA), (CARAMEL, CREAM))


def _gradient(size: tuple[int, int], start: tuple[int, int, int], end: tuple[int, int, int]):
    """A diagonal gradient from `start` (top left) to `end` (bottom right)."""
    # Drawn small and scaled up: smooth, and quick to make.
    small = Image.new("RGB", (64, 64))
    pixels = small.load()
    for x in range(64):
        for y in range(64):
            t = (x + y) / 126
            pixels[x, y] = tuple(round(a + (b - a) * t) for a, b in zip(start, end, strict=True))
    return small.resize(size, Image.Resampling.BICUBIC)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _circles(image: Image.Image, circles: list[tuple[float, float, float, tuple]]) -> None:
    """Soft translucent circles, placed by fractions of the image's size."""
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = image.size
    for cx, cy, r, colour in circles:
        radius = r * min(w, h)
        box = (cx * w - radius, cy * h - radius, cx * w + radius, cy * h + radius)
        draw.ellipse(box, fill=colour)
    layer = layer.filter(ImageFilter.GaussianBlur(min(w, h) / 80))
    image.paste(layer, mask=layer)


def _title(draw: ImageDraw.ImageDraw, xy: tuple[float, float], size: int, fill: tuple) -> None:
    """ "Café com Vendas": Pillow's built-in font has no "é", so its accent is drawn."""
    font = ImageFont.load_default(size=size)
    x, y = xy
    draw.text((x, y), "Cafe com Vendas", font=font, fill=fill)
    e_left = x + draw.textlength("Caf", font=font)
    e_right = x + draw.textlength("Cafe", font=font)
    top = draw.textbbox((x, y), "f", font=font)[1]
    middle = (e_left + e_right) / 2
    draw.line(
        (middle - size * 0.06, top + size * 0.12, middle + size * 0.1, top - size * 0.04),
        fill=fill,
        width=max(2, size // 14),
    )


def hero(size: tuple[int, int] = (1920, 900)) -> bytes:
    """A wide warm gradient with a cup-like ring and soft circles."""
    image = _gradient(size, CREAM, CARAMEL)
    _circles(
        image,
        [
            (0.8, 0.3, 0.45, (*TERRACOTTA, 150)),
            (0.15, 0.85, 0.3, (*COFFEE, 90)),
            (0.55, 0.75, 0.18, (*CREAM, 160)),
        ],
    )
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.62, h * 0.18, w * 0.62 + h * 0.5, h * 0.68), outline=COFFEE, width=18)
    _title(draw, (w * 0.06, h * 0.14), h // 9, COFFEE)
    return _png(image)


def link_preview() -> bytes:
    """1200×630 with the event's name, for link previews."""
    image = _gradient((1200, 630), CARAMEL, TERRACOTTA)
    _circles(image, [(0.85, 0.2, 0.4, (*CREAM, 110)), (0.1, 0.9, 0.3, (*COFFEE, 120))])
    draw = ImageDraw.Draw(image)
    _title(draw, (80, 250), 96, CREAM)
    return _png(image)


def avatar(name: str, index: int, side: int = 640) -> bytes:
    """A round abstract portrait: two colours, a soft shape and the person's initials."""
    start, end = AVATAR_COLOURS[index % len(AVATAR_COLOURS)]
    image = _gradient((side, side), start, end)
    _circles(image, [(0.3, 0.25, 0.35, (*CREAM, 90)), (0.75, 0.8, 0.3, (*COFFEE, 80))])
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    draw = ImageDraw.Draw(image)
    draw.text(
        (side / 2, side / 2),
        initials,
        font=ImageFont.load_default(size=side // 3),
        fill=CREAM,
        anchor="mm",
    )
    return _png(image)
