"""What the volunteers app adds to home pages: the leader's desk, a resident's places."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from community.models import User
from community.panels import Panel
from volunteers.models import ACTIVE_STATUSES, ActivityStatus, MemberStatus, SignUp, Team
from volunteers.selectors import activity_list, own_q


def leader_panel(user: User) -> Panel | None:
    """Teams, join requests waiting and activities to come (one query)."""
    counts = Team.objects.managed_by(user).aggregate(
        teams=Count("pk", distinct=True),
        pending=Count("members", filter=Q(members__status=MemberStatus.PENDING), distinct=True),
        upcoming=Count(
            "activities",
            filter=Q(
                activities__starts_at__gte=timezone.now(),
                activities__status=ActivityStatus.SCHEDULED,
            ),
            distinct=True,
        ),
    )
    if not counts["teams"]:
        return None
    return Panel("volunteers/_leader_panel.html", {"counts": counts})


def resident_panel(user: User) -> Panel | None:
    """A person's next places, and how many activities they could join (two queries)."""
    mine = list(
        SignUp.objects.filter(
            own_q(user),
            status__in=ACTIVE_STATUSES,
            activity__starts_at__gte=timezone.now(),
        )
        .select_related("activity")
        .order_by("activity__starts_at")[:3]
    )
    open_count = activity_list(user).filter(status=ActivityStatus.SCHEDULED).count()
    if not mine and not open_count:
        return None
    return Panel("volunteers/_resident_panel.html", {"mine": mine, "open": open_count})
