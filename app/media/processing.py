"""Turning an upload into the files pages serve: a real JPEG, PNG or WebP, turned upright,
stripped of every piece of metadata (EXIF, GPS, XMP, ICC), in sRGB, cut to the sizes its
role needs and encoded as AVIF, WebP and JPEG.

Nothing here touches the database or the disk: bytes in, named bytes out.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError, features

from app.media.models import HERO, OG, SPEAKER

ACCEPTED = ("JPEG", "PNG", "WEBP")
# A 50-megapixel photo is the largest a phone or camera gives; beyond that an upload is a
# decompression bomb (a few KB that would unpack into gigabytes) or no web picture.
MAX_PIXELS = 50_000_000
# Widths the hero is cut to (capped at the original): phones, tablets, laptops, big screens.
HERO_WIDTHS = (320, 640, 960, 1280, 1920)
# Link previews: the one size Facebook, LinkedIn, WhatsApp and X all show uncropped.
OG_SIZE = (1200, 630)
# Speakers are shown small and round: square crops for 1x, 2x and 3x screens.
SPEAKER_WIDTHS = (160, 320, 480)
# The smallest original each role can be cut from without being blown up.
MIN_SIZE = {HERO: (320, 160), OG: OG_SIZE, SPEAKER: (160, 160)}

# format -> (Pillow's encoder, content type, options). AVIF is smallest, WebP next; JPEG
# is what every browser and every link-preview crawler reads.
ENCODERS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "avif": ("AVIF", "image/avif", {"quality": 55, "speed": 6}),
    "webp": ("WEBP", "image/webp", {"quality": 78, "method": 5}),
    "jpg": ("JPEG", "image/jpeg", {"quality": 82, "optimize": True, "progressive": True}),
}
AVIF = features.check("avif")
# Crawlers fetching a link preview read JPEG; nobody would ask for the others.
FORMATS = {
    HERO: ("avif", "webp", "jpg") if AVIF else ("webp", "jpg"),
    SPEAKER: ("avif", "webp", "jpg") if AVIF else ("webp", "jpg"),
    OG: ("jpg",),
}
SRGB = ImageCms.createProfile("sRGB")


class ImageRefused(Exception):
    """The upload cannot become a web image; `reason` says why (the page words it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Processed:
    """The files made from one upload, named by their content."""

    width: int
    height: int
    variants: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)


def process(data: bytes, role: str) -> Processed:
    """Check `data` is a safe image big enough for `role`, and make every variant of it."""
    image = _to_srgb(_upright(_open(data)))
    minimum = MIN_SIZE[role]
    if image.width < minimum[0] or image.height < minimum[1]:
        raise ImageRefused("too_small")
    frames = _frames(image, role)
    largest = frames[-1]
    processed = Processed(width=largest.width, height=largest.height)
    for frame in frames:
        for fmt in FORMATS[role]:
            body = _encode(frame, fmt)
            name = f"{hashlib.sha256(body).hexdigest()[:16]}-{frame.width}.{fmt}"
            processed.files[name] = body
            processed.variants.append(
                {
                    "format": fmt,
                    "type": ENCODERS[fmt][1],
                    "width": frame.width,
                    "height": frame.height,
                    "name": name,
                    "bytes": len(body),
                }
            )
    return processed


def _open(data: bytes) -> Image.Image:
    """The decoded image, refused when it is no JPEG/PNG/WebP, broken, or a bomb."""
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that: refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data), formats=ACCEPTED)
            # The header says the size: refuse a bomb before a single pixel is unpacked.
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused("too_many_pixels")
            probe.verify()
            image = Image.open(io.BytesIO(data), formats=ACCEPTED)
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRefused("too_many_pixels") from exc
        except UnidentifiedImageError as exc:
            raise ImageRefused("not_an_image") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Truncated or corrupt: it claimed to be an image but does not decode.
            raise ImageRefused("broken") from exc
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Turned as the camera's orientation tag says (phones store photos sideways)."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError, struct.error):
        # Malformed EXIF: the pixels are fine, only which way is up is unknown.
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Plain 8-bit sRGB RGB with no metadata left: transparency goes onto white (JPEG has
    none), a colour profile is applied and then dropped, as is everything in `info`."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            # A broken profile: the pixels are most likely sRGB already.
            image = image.convert("RGB")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    # A fresh image from the pixels alone: EXIF, GPS, XMP and comments cannot follow.
    return Image.frombytes("RGB", image.size, image.convert("RGB").tobytes())


def _frames(image: Image.Image, role: str) -> list[Image.Image]:
    """The sizes `role` needs, smallest first, never larger than the original."""
    if role == OG:
        return [ImageOps.fit(image, OG_SIZE, Image.Resampling.LANCZOS)]
    if role == SPEAKER:
        widths = _widths(SPEAKER_WIDTHS, min(image.width, image.height))
        return [ImageOps.fit(image, (w, w), Image.Resampling.LANCZOS) for w in widths]
    return [
        image.resize((w, max(1, round(image.height * w / image.width))), Image.Resampling.LANCZOS)
        for w in _widths(HERO_WIDTHS, image.width)
    ]


def _widths(wanted: tuple[int, ...], original: int) -> list[int]:
    """The wanted widths below the original, then the largest it allows."""
    cap = min(original, wanted[-1])
    return [w for w in wanted if w < cap] + [cap]


def _encode(image: Image.Image, fmt: str) -> bytes:
    encoder, _type, options = ENCODERS[fmt]
    out = io.BytesIO()
    # No exif=, icc_profile= or xmp=: what is written is pixels only.
    image.save(out, encoder, **options)
    return out.getvalue()
