"""Home visits: recording one, and the daily overdue reminders."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.errors import DomainError, NotAllowed
from community.models import Membership, Role, User
from community.services import notify
from grids import selectors
from grids.models import (
    Duty,
    GridStaff,
    Resident,
    Visit,
)

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
