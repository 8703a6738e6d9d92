"""Photos sent with a step of a request (cleaned by community.images first)."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from community.images import CleanPhoto, make_thumbnail, without_thumbnail
from community.models import User
from community.queueing import delay_each
from petitions.models import Petition, PetitionEvent, PetitionPhoto


def photos_save(
    petition: Petition, event: PetitionEvent, photos: list[CleanPhoto], actor: User | None
) -> None:
    ids = []
    for photo in photos:
        row = PetitionPhoto(
            petition=petition,
            event=event,
            width=photo.width,
            height=photo.height,
            uploaded_by=actor,
        )
        row.image.save("photo.jpg", photo.content, save=False)
        row.save()
        ids.append(row.pk)
    if ids:
        transaction.on_commit(partial(_queue_thumbnails, ids), robust=True)


def _queue_thumbnails(photo_ids: list[int]) -> None:
    from petitions.tasks import make_petition_thumbnail

    # No broker: pages show the full photo until the thumbnail sweep runs.
    delay_each(make_petition_thumbnail, photo_ids)


def petition_photo_thumbnail(*, photo_id: int) -> PetitionPhoto | None:
    """Make the thumbnail of one photo (idempotent: done once, skipped after)."""
    photo = PetitionPhoto.objects.filter(pk=photo_id).first()
    if photo is not None:
        make_thumbnail(photo)
    return photo


def petition_thumbnails_sweep() -> int:
    """Queue thumbnails that were never made (the broker was down at the time)."""
    missing = without_thumbnail(PetitionPhoto.objects.all())
    _queue_thumbnails(missing)
    return len(missing)
