"""Test photos: a phone JPEG with GPS in its EXIF, a bomb header, a text file."""

from __future__ import annotations

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image


def phone_jpeg(
    name: str = "IMG_0001.jpg", size: tuple[int, int] = (1600, 1200)
) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 60, 40))
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[1] = "N"
    gps[2] = (35.0, 24.0, 18.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 20_000) -> SimpleUploadedFile:
    """A few hundred bytes whose header claims side×side pixels (400 MP by default)."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    body = (
        _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("bomb.png", b"\x89PNG\r\n\x1a\n" + body, content_type="image/png")


def not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"this is a text file", content_type="image/jpeg")


def gif() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return SimpleUploadedFile("anim.gif", out.getvalue(), content_type="image/gif")


def picture(
    name: str, size: tuple[int, int], *, mode: str = "RGB", fmt: str = "JPEG", **save: object
) -> SimpleUploadedFile:
    """A solid-colour picture in any mode and format (solid: quick to make, any size)."""
    colour = {"L": 120, "P": 3, "RGBA": (200, 60, 40, 128)}.get(mode, (200, 60, 40))
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **save)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{fmt.lower()}")
