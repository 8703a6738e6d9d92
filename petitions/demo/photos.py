"""Three small drawn photos for the seed examples (no camera, no files on disk)."""

from __future__ import annotations

import io
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image, ImageDraw

SIZE = (480, 360)


def _snow(draw: ImageDraw.ImageDraw) -> None:
    for i in range(140):
        x, y = (i * 97) % SIZE[0], (i * 53) % SIZE[1]
        draw.ellipse((x, y, x + 3, y + 3), fill=(250, 252, 255))


def _strip(draw: ImageDraw.ImageDraw) -> None:
    draw.line((0, 120, 150, 205), fill=(30, 30, 30), width=6)  # the cable from the e-bike
    draw.rounded_rectangle((150, 180, 360, 235), radius=10, fill=(238, 238, 232))
    for x in range(175, 345, 42):
        draw.rectangle((x, 198, x + 22, 216), fill=(60, 60, 60))  # sockets
    draw.rectangle((330, 188, 350, 200), fill=(200, 40, 40))  # the switch


def strip_before() -> Image.Image:
    """The power strip lying bare in the snow, as posted to the residents' group."""
    image = Image.new("RGB", SIZE, (214, 222, 232))
    draw = ImageDraw.Draw(image)
    _strip(draw)
    draw.ellipse((140, 222, 380, 262), fill=(198, 208, 220))  # melting snow around it
    _snow(draw)
    return image


def strip_after() -> Image.Image:
    """The same strip wrapped in a plastic bag tied with rubber bands."""
    image = Image.new("RGB", SIZE, (214, 222, 232))
    draw = ImageDraw.Draw(image, "RGBA")
    _strip(draw)
    draw.rounded_rectangle((135, 165, 375, 250), radius=18, fill=(170, 200, 235, 150))
    for x in (150, 360):
        draw.line((x, 162, x, 253), fill=(200, 60, 40), width=5)  # rubber bands
    _snow(draw)
    return image


def window_nets() -> Image.Image:
    """A window with a fishing net cut to its size."""
    image = Image.new("RGB", SIZE, (150, 190, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((60, 30, 420, 330), outline=(120, 90, 60), width=14)
    draw.line((240, 30, 240, 330), fill=(120, 90, 60), width=10)
    for d in range(-300, 420, 24):
        draw.line((60 + d, 30, 60 + d + 300, 330), fill=(40, 70, 50), width=2)
        draw.line((420 - d, 30, 420 - d - 300, 330), fill=(40, 70, 50), width=2)
    draw.rectangle((40, 320, 440, 345), fill=(190, 190, 185))  # the sill, clean now
    return image


PHOTOS: dict[str, Callable[[], Image.Image]] = {
    "strip_before": strip_before,
    "strip_after": strip_after,
    "window_nets": window_nets,
}


def photo(name: str) -> UploadedFile:
    out = io.BytesIO()
    PHOTOS[name]().save(out, "JPEG", quality=80)
    return SimpleUploadedFile(f"{name}.jpg", out.getvalue(), content_type="image/jpeg")
