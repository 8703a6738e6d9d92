"""What the grids app adds to role home pages (see community.panels)."""

from __future__ import annotations

from django.db.models import Q

from community.models import User
from community.panels import Panel
from grids import selectors
from grids.models import CareTag, Duty, GridStaff, HazardStatus, Resident
from grids.selectors_notices import notice_scope, notices_for


def my_grid(user: User) -> Panel | None:
    """A grid worker's own grids, with how many residents need extra care."""
    grids = selectors.my_grids(user)
    if not grids:
        return None
    counts = selectors.care_counts([g.pk for g in grids if g.is_basic])
    due = selectors.visits_due(user)
    care = [((tag.value, tag.label), counts[tag.value]) for tag in CareTag if counts.get(tag.value)]
    return Panel(
        "grids/_my_grid_panel.html",
        {
            "grids": grids,
            "care": care,
            "patrol": selectors.current_patrol(user),
            "visits_due": len(due),
            "visits_overdue": sum(1 for v in due if v.is_overdue),
            "open_hazards": selectors.hazard_list(user, status=HazardStatus.OPEN).count(),
        },
    )


def community_grids(user: User) -> Panel | None:
    """The grids of the communities a secretary leads or a street oversees."""
    grids = selectors.grid_overview(user)
    if not grids:
        return None
    show_community = len({g.community_id for g in grids}) > 1
    return Panel(
        "grids/_community_grids_panel.html", {"grids": grids, "show_community": show_community}
    )


def my_home(user: User) -> Panel | None:
    """A confirmed resident's household and who looks after it."""
    resident = (
        Resident.objects.filter(user=user)
        .select_related("household__unit__building__community", "household__unit__building__grid")
        .first()
    )
    if resident is None:
        # Not linked yet: where to say where they live, or how the claim stands.
        return Panel("grids/_claim_panel.html", {"pending": selectors.claim_pending_of(user)})
    building = resident.household.unit.building
    workers = [
        s.user
        for s in GridStaff.objects.filter(
            grid=building.grid_id, duty=Duty.GRID_WORKER
        ).select_related("user")
    ]
    return Panel(
        "grids/_my_home_panel.html",
        {"resident": resident, "building": building, "workers": workers},
    )


def claims_waiting(user: User) -> Panel | None:
    """New residents waiting for the grid worker or secretary to confirm their home."""
    claims = selectors.claims_waiting(user)
    if not claims:
        return None
    return Panel("grids/_claims_waiting_panel.html", {"count": len(claims)})


# How many current notices a resident's home page lists (the rest: "All notices").
HOME_NOTICES = 5


def notices(user: User) -> Panel | None:
    """A resident's current notices, pinned first, with how many are unread."""
    current = notices_for(user)
    shown = list(current[:HOME_NOTICES])
    if not shown:
        return None
    unread = sum(1 for n in shown if not getattr(n, "is_read", False))
    if len(shown) == HOME_NOTICES:
        # More may be unread than are shown: count them (Q: an annotation, not a field).
        unread = current.filter(Q(is_read=False)).count()
    return Panel("grids/_notices_panel.html", {"notices": shown, "unread": unread})


def notices_staff(user: User) -> Panel | None:
    """Publishing notices, for the secretary and grid workers."""
    if not notice_scope(user).can_publish:
        return None
    return Panel("grids/_notices_staff_panel.html")
