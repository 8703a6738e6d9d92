"""Photos from phones: checked, re-encoded and stripped before anything keeps them.

Every app that takes photos (hazards, requests, mediation records) goes through
``clean_photo``: only real JPEG, PNG or WebP images; at most MAX_BYTES each and
MAX_TOTAL_BYTES a submission, both checked before anything is decoded; a pixel
count read from the header before any decoding, so a decompression bomb is
refused at once; re-encoded as JPEG, turned upright and scaled to at most
MAX_SIDE, which drops EXIF (GPS included) and anything hidden after the image
data. Thumbnails are made later, by a task, from the cleaned file.

What a photo costs is its decoded pixels (4 bytes each in Pillow), so the limits
follow what each format can be decoded at:
- a baseline JPEG is decoded at 1/2, 1/4 or 1/8 of its size (``Image.draft``,
  done by the JPEG decoder itself), so a 50 MP phone photo (8160 × 6120) costs
  12.5 MP in memory. The decoder may halve a little past MAX_SIDE (down to
  DRAFT_SLACK of it), so a JPEG of 4,608-5,119 px is kept at 2,304-2,559 px
  rather than decoded whole for the last tenth: no JPEG is decoded at more than
  21 MP (4,607 × 4,607, the largest that still cannot be halved);
- PNG and WebP have no reduced decoding (WebP's decoder holds four copies
  besides, 16 bytes a pixel), and a progressive JPEG keeps every coefficient of
  the whole image while it decodes (6 bytes a pixel without chroma subsampling)
  whatever its scale, so PNG and WebP stop at MAX_PIXELS_FULL, 16 MP: a 12 MP phone
  photo (4032 × 3024) or a 16 MP one (4608 × 3456) saved as PNG passes, a phone
  screenshot (1290 × 2796 is 3.6 MP) by far; at 24 MP six WebPs took 380 MB and
  six PNGs 4.5 s of CPU. A progressive JPEG, slower still to decode, stops at
  MAX_PIXELS_PROGRESSIVE, 12 MP.
Photos are decoded one at a time and the full-size pixels let go before the next,
so six cost what the largest costs in memory, not six times it. ``bench/photos.py``
measures the worst accepted ones: 99-249 MB and about half a second of CPU each
(it was 572-971 MB and 0.8-1.8 s each with one 50 MP limit for every format).
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
# Six 12 MP phone photos (2-5 MB each) fit, or two at 48 MP (10-15 MB each); the JPEG
# decoder's time grows with the bytes it reads, so this bounds a submission's time too.
MAX_TOTAL_BYTES = 30 * 1024 * 1024
MAX_PIXELS_JPEG = 50_000_000  # a 50 MP phone camera (8160 × 6120); decoded at 1/2 size
MAX_PIXELS_FULL = 16_000_000  # PNG and WebP: decoded at full size
# A progressive JPEG is decoded whole too, and its time barely falls with its size:
# six at 16 MP took 3.0-3.4 s, over the 3 s a submission may cost. Phones write
# baseline JPEGs; progressive ones come from editors and the web, rarely this large.
MAX_PIXELS_PROGRESSIVE = 12_000_000
MAX_SIDE = 2560
# How far below MAX_SIDE the JPEG decoder may go to halve instead of decoding whole:
# six 5,119 px squares decoded whole took 2.9-3.1 s, over the 3 s a submission may
# cost; halved they keep 2,559 px. Nine tenths of the side is not a visible loss.
DRAFT_SLACK = 0.9
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
            _check_header(image, name)
            small = _reduced(image)
            upright = ImageOps.exif_transpose(small).convert("RGB")
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
            % {"name": name, "max": MAX_PIXELS_JPEG // 10**6}
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DomainError(_("%(name)s is not a photo that can be read.") % {"name": name}) from exc
    return CleanPhoto(content=ContentFile(out.getvalue()), width=size[0], height=size[1])


def _check_header(image: Image.Image, name: str) -> None:
    """Refuse, from the header alone, what is not a photo or would cost too much to decode."""
    if image.format not in ALLOWED_FORMATS:
        raise DomainError(_("%(name)s is not a JPEG, PNG or WebP photo.") % {"name": name})
    width, height = image.size
    if image.format not in {"JPEG", "MPO"}:
        limit = MAX_PIXELS_FULL
    elif image.info.get("progressive"):
        limit = MAX_PIXELS_PROGRESSIVE
    else:
        limit = MAX_PIXELS_JPEG  # drafted: decoded at 1/2 size or less
    if width * height > limit:
        # Rounded up: 50.3 MP reads "51", never "50; at most 50".
        mp = -(-width * height // 10**6)
        raise DomainError(
            _("%(name)s has %(mp)d megapixels; at most %(max)d are accepted.")
            % {"name": name, "mp": mp, "max": limit // 10**6}
        )


def _reduced(image: Image.Image) -> Image.Image:
    """The opened photo decoded and scaled to at most MAX_SIDE, holding at most one
    full-size copy of its pixels at a time (its EXIF kept for turning it upright)."""
    width, height = image.size
    scale = min(1.0, MAX_SIDE / max(width, height))
    # JPEG only (a no-op for the others): the decoder itself scales by 1/2, 1/4 or 1/8,
    # no further than DRAFT_SLACK of the size we keep, so the full-size pixels never
    # exist (and a photo just short of twice MAX_SIDE is halved, not decoded whole).
    floor = scale * DRAFT_SLACK
    image.draft(None, (max(1, int(width * floor)), max(1, int(height * floor))))
    if image.mode in {"RGB", "L"}:
        work = image
    else:
        # Palette, alpha, CMYK or 16-bit: made RGB first (resizing a palette picks
        # nearest pixels; alpha would be premultiplied in yet another full-size copy);
        # the decoded original is let go at once.
        work = image.convert("RGB")
        image.close()
    # In place, so the larger pixels are let go. Hamming: as sharp as bicubic when
    # shrinking, at two thirds of its time.
    work.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.HAMMING)
    return work


def clean_photos(uploads: list[UploadedFile]) -> list[CleanPhoto]:
    """All of them or none: one bad photo refuses the whole submission.

    Their number and their total size are checked before any is decoded, and they
    are decoded one after another, so a submission costs what its largest photo costs.
    """
    if len(uploads) > MAX_PHOTOS:
        raise DomainError(_("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS})
    total = sum(u.size or 0 for u in uploads)
    if total > MAX_TOTAL_BYTES:
        raise DomainError(
            _("These photos come to %(mb)d MB; at most %(max)d MB can be sent at a time.")
            % {"mb": -(-total // 2**20), "max": MAX_TOTAL_BYTES // 2**20}
        )
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
