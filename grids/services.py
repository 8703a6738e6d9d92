"""Writes of the grids app: a grid worker's patrols, home visits and hazards."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.images import CleanPhoto, clean_photos, thumbnail_bytes
from community.models import Membership, Role, User
from community.services import membership_grant, notify
from grids import selectors
from grids.models import (
    HAZARD_MOVES,
    PATROL_MOVES,
    Building,
    BuildingUnit,
    Duty,
    Facility,
    Grid,
    GridStaff,
    Hazard,
    HazardPhoto,
    HazardStatus,
    Patrol,
    PatrolCheckIn,
    PatrolStatus,
    PhotoStage,
    Resident,
    Severity,
    Visit,
    WorkLogEntry,
)

logger = logging.getLogger(__name__)

# Two check-ins at the same building this close together are one tap twice.
DOUBLE_TAP = timedelta(seconds=60)


def patrol_start(*, worker: User, grid: Grid) -> Patrol:
    """Start a patrol of ``grid``; if one is already running, return it.

    Only the grid's own staff patrol it.
    """
    if not GridStaff.objects.filter(grid=grid, user=worker).exists():
        raise NotAllowed(_("You do not work in this grid."))
    running = Patrol.objects.filter(worker=worker, status=PatrolStatus.IN_PROGRESS).first()
    if running:
        return running
    try:
        with transaction.atomic():
            return Patrol.objects.create(grid=grid, worker=worker)
    except IntegrityError:
        # A double tap started one a moment ago: that one is the patrol.
        return Patrol.objects.get(worker=worker, status=PatrolStatus.IN_PROGRESS)


def patrol_check_in(
    *,
    patrol: Patrol,
    actor: User,
    building: Building,
    note: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> PatrolCheckIn:
    """Record that the worker is at ``building`` now.

    Steps: lock the patrol; refuse if it is not the actor's, has ended, or the
    building is outside the patrol's grid; write the check-in.
    """
    with transaction.atomic():
        locked = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if locked.worker_id != actor.pk:
            raise NotAllowed(_("This is someone else's patrol."))
        if locked.status != PatrolStatus.IN_PROGRESS:
            raise Conflict(_("This patrol has ended; start a new one."))
        if not selectors.grid_buildings(locked.grid).filter(pk=building.pk).exists():
            raise DomainError(
                _("%(building)s is not in %(grid)s.") % {"building": building, "grid": locked.grid}
            )
        if (latitude is None) != (longitude is None):
            raise DomainError(_("A location needs both latitude and longitude."))
        # A double tap on "check in" is one check-in.
        repeat = (
            locked.check_ins.filter(building=building, at__gte=timezone.now() - DOUBLE_TAP)
            .order_by("-at")
            .first()
        )
        if repeat is not None:
            return repeat
        return PatrolCheckIn.objects.create(
            patrol=locked,
            building=building,
            note=note.strip(),
            latitude=latitude,
            longitude=longitude,
        )


def patrol_end(*, patrol: Patrol, actor: User, summary: str = "") -> Patrol:
    """End a running patrol. Ending an ended patrol changes nothing.

    Steps: lock the patrol; check it is the actor's; check the move against
    PATROL_MOVES (same state is a no-op); set the end time and summary.
    """
    with transaction.atomic():
        locked = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if locked.worker_id != actor.pk:
            raise NotAllowed(_("This is someone else's patrol."))
        if locked.status == PatrolStatus.ENDED:
            return locked
        if PatrolStatus.ENDED not in PATROL_MOVES[locked.status]:
            raise Conflict(_("This patrol cannot be ended now."))
        locked.status = PatrolStatus.ENDED
        locked.ended_at = timezone.now()
        locked.summary = summary.strip()
        locked.save(update_fields=["status", "ended_at", "summary", "updated_at"])
        return locked


# --- Home visits -----------------------------------------------------------------

# A visit may be written up a while after it happened, but not weeks later
# and never ahead of time.
VISIT_BACKDATE_DAYS = 14
# Overdue this many days, the secretary hears of it too.
ESCALATE_AFTER_DAYS = 3


def visit_record(
    *,
    actor: User,
    resident: Resident,
    visited_on: date,
    condition: str = "",
    needs: str = "",
    follow_up: str = "",
    card_left: bool = False,
) -> Visit:
    """Record a home visit by ``actor``, who must be staff of the resident's basic grid."""
    building = resident.household.unit.building
    if not GridStaff.objects.filter(grid=building.grid_id, user=actor).exists():
        raise NotAllowed(
            _("%(name)s lives in %(grid)s, which is not your grid.")
            % {"name": resident.name, "grid": building.grid}
        )
    today = timezone.localdate()
    if visited_on > today:
        raise DomainError(_("A visit cannot be recorded before it happens."))
    if visited_on < today - timedelta(days=VISIT_BACKDATE_DAYS):
        raise DomainError(
            _("Visits older than %(days)d days cannot be recorded here; ask the secretary.")
            % {"days": VISIT_BACKDATE_DAYS}
        )
    # One visit per resident, worker and day: a repeated submit returns the first.
    visit, _created = Visit.objects.get_or_create(
        resident=resident,
        worker=actor,
        visited_on=visited_on,
        defaults={
            "condition": condition.strip(),
            "needs": needs.strip(),
            "follow_up": follow_up.strip(),
            "card_left": card_left,
        },
    )
    return visit


