"""What the mediation room adds to the mediator's and secretary's home pages."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from community.models import User
from community.panels import Panel
from mediation.models import CaseStatus, FollowUp, MediationCase
from mediation.selectors import overdue_q


def room(user: User) -> Panel | None:
    cases = MediationCase.objects.staff_visible_to(user)
    counts = cases.aggregate(
        open=Count("pk", filter=~Q(status=CaseStatus.CLOSED)),
        overdue=Count("pk", filter=overdue_q()),
        risk=Count("pk", filter=Q(risk=True) & ~Q(status=CaseStatus.CLOSED)),
    )
    if not counts["open"] and not cases.exists():
        return None
    counts["follow_ups"] = FollowUp.objects.filter(
        case__in=cases, done_on__isnull=True, due_on__lte=timezone.localdate()
    ).count()
    return Panel("mediation/_panel.html", {"counts": counts})
