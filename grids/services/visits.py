"""Home visits: recording one, and the daily overdue reminders."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from community.errors import DomainError, NotAllowed
from community.models import Membership, Role, User
from community.services import DigestItem, notify_digest
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


OVERDUE_DIGEST = ngettext_lazy(
    "%(count)d resident is overdue for a visit: %(items)s",
    "%(count)d residents are overdue for a visit: %(items)s",
    "count",
)
OVERDUE_LINE = _("%(name)s (%(home)s), %(days)s days late")
ESCALATED_DIGEST = ngettext_lazy(
    "%(count)d visit is %(days)d or more days overdue: %(items)s",
    "%(count)d visits are %(days)d or more days overdue: %(items)s",
    "count",
)


def visits_notify_overdue(*, today: date | None = None) -> int:
    """Beat job: tell grid workers of overdue visits, and secretaries of long-overdue ones.

    One digest per person per run lists their new overdue visits (a secretary
    with 46 gets one message, not 46), linking to the visits page. Each item is
    keyed by resident and due date and told once per person and rule
    (``notify_digest``), so running this every day (or twice at once) tells each
    person once per missed visit. Returns the number of messages written.
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

    # (person, escalated?) -> their items, in the order of the schedule (most overdue first)
    digests: dict[tuple[int, bool], tuple[User, list[DigestItem]]] = {}

    def add(person: User, escalated: bool, item: DigestItem) -> None:
        digests.setdefault((person.pk, escalated), (person, []))[1].append(item)

    for due in overdue:
        building = due.resident.household.unit.building
        key = f"visit-overdue:{due.resident.pk}:{due.due_on.isoformat()}"
        params = {
            "name": due.resident.name,
            "home": due.resident.household,
            "days": due.overdue_days,
        }
        for worker in workers.get(building.grid_id, []):
            add(worker, False, DigestItem(key, OVERDUE_LINE, params))
        if due.overdue_days >= ESCALATE_AFTER_DAYS:
            for secretary in secretaries.get(building.community_id, []):
                add(secretary, True, DigestItem(f"{key}:escalated", OVERDUE_LINE, params))

    link = reverse("grids:visits")
    written = 0
    with transaction.atomic():
        for (_pk, escalated), (person, items) in digests.items():
            written += len(
                notify_digest(
                    recipient=person,
                    kind="visit.overdue.escalated" if escalated else "visit.overdue",
                    title=ESCALATED_DIGEST if escalated else OVERDUE_DIGEST,
                    title_params={"days": ESCALATE_AFTER_DAYS} if escalated else {},
                    items=items,
                    link=link,
                    key="visit-overdue",
                )
            )
    return written