def visits_notify_overdue(*, today: date | None = None) -> int:
    """Beat job: tell grid workers of overdue visits, and secretaries of long-overdue ones.

    Each message is keyed by resident and due date, so running this every
    day (or twice at once) tells each person once per missed visit.
    Returns the number of messages written.
    """
    today = today or timezone.localdate()
    overdue = selectors.overdue_visits(today)
    if not overdue:
        return 0
    grid_ids = {v.resident.household.unit.building.grid_id for v in overdue}
    community_ids = {v.resident.household.unit.building.community_id for v in overdue}
    workers: dict[int, list[User]] = {}
    for staff in GridStaff.objects.filter(grid__in=grid_ids, duty=Duty.GRID_WORKER).select_related(
        "user"
    ):
        workers.setdefault(staff.grid_id, []).append(staff.user)
    secretaries: dict[int, list[User]] = {}
    for m in (
        Membership.objects.active()
        .filter(community__in=community_ids, role=Role.SECRETARY)
        .select_related("user")
    ):
        if m.community_id is not None:
            secretaries.setdefault(m.community_id, []).append(m.user)

    written = 0
    with transaction.atomic():
        for due in overdue:
            building = due.resident.household.unit.building
            params = {
                "name": due.resident.name,
                "home": due.resident.household,
                "days": due.overdue_days,
            }
            link = reverse("grids:resident-detail", args=[due.resident.pk])
            key = f"visit-overdue:{due.resident.pk}:{due.due_on.isoformat()}"
            for worker in workers.get(building.grid_id, []):
                written += len(
                    notify(
                        recipient=worker,
                        kind="visit.overdue",
                        title=_("Visit overdue: %(name)s (%(home)s)"),
                        body=_("The home visit is %(days)s days late."),
                        params=params,
                        link=link,
                        key=key,
                    )
                )
            if due.overdue_days >= ESCALATE_AFTER_DAYS:
                for secretary in secretaries.get(building.community_id, []):
                    written += len(
                        notify(
                            recipient=secretary,
                            kind="visit.overdue.escalated",
                            title=_("Visit %(days)s days overdue: %(name)s (%(home)s)"),
                            params=params,
                            link=link,
                            key=f"{key}:escalated",
                        )
                    )
    return written


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

    for pk in photo_ids:
        try:
            make_hazard_thumbnail.delay(pk)
        except Exception:  # noqa: BLE001 - no broker: the page shows the full photo meanwhile
            logger.warning("Thumbnail for hazard photo %s not queued", pk)
            return


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
    patrol: Patrol | None = None,
) -> Hazard:
    """Record a hazard found at ``building``, with photos as found.

    Steps: check the actor works on this building; check the unit and
    facility belong to it; clean every photo (one bad photo refuses all,
    before anything is written); write the hazard and its photos in one
    transaction; make thumbnails after commit.
    """
    if not _may_act_on(actor, building):
        raise NotAllowed(_("%(building)s is not in your grid.") % {"building": building})
    if unit is not None and unit.building_id != building.pk:
        raise DomainError(_("That unit is not in %(building)s.") % {"building": building})
    if facility is not None and facility.unit.building_id != building.pk:
        raise DomainError(_("That facility is not at %(building)s.") % {"building": building})
    if not description.strip():
        raise DomainError(_("Say what was found."))
    cleaned = clean_photos(photos or [])
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
        )
        _save_photos(hazard, cleaned, PhotoStage.FOUND, actor)
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
    missing = list(
        HazardPhoto.objects.filter(
            thumbnail="", created_at__lt=timezone.now() - timedelta(minutes=5)
        ).values_list("pk", flat=True)[:500]
    )
    _queue_thumbnails(missing)
    return len(missing)


