"""Reads of the mediation room, always through the viewer's scope."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from community.models import Community, Membership, Role, User
from mediation.models import (
    CaseAction,
    CaseParty,
    CaseStatus,
    DisputeType,
    MediationCase,
)
from petitions.models import Petition
from petitions.models import Status as PetitionStatus


def case_list(user: User | AnonymousUser) -> QuerySet[MediationCase]:
    """Cases a person may see, with their parties (two queries a page)."""
    return (
        MediationCase.objects.visible_to(user)
        .select_related("community")
        .prefetch_related(Prefetch("parties", queryset=CaseParty.objects.order_by("id")))
    )


def is_case_staff(user: User, case: MediationCase) -> bool:
    """The community's mediators and secretary see the sessions; parties do not."""
    return MediationCase.objects.staff_visible_to(user).filter(pk=case.pk).exists()


def staff_communities(user: User) -> QuerySet[Community]:
    ids = Membership.objects.filter(
        user=user, revoked_at__isnull=True, role__in=[Role.MEDIATOR, Role.SECRETARY]
    ).values("community")
    return Community.objects.filter(pk__in=ids)


def petitions_for_a_case(community_id: int) -> QuerySet[Petition]:
    """The community's requests a case may be opened from: none yet, still standing."""
    return (
        Petition.objects.filter(community=community_id, mediation_case__isnull=True)
        .exclude(status__in=[PetitionStatus.MERGED, PetitionStatus.WITHDRAWN])
        .order_by("-created_at", "-id")
    )


# The type-ahead's bound: a chooser over a growing table shows a page, never the table.
PETITION_CHOICES = 10


def petition_choices(community_id: int, text: str) -> list[Petition]:
    """At most PETITION_CHOICES of those requests whose number or text holds ``text``."""
    text = text.strip()
    if len(text) < 2:
        return []
    return list(
        petitions_for_a_case(community_id).filter(
            Q(reference__contains=text) | Q(description__icontains=text)
        )[:PETITION_CHOICES]
    )


def overdue_q() -> Q:
    return Q(status__in=[CaseStatus.OPEN, CaseStatus.IN_MEDIATION], due_on__lt=timezone.localdate())


@dataclass(frozen=True)
class RoomStats:
    community: Community
    total: int
    open: int
    by_type: list[tuple[Any, int]]
    decided: int  # agreement, no agreement or referred
    agreed: int
    median_days_to_close: float | None

    @property
    def agreement_rate(self) -> int | None:
        return round(100 * self.agreed / self.decided) if self.decided else None


def room_stats(community: Community) -> RoomStats:
    """Cases by type, the agreement rate and the median days to close (three queries)."""
    cases = MediationCase.objects.filter(community=community)
    # distinct on every count: "decided" joins the events, one row per event.
    counts = cases.aggregate(
        total=Count("pk", distinct=True),
        open=Count("pk", filter=~Q(status=CaseStatus.CLOSED), distinct=True),
        agreed=Count("pk", filter=Q(agreement__isnull=False), distinct=True),
        decided=Count(
            "pk",
            filter=Q(
                events__action__in=[
                    CaseAction.AGREE,
                    CaseAction.NO_AGREEMENT,
                    CaseAction.REFER,
                ]
            ),
            distinct=True,
        ),
    )
    by_type = dict(cases.values_list("dispute_type").annotate(n=Count("pk")))
    days = [
        (closed - opened).days
        for opened, closed in cases.filter(closed_on__isnull=False).values_list(
            "opened_on", "closed_on"
        )
        if closed is not None
    ]
    return RoomStats(
        community=community,
        total=counts["total"],
        open=counts["open"],
        by_type=[(t.label, by_type[t.value]) for t in DisputeType if by_type.get(t.value)],
        decided=counts["decided"],
        agreed=counts["agreed"],
        median_days_to_close=statistics.median(days) if days else None,
    )
