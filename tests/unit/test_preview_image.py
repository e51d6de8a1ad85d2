"""The landing's preview picture, drawn from the event file at build time."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

from PIL import Image

from app.landing.preview_image import build_previews, draw_preview

EVENT_FILE = Path(__file__).resolve().parents[2] / "app" / "catalog" / "event.yaml"


def test_a_long_title_still_makes_a_1200_by_630_png():
    picture = draw_preview("Café com Vendas " * 12, "sábado, 13 de março de 2027", "Palácio")
    image = Image.open(BytesIO(picture))
    assert (image.format, image.size) == ("PNG", (1200, 630))


def test_one_hashed_picture_per_language_listed_in_its_manifest(tmp_path):
    drawn = build_previews(EVENT_FILE, tmp_path)
    assert set(drawn) == {"pt_PT", "en"}
    assert json.loads((tmp_path / "previews-manifest.json").read_text()) == drawn
    for lang, built in drawn.items():
        name = built.removeprefix("built/")
        assert name.startswith(f"og-{lang}.") and name.endswith(".png")
        assert Image.open(tmp_path / name).size == (1200, 630)
    # The same file draws the same pictures: the hashed names stay put between builds.
    assert build_previews(EVENT_FILE, tmp_path) == drawn