def hazard_photo_thumbnail(*, photo_id: int) -> HazardPhoto | None:
    """Make the thumbnail of one photo (idempotent: done once, skipped after)."""
    photo = HazardPhoto.objects.filter(pk=photo_id).first()
    if photo is None or photo.thumbnail:
        return photo
    with photo.image.open("rb") as f:
        data = thumbnail_bytes(f.read())
    photo.thumbnail.save("thumb.jpg", ContentFile(data), save=False)
    photo.save(update_fields=["thumbnail"])
    return photo


# --- Work log ------------------------------------------------------------------------


def worklog_add(
    *,
    actor: User,
    grid: Grid,
    category: str,
    note: str,
    done_on: date | None = None,
    resident: Resident | None = None,
) -> WorkLogEntry:
    """Log a piece of the day's work (an errand, a policy talk, a mediation...)."""
    if not GridStaff.objects.filter(grid=grid, user=actor).exists():
        raise NotAllowed(_("You do not work in this grid."))
    today = timezone.localdate()
    done_on = done_on or today
    if done_on > today or done_on < today - timedelta(days=VISIT_BACKDATE_DAYS):
        raise DomainError(
            _("Log work of today or the last %(days)d days.") % {"days": VISIT_BACKDATE_DAYS}
        )
    if resident is not None and resident.household.unit.building.grid_id != grid.pk:
        raise DomainError(
            _("%(name)s does not live in %(grid)s.") % {"name": resident.name, "grid": grid}
        )
    if not note.strip():
        raise DomainError(_("Say what was done."))
    return WorkLogEntry.objects.create(
        worker=actor,
        grid=grid,
        category=category,
        done_on=done_on,
        note=note.strip(),
        resident=resident,
    )


# --- Residents' own accounts ---------------------------------------------------------


def resident_link_account(*, actor: User, resident: Resident, account: User) -> Resident:
    """Confirm that ``account`` is this resident's own portal login.

    Steps: check the actor is the grid worker of the resident's basic grid
    or the community's secretary, and that the account's mobile number is the
    one on the resident's record; lock the resident; refuse an account already
    linked to someone else, or a resident already linked to another account;
    link, record who confirmed and when, and give the account the resident
    role in the community (the person is told through the notifications
    outbox). Linking twice is a no-op.
    """
    building = resident.household.unit.building
    roles = {m.role for m in actor.active_memberships if m.community_id == building.community_id}
    own_grid = GridStaff.objects.filter(
        grid=building.grid_id, user=actor, duty=Duty.GRID_WORKER
    ).exists()
    if not (Role.SECRETARY in roles or (Role.GRID_WORKER in roles and own_grid)):
        raise NotAllowed(_("Only the resident's grid worker or secretary may confirm this."))
    # The account must carry the number the grid has on record for this
    # resident: a mistyped number must not show a stranger this household.
    if not resident.phone or account.phone != resident.phone:
        raise DomainError(
            _("The account's mobile number is not the one on %(name)s's record.")
            % {"name": resident.name}
        )
    try:
        with transaction.atomic():
            locked = Resident.objects.select_for_update().get(pk=resident.pk)
            if locked.user_id == account.pk:
                return locked
            if locked.user_id is not None:
                raise Conflict(
                    _("%(name)s is already linked to another account.") % {"name": resident.name}
                )
            if Resident.objects.filter(user=account).exists():
                raise Conflict(_("That account already belongs to another resident."))
            locked.user = account
            locked.confirmed_by = actor
            locked.confirmed_at = timezone.now()
            locked.save(update_fields=["user", "confirmed_by", "confirmed_at", "updated_at"])
            membership_grant(user=account, role=Role.RESIDENT, unit=building.community, actor=actor)
    except IntegrityError:
        # The same account was linked elsewhere at this very moment.
        raise Conflict(_("That account already belongs to another resident.")) from None
    return locked
