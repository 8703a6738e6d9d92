"""Photos from phones: checked, re-encoded and stripped before anything keeps them.

Every app that takes photos (hazards, requests, mediation records) goes through
``clean_photo``: only real JPEG, PNG or WebP images; at most MAX_BYTES and
MAX_PIXELS, the pixel count read from the header before any decoding so a
decompression bomb is refused at once; re-encoded as JPEG, turned upright and
scaled to at most MAX_SIDE, which drops EXIF (GPS included) and anything hidden
after the image data. Thumbnails are made later, by a task, from the cleaned file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from community.errors import DomainError

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what some phones call a JPEG
MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 50-megapixel phone camera; 400 MP is refused
MAX_SIDE = 2560
THUMB_SIDE = 320
MAX_PHOTOS = 6


@dataclass(frozen=True)
class CleanPhoto:
    content: ContentFile[bytes]
    width: int
    height: int


def clean_photo(upload: UploadedFile) -> CleanPhoto:
    """Check and re-encode one uploaded photo, or raise DomainError saying why not."""
    name = upload.name or "photo"
    if upload.size is not None and upload.size > MAX_BYTES:
        raise DomainError(
            _("%(name)s is larger than %(mb)d MB.") % {"name": name, "mb": MAX_BYTES // 2**20}
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            if image.format not in ALLOWED_FORMATS:
                raise DomainError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name})
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise DomainError(
                    _("%(name)s has %(mp)d megapixels; at most %(max)d are accepted.")
                    % {"name": name, "mp": width * height // 10**6, "max": MAX_PIXELS // 10**6}
                )
            upright = ImageOps.exif_transpose(image)
            upright = upright.convert("RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            # No exif= argument: the new file carries no EXIF, so no GPS.
            upright.save(out, "JPEG", quality=85, optimize=True)
            size = upright.size
    except DomainError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses, from the header alone, sizes far past ours.
        raise DomainError(
            _("%(name)s has too many pixels; at most %(max)d megapixels are accepted.")
            % {"name": name, "max": MAX_PIXELS // 10**6}
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DomainError(_("%(name)s is not a photo that can be read.") % {"name": name}) from exc
    return CleanPhoto(content=ContentFile(out.getvalue()), width=size[0], height=size[1])


def clean_photos(uploads: list[UploadedFile]) -> list[CleanPhoto]:
    """All of them or none: one bad photo refuses the whole submission."""
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS})
    return [clean_photo(u) for u in uploads]


def thumbnail_bytes(data: bytes) -> bytes:
    """A small JPEG of an already cleaned photo."""
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((THUMB_SIDE, THUMB_SIDE))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def make_thumbnail(photo: Any) -> None:
    """Give a saved photo row (``image`` and ``thumbnail`` file fields) its thumbnail, once.

    Called by each app's thumbnail task; a row that has one already is left alone,
    so a task delivered twice does the work once.
    """
    if photo.thumbnail:
        return
    with photo.image.open("rb") as f:
        data = thumbnail_bytes(f.read())
    photo.thumbnail.save("thumb.jpg", ContentFile(data), save=False)
    photo.save(update_fields=["thumbnail"])


def without_thumbnail(rows: QuerySet[Any], *, batch: int = 500) -> list[int]:
    """Photo rows older than five minutes still without a thumbnail (their task was
    lost, e.g. the broker was down): the beat sweeps queue them again."""
    old = timezone.now() - timedelta(minutes=5)
    return list(rows.filter(thumbnail="", created_at__lt=old).values_list("pk", flat=True)[:batch])
