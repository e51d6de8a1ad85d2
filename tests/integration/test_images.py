"""The shop's images: uploaded by the team, cleaned (upright, no EXIF or GPS, sRGB),
cut to the sizes pages need in AVIF, WebP and JPEG, served for a year, and shown on the
landing page without slowing it down or shifting it."""

from __future__ import annotations

import hashlib
import io
import os
import re
from pathlib import Path

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.media.models import Image as StoredImage
from app.media.pictures import og_image_url
from app.media.services import add_image
from tests.integration.helpers import csrf_token
from tests.integration.staff_helpers import sign_in

SPEAKER = "Marta Figueiredo"


@pytest.fixture
def media(app, tmp_path) -> Path:
    """An empty media folder for the test."""
    before = app.config["MEDIA_DIR"]
    app.config["MEDIA_DIR"] = str(tmp_path / "media")
    yield tmp_path / "media"
    app.config["MEDIA_DIR"] = before


def photo(size=(1000, 600), fmt="PNG", gps=True, orientation=6) -> bytes:
    """A photo as a phone makes it: EXIF with the camera, the place (GPS) and an
    orientation saying "turn me a quarter"."""
    image = Image.new("RGB", size, (200, 120, 60))
    image.paste((40, 90, 160), (0, 0, size[0] // 2, size[1] // 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Orientation] = orientation
    if gps:
        place = exif.get_ifd(ExifTags.IFD.GPSInfo)
        place[ExifTags.GPS.GPSLatitudeRef] = "N"
        place[ExifTags.GPS.GPSLatitude] = (38.0, 42.0, 5.0)
        place[ExifTags.GPS.GPSLongitudeRef] = "W"
        place[ExifTags.GPS.GPSLongitude] = (9.0, 8.0, 20.0)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def upload(client, data: bytes, **fields):
    form = {"role": "hero", "speaker": "", "alt_pt": "Uma mesa", "alt_en": "A table", **fields}
    form["file"] = (io.BytesIO(data), "photo.png")
    return client.post("/staff/images", data=form, content_type="multipart/form-data")


def stored() -> list[StoredImage]:
    _db.session.expire_all()
    return list(_db.session.scalars(select(StoredImage).order_by(StoredImage.id)))


def test_an_uploaded_photo_is_turned_upright_stripped_and_cut_to_every_size(client, db, media):
    original = photo()
    gps = Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps, "the test photo carries no GPS: the test is too weak"
    sign_in(client, "owner")
    answer = upload(client, original, alt_pt="Uma mesa de café", alt_en="A coffee table")
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/staff/images")

    [image] = stored()
    # The orientation was applied: 1000×600 turned a quarter is 600×1000.
    assert (image.width, image.height) == (600, 1000)
    assert image.alt_pt == "Uma mesa de café" and image.alt_en == "A coffee table"
    assert {(v["format"], v["width"], v["height"]) for v in image.variants} == {
        (fmt, width, height)
        for fmt in ("avif", "webp", "jpg")
        for width, height in ((320, 533), (600, 1000))
    }
    for variant in image.variants:
        body = (media / variant["name"]).read_bytes()
        assert variant["name"].startswith(hashlib.sha256(body).hexdigest()[:16])
        saved = Image.open(io.BytesIO(body))
        assert saved.format == {"avif": "AVIF", "webp": "WEBP", "jpg": "JPEG"}[variant["format"]]
        assert saved.size == (variant["width"], variant["height"])
        assert saved.mode == "RGB"
        assert not saved.getexif(), variant["name"]
        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(saved.info)
        assert b"PhoneMaker" not in body
    [entry] = _db.session.scalars(select(AuditEntry).where(AuditEntry.action == "image.upload"))
    assert entry.after["image"] == image.id


def test_files_are_served_for_a_year_with_their_type_and_nothing_else(client, db, media):
    image = add_image(photo(orientation=1), "hero", alt_pt="Mesa", alt_en="Table")
    _db.session.commit()
    client.set_cookie("session", "whatever-the-visitor-had")
    types = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}
    for variant in image.variants:
        answer = client.get(f"/media/{variant['name']}")
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == types[variant["format"]]
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in answer.headers
        assert answer.data == (media / variant["name"]).read_bytes()
    (media.parent / "secret.txt").write_text("not an image")
    for path in (
        "/media/0123456789abcdef-320.jpg",
        "/media/..%2Fsecret.txt",
        "/media/../secret.txt",
        "/media/secret.txt",
        f"/media/{image.variants[0]['name']}.bak",
    ):
        assert client.get(path).status_code == 404, path


def test_a_browser_uploads_with_its_csrf_token_and_a_form_without_it_is_refused(
    app, client, db, media
):
    sign_in(client, "marketing")
    app.config["WTF_CSRF_ENABLED"] = True  # from here on, as a browser (reset by `client`)
    csrf_client = client
    page = csrf_client.get("/staff/images").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert upload(csrf_client, photo()).status_code == 400
    assert stored() == []
    answer = upload(csrf_client, photo(), csrf_token=csrf_token(page))
    assert answer.status_code == 303
    assert len(stored()) == 1


def test_a_missing_description_is_refused_naming_it_and_keeping_what_was_typed(client, db, media):
    sign_in(client, "owner")
    answer = upload(
        client, photo(), role="speaker", speaker=SPEAKER, alt_pt="Marta a sorrir", alt_en=""
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Descreva a imagem em inglês" in page
    assert 'value="Marta a sorrir"' in page
    assert re.search(r'<option selected value="speaker">|<option value="speaker" selected', page)
    assert re.search(
        rf'<option selected value="{SPEAKER}">|<option value="{SPEAKER}" selected', page
    )
    assert stored() == []
    assert not media.exists() or not any(media.iterdir())


def test_a_speaker_photo_needs_its_speaker(client, db, media):
    sign_in(client, "owner")
    answer = upload(client, photo(), role="speaker", speaker="")
    assert answer.status_code == 422
    assert "Escolha de que oradora" in answer.get_data(as_text=True)
    assert stored() == []


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"%PDF-1.7 not a picture at all", "não é uma imagem JPEG, PNG ou WebP"),
        (b"GIF89a" + b"\0" * 200, "não é uma imagem JPEG, PNG ou WebP"),
        (photo()[:400], "danificada ou incompleta"),
    ],
)
def test_what_is_no_image_is_refused_clearly(client, db, media, data, says):
    sign_in(client, "owner")
    answer = upload(client, data)
    assert answer.status_code == 422
    assert says in answer.get_data(as_text=True)
    assert stored() == []


