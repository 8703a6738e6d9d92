"""Photos kept across a refused form (see community.models.drafts).

One mechanism for every form that takes photos and may be refused: the hazard
form, a resident's request, the building poster's report. The view calls
``photo_draft_keep`` on every send, before it files anything, so a refusal of
any kind (a field, a duplicate warning, a service's DomainError) loses no photo;
the filing service calls ``photo_draft_take`` inside its transaction, so the
photos are attached once and the draft is gone with the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError
from community.images import MAX_PHOTOS, CleanPhoto, clean_photos
from community.models import PhotoDraft, PhotoDraftPhoto, User
from community.models.drafts import PHOTO_DRAFT_LIFETIME, photo_draft_sign, photo_draft_unsign

# Each refused send with photos may start a draft: a bound on the rows one account
# can fill in a day (an honest person sends a few).
DRAFTS_PER_OWNER_PER_DAY = 100


def photo_draft_token(draft: PhotoDraft) -> str:
    return photo_draft_sign(draft.token)


def photo_draft_open(*, token: str, owner: User | None, purpose: str) -> PhotoDraft | None:
    """The draft behind a signed token, if it is ``owner``'s, for this form, and not
    swept; None otherwise (forged, someone else's, another form's, too old).

    ``owner`` None opens only drafts made without an account (the poster report),
    whose signed token is all there is to hold.
    """
    value = photo_draft_unsign(token)
    if value is None:
        return None
    rows = PhotoDraft.objects.filter(
        token=value, purpose=purpose, created_at__gte=timezone.now() - PHOTO_DRAFT_LIFETIME
    )
    rows = rows.filter(owner=owner) if owner is not None else rows.filter(owner__isnull=True)
    return rows.first()


def photo_draft_keep(
    *,
    draft: PhotoDraft | None,
    owner: User | None,
    purpose: str,
    photos: list[UploadedFile],
    drop: Iterable[int] = (),
) -> PhotoDraft | None:
    """Keep the photos just chosen with those kept already, less those to remove.

    Steps: the photos ticked for removal go (only the draft's own); at most six
    in all, each checked and cleaned (community.images) before anything more is
    written, so a bad photo refuses the new ones and leaves the kept ones kept;
    a new draft is made only when there are photos to keep, within the owner's
    daily bound. Returns the draft, or None when nothing is kept.
    """
    if draft is not None and draft.owner_id != (owner.pk if owner is not None else None):
        raise DomainError(_("These photos are not yours."))
    drop_ids = [int(pk) for pk in drop]
    if draft is not None and drop_ids:
        draft.photos.filter(pk__in=drop_ids).delete()
    kept = draft.photos.count() if draft is not None else 0
    if kept + len(photos) > MAX_PHOTOS:
        raise DomainError(
            _("At most %(n)d photos: %(kept)d are kept already, %(new)d more were chosen.")
            % {"n": MAX_PHOTOS, "kept": kept, "new": len(photos)}
        )
    if not photos:
        return draft
    cleaned = clean_photos(photos)
    if draft is None and owner is not None:
        since = timezone.now() - timedelta(days=1)
        if (
            PhotoDraft.objects.filter(owner=owner, created_at__gte=since).count()
            >= DRAFTS_PER_OWNER_PER_DAY
        ):
            raise DomainError(_("Too many forms with photos today. Try again tomorrow."))
    with transaction.atomic():
        if draft is None:
            draft = PhotoDraft.objects.create(owner=owner, purpose=purpose)
        PhotoDraftPhoto.objects.bulk_create(
            PhotoDraftPhoto(
                draft=draft, data=photo.content.read(), width=photo.width, height=photo.height
            )
            for photo in cleaned
        )
    return draft


def photo_draft_take(draft: PhotoDraft | None, *, owner: User | None) -> list[CleanPhoto]:
    """The draft's photos, the draft deleted: call inside the filing's transaction.

    Only ``owner``'s draft gives its photos (None: a draft made without an
    account). The row is locked first, so two sends racing with one token
    attach the photos once: the second finds the draft gone and gets none. The
    photos were cleaned when kept and are not decoded again.
    """
    if draft is None:
        return []
    rows = PhotoDraft.objects.select_for_update().filter(pk=draft.pk)
    rows = rows.filter(owner=owner) if owner is not None else rows.filter(owner__isnull=True)
    locked = rows.first()
    if locked is None:
        return []
    photos = [
        CleanPhoto(content=ContentFile(bytes(row.data)), width=row.width, height=row.height)
        for row in locked.photos.all()
    ]
    locked.delete()
    return photos


def photo_drafts_sweep() -> int:
    """Delete drafts older than a day (their photos with them)."""
    _total, per_model = PhotoDraft.objects.filter(
        created_at__lt=timezone.now() - PHOTO_DRAFT_LIFETIME
    ).delete()
    return per_model.get(PhotoDraft._meta.label, 0)
