"""Patrols: start, check in at the grid's buildings, end."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import Conflict, DomainError, NotAllowed
from community.models import User
from grids import selectors
from grids.models import (
    PATROL_MOVES,
    Building,
    Grid,
    GridStaff,
    Patrol,
    PatrolCheckIn,
    PatrolStatus,
)

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
