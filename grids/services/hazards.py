"""Hazards: reported with photos, fixed with a photo of the fix."""

from __future__ import annotations

import uuid
from functools import partial

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.images import CleanPhoto, clean_photos, make_thumbnail, without_thumbnail
from community.models import PhotoDraft, Role, User
from community.queueing import delay_each
from community.services.photo_drafts import photo_draft_take
from grids import selectors
from grids.models import (
    HAZARD_MOVES,
    Building,
    BuildingUnit,
    Facility,
    GridStaff,
    Hazard,
    HazardPhoto,
    HazardStatus,
    Patrol,
    PhotoStage,
    Severity,
)

# --- Hazards ---------------------------------------------------------------------


def _may_act_on(user: User, building: Building) -> bool:
    """Grid staff of the building (basic or overlay), or its community's secretary."""
    if GridStaff.objects.filter(
        Q(grid=building.grid_id) | Q(grid__overlay_buildings=building), user=user
    ).exists():
        return True
    return any(
        m.role == Role.SECRETARY and m.community_id == building.community_id
        for m in user.active_memberships
    )


def _save_photos(hazard: Hazard, photos: list[CleanPhoto], stage: str, actor: User) -> None:
    rows = []
    for photo in photos:
        row = HazardPhoto(
            hazard=hazard, stage=stage, width=photo.width, height=photo.height, uploaded_by=actor
        )
        row.image.save("photo.jpg", photo.content, save=False)
        row.save()
        rows.append(row.pk)
    if rows:
        transaction.on_commit(partial(_queue_thumbnails, rows), robust=True)


def _queue_thumbnails(photo_ids: list[int]) -> None:
    from grids.tasks import make_hazard_thumbnail

    # No broker: pages show the full photo until the thumbnail sweep runs.
    delay_each(make_hazard_thumbnail, photo_ids)


def hazard_report(
    *,
    actor: User,
    building: Building,
    kind: str,
    description: str,
    severity: str = Severity.MEDIUM,
    unit: BuildingUnit | None = None,
    facility: Facility | None = None,
    photos: list[UploadedFile] | None = None,
    photo_draft: PhotoDraft | None = None,
    patrol: Patrol | None = None,
    token: uuid.UUID | None = None,
) -> Hazard:
    """Record a hazard found at ``building``, with photos as found (one hazard per
    ``token``: the form's, or the app's idempotency key).

    Steps: a token the actor reported with already returns that hazard, as it
    is; check the actor works on this building; check the unit and facility
    belong to it; clean every photo (one bad photo refuses all, before anything
    is written); write the hazard and its photos in one transaction, with those
    kept in ``photo_draft`` (the form's, kept across a refusal: taken out of it
    in this transaction, so attached once); make thumbnails after commit. Two
    sends racing with one token: the unique (reporter, token) pair lets one
    insert through and the other returns the hazard it made.
    """
    if token is not None:
        earlier = selectors.hazard_reported_with(actor, token)
        if earlier is not None:
            return earlier
    if not _may_act_on(actor, building):
        raise NotAllowed(_("%(building)s is not in your grid.") % {"building": building})
    if unit is not None and unit.building_id != building.pk:
        raise DomainError(_("That unit is not in %(building)s.") % {"building": building})
    if facility is not None and facility.unit.building_id != building.pk:
        raise DomainError(_("That facility is not at %(building)s.") % {"building": building})
    if not description.strip():
        raise DomainError(_("Say what was found."))
    cleaned = clean_photos(photos or [])
    token = token or uuid.uuid4()
    try:
        with transaction.atomic():
            hazard = Hazard.objects.create(
                building=building,
                unit=unit,
                facility=facility,
                kind=kind,
                severity=severity,
                description=description.strip(),
                reported_by=actor,
                patrol=patrol if patrol and patrol.worker_id == actor.pk else None,
                client_token=token,
            )
            kept = photo_draft_take(photo_draft, owner=actor)
            _save_photos(hazard, [*kept, *cleaned], PhotoStage.FOUND, actor)
    except IntegrityError:
        # The same token raced in from a second tap: the first one won.
        earlier = selectors.hazard_reported_with(actor, token)
        if earlier is None:
            raise
        return earlier
    return hazard


def hazard_fix(
    *, hazard: Hazard, actor: User, note: str = "", photos: list[UploadedFile] | None = None
) -> Hazard:
    """Mark a hazard fixed, with at least one photo of the fix.

    Steps: check the actor works on the building; clean the photos (at least
    one); lock the hazard, check the move in HAZARD_MOVES (fixed again is a
    no-op), record who fixed it and when, and save the photos.
    """
    if not _may_act_on(actor, hazard.building):
        raise NotAllowed(_("%(building)s is not in your grid.") % {"building": hazard.building})
    cleaned = clean_photos(photos or [])
    with transaction.atomic():
        locked = Hazard.objects.select_for_update().get(pk=hazard.pk)
        if locked.status == HazardStatus.FIXED:
            return locked
        if not cleaned:
            raise DomainError(_("Add a photo of the fix."))
        if HazardStatus.FIXED not in HAZARD_MOVES[locked.status]:
            raise Conflict(_("This hazard cannot be marked fixed now."))
        locked.status = HazardStatus.FIXED
        locked.fixed_by = actor
        locked.fixed_at = timezone.now()
        locked.fix_note = note.strip()
        locked.save(update_fields=["status", "fixed_by", "fixed_at", "fix_note", "updated_at"])
        _save_photos(locked, cleaned, PhotoStage.FIXED, actor)
    return locked


def hazard_thumbnails_sweep() -> int:
    """Queue thumbnails that were never made (the broker was down at the time)."""
    missing = without_thumbnail(HazardPhoto.objects.all())
    _queue_thumbnails(missing)
    return len(missing)


def hazard_photo_thumbnail(*, photo_id: int) -> HazardPhoto | None:
    """Make the thumbnail of one photo (idempotent: done once, skipped after)."""
    photo = HazardPhoto.objects.filter(pk=photo_id).first()
    if photo is not None:
        make_thumbnail(photo)
    return photo