def test_a_decompression_bomb_is_refused_before_it_is_unpacked(client, db, media):
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 200_000, "a bomb is small on the wire"
    sign_in(client, "owner")
    answer = upload(client, bomb.getvalue())
    assert answer.status_code == 422
    assert "demasiados píxeis" in answer.get_data(as_text=True)
    assert stored() == []


def test_a_file_over_10_mb_is_refused_with_a_clear_message(client, db, media):
    sign_in(client, "owner")
    answer = upload(client, b"\xff\xd8" + b"\0" * (11 * 1024 * 1024))
    assert answer.status_code == 413
    assert "maior do que 10 MB" in answer.get_data(as_text=True)
    assert stored() == []
    # Only this page takes large bodies: every other form keeps its 16 KB limit.
    big_form = client.post("/staff/login", data={"email": "a" * 20_000})
    assert big_form.status_code == 413


def test_a_file_over_10_mb_keeps_what_was_typed_and_says_why_under_the_file(app, client, db, media):
    sign_in(client, "marketing")
    app.config["WTF_CSRF_ENABLED"] = True  # as a browser (reset by `client`)
    token = csrf_token(client.get("/staff/images").get_data(as_text=True))
    # An 11.7 MB PNG: Werkzeug refuses the body by its length before reading any of it.
    big_png = b"\x89PNG\r\n\x1a\n" + b"\0" * 11_700_000
    typed = {"alt_pt": "Marta a sorrir", "alt_en": "Marta smiling", "csrf_token": token}
    answer = upload(client, big_png, role="speaker", speaker=SPEAKER, **typed)
    assert answer.status_code == 413
    page = answer.get_data(as_text=True)
    assert 'id="image-form"' in page and "data-form-error" in page
    assert 'value="Marta a sorrir"' in page and 'value="Marta smiling"' in page
    assert re.search(r'<option selected value="speaker">|<option value="speaker" selected', page)
    assert re.search(
        rf'<option selected value="{SPEAKER}">|<option value="{SPEAKER}" selected', page
    )
    under_the_file = re.search(r'<p class="error" id="file-error">([^<]*)</p>', page)
    assert under_the_file and "maior do que 10 MB" in under_the_file.group(1)
    assert stored() == []
    # The page's form works as it is: the same descriptions with a smaller file go in.
    typed["csrf_token"] = csrf_token(page)
    again = upload(client, photo(), role="speaker", speaker=SPEAKER, **typed)
    assert again.status_code == 303
    assert [image.alt_en for image in stored()] == ["Marta smiling"]


def test_marketing_uploads_images_and_the_door_cannot(client, db, media):
    sign_in(client, "door")
    assert client.get("/staff/images").status_code == 403
    assert upload(client, photo()).status_code == 403
    assert stored() == []
    sign_in(client, "marketing")
    assert client.get("/staff/images").status_code == 200
    assert upload(client, photo()).status_code == 303
    assert len(stored()) == 1


