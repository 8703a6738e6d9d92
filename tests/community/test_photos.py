"""What a photo may cost: the limits of community.images and what it keeps.

The limits follow what decoding costs (see the module's docstring and
bench/photos.py): a baseline JPEG is decoded at reduced size, so it may have up
to 50 MP; PNG, WebP and progressive JPEG are decoded whole and stop at 16 MP; a
submission weighs at most 30 MB, checked before anything is decoded.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from community.errors import DomainError
from community.images import MAX_SIDE, clean_photo, clean_photos
from tests.photos import bomb_png, phone_jpeg, picture


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _kept(upload: SimpleUploadedFile) -> Image.Image:
    cleaned = clean_photo(upload)
    image = Image.open(io.BytesIO(cleaned.content.read()))
    assert (cleaned.width, cleaned.height) == image.size
    return image


def test_a_48_megapixel_phone_photo_is_kept_at_2560_pixels():
    image = _kept(phone_jpeg(size=(8000, 6000)))
    assert image.format == "JPEG"
    assert image.size == (MAX_SIDE, 1920)
    assert dict(image.getexif()) == {}


def test_a_photo_taken_sideways_is_kept_upright():
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned a quarter clockwise
    Image.new("RGB", (6000, 4000), (10, 120, 200)).save(out, "JPEG", exif=exif)
    image = _kept(SimpleUploadedFile("side.jpg", out.getvalue(), "image/jpeg"))
    assert image.size == (1707, MAX_SIDE)
    assert dict(image.getexif()) == {}


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [("RGBA", "PNG"), ("P", "PNG"), ("L", "PNG"), ("RGB", "WEBP"), ("RGBA", "WEBP")],
)
def test_pngs_and_webps_up_to_16_megapixels_are_kept_as_jpegs(mode, fmt):
    image = _kept(picture(f"shot.{fmt.lower()}", (4000, 4000), mode=mode, fmt=fmt))
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert image.size == (MAX_SIDE, MAX_SIDE)


@pytest.mark.parametrize(
    "upload",
    [
        # The photo: 140 KB of PNG, 49 MP to decode.
        lambda: picture("solid.png", (7000, 7000), fmt="PNG"),
        lambda: bomb_png(side=4001),  # the header alone says 16.008 MP
        lambda: picture("solid.webp", (4001, 4000), fmt="WEBP", lossless=True),
    ],
    ids=["png-49mp", "png-16.008mp", "webp"],
)
def test_pictures_decoded_whole_are_refused_past_16_megapixels(upload):
    with pytest.raises(DomainError, match=r"megapixels; at most 16 are accepted"):
        clean_photo(upload())


def test_a_progressive_jpeg_is_refused_past_12_megapixels_and_kept_below():
    with pytest.raises(DomainError, match=r"has 13 megapixels; at most 12 are accepted"):
        clean_photo(picture("web.jpg", (4032, 3024), progressive=True))  # 12.19 MP
    image = _kept(picture("web.jpg", (4000, 3000), progressive=True))
    assert image.size == (MAX_SIDE, 1920)


def test_a_baseline_jpeg_larger_than_any_progressive_one_is_kept():
    # Halved by the decoder rather than decoded whole for the last tenth of its side.
    image = _kept(picture("phone.jpg", (4800, 3600)))
    assert image.size == (2400, 1800)


@pytest.mark.parametrize(
    ("side", "kept"),
    [
        (5119, 2560),  # halved (rounding up): decoding it whole took 3 s for six
        (4608, 2304),  # the smallest halved: nine tenths of MAX_SIDE
        (4607, MAX_SIDE),  # decoded whole and scaled: halving would lose more
    ],
)
def test_a_jpeg_just_short_of_twice_the_kept_size_is_halved_not_decoded_whole(side, kept):
    image = _kept(picture("square.jpg", (side, side)))
    assert image.size == (kept, kept)


def test_a_jpeg_past_50_megapixels_is_refused():
    with pytest.raises(DomainError, match=r"has 51 megapixels; at most 50 are accepted"):
        clean_photo(picture("huge.jpg", (8250, 6100)))


def test_photos_past_30_mb_together_are_refused_before_any_is_decoded():
    # Six files of 5.5 MB that are not photos at all: the total is refused first.
    six = [
        SimpleUploadedFile(f"{i}.jpg", b"\xff" * (5 * 2**20 + 2**19), "image/jpeg")
        for i in range(6)
    ]
    with pytest.raises(DomainError, match=r"come to 33 MB; at most 30 MB can be sent at a time"):
        clean_photos(six)
    with pytest.raises(DomainError, match="not a photo that can be read"):
        clean_photos(six[:5])