def _tag(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, pattern
    return match.group(0)


def test_the_landing_shows_the_hero_first_and_the_speakers_lazily(client, db, media):
    add_image(photo(orientation=1), "hero", alt_pt="Mesa com café", alt_en="Coffee table")
    add_image(
        photo((500, 500), orientation=1),
        "speaker",
        speaker_key=SPEAKER,
        alt_pt="Retrato da Marta",
        alt_en="Portrait of Marta",
    )
    _db.session.commit()
    page = client.get("/").get_data(as_text=True)
    hero = _tag(page, r'<picture class="hero-picture">.*?</picture>')
    assert 'type="image/avif"' in hero and 'type="image/webp"' in hero
    assert hero.count('sizes="(min-width: 64rem) 62rem, calc(100vw - 2rem)"') == 3
    img = _tag(hero, r"<img [^>]*>")
    for attribute in (
        'width="1000"',
        'height="600"',
        'alt="Mesa com café"',
        'fetchpriority="high"',
    ):
        assert attribute in img
    assert re.search(
        r'src="/media/[0-9a-f]{16}-960\.jpg" srcset="/media/[0-9a-f]{16}-320\.jpg 320w, .*'
        r'/media/[0-9a-f]{16}-1000\.jpg 1000w"',
        img,
    )
    assert "loading=" not in img
    speaker = _tag(page, r'<picture class="speaker-photo">.*?</picture>')
    img = _tag(speaker, r"<img [^>]*>")
    for attribute in ('loading="lazy"', 'decoding="async"', 'width="480"', 'height="480"'):
        assert attribute in img
    assert 'alt="Retrato da Marta"' in img
    # Every address on the page is served.
    for name in set(re.findall(r"/media/([0-9a-f]{16}-\d+\.\w+)", page)):
        assert client.get(f"/media/{name}").status_code == 200
    english = client.get("/en/").get_data(as_text=True)
    assert 'alt="Coffee table"' in english and 'alt="Portrait of Marta"' in english


def test_without_images_the_landing_is_as_before(client, db, media):
    page = client.get("/").get_data(as_text=True)
    assert "<picture" not in page and "/media/" not in page
    assert og_image_url() is None


def test_the_newest_image_replaces_the_last_and_deleting_it_brings_the_last_back(client, db, media):
    first = add_image(photo(orientation=1), "hero", alt_pt="Primeira", alt_en="First")
    _db.session.commit()
    second = add_image(photo((900, 500), orientation=1), "hero", alt_pt="Segunda", alt_en="Second")
    _db.session.commit()
    assert 'alt="Segunda"' in client.get("/").get_data(as_text=True)
    sign_in(client, "owner")
    listing = client.get("/staff/images").get_data(as_text=True)
    assert f'data-image="{first.id}"' in listing and f'data-image="{second.id}"' in listing
    files = second.files()
    answer = client.post(f"/staff/images/{second.id}/delete")
    assert answer.status_code == 303
    assert not any((media / name).exists() for name in files)
    assert all((media / name).exists() for name in first.files())
    assert 'alt="Primeira"' in client.get("/").get_data(as_text=True)
    assert client.post(f"/staff/images/{second.id}/delete").status_code == 404


def test_the_link_preview_is_1200_by_630_and_its_address_is_absolute(client, db, media):
    add_image(photo((1600, 1200), orientation=1), "og", alt_pt="Pré-visualização", alt_en="Preview")
    _db.session.commit()
    url = og_image_url()
    assert url and re.fullmatch(r"http://shop\.test/media/[0-9a-f]{16}-1200\.jpg", url)
    answer = client.get(url.removeprefix("http://shop.test"))
    assert Image.open(io.BytesIO(answer.data)).size == (1200, 630)
    sign_in(client, "owner")
    small = upload(client, photo((800, 600)), role="og")
    assert small.status_code == 422
    assert "1200 × 630" in small.get_data(as_text=True)


def test_the_sample_images_are_drawn_and_shown(app, db, media):
    result = app.test_cli_runner().invoke(args=["media", "samples"])
    assert result.exit_code == 0, result.output
    roles = sorted((image.role, image.speaker_key or "") for image in stored())
    assert roles == [
        ("hero", ""),
        ("og", ""),
        ("speaker", "Inês Carvalho"),
        ("speaker", "Marta Figueiredo"),
    ]
    assert og_image_url()


def test_an_image_whose_files_were_lost_is_left_out_not_shown_broken(client, db, media):
    image = add_image(photo(orientation=1), "hero", alt_pt="Mesa", alt_en="Table")
    _db.session.commit()
    for name in image.files():
        (media / name).unlink()
    page = client.get("/").get_data(as_text=True)
    assert "<picture" not in page


def test_a_real_sized_phone_photo_uploads(client, db, media):
    # Noise does not compress: a 1600×1200 JPEG of it weighs what a phone's photo does
    # (every form but this one stops at 16 KB).
    noisy = Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=90)
    assert len(out.getvalue()) > 500_000
    sign_in(client, "marketing")
    answer = upload(client, out.getvalue(), alt_pt="Ruído", alt_en="Noise")
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    [image] = stored()
    assert (image.width, image.height) == (1600, 1200)
