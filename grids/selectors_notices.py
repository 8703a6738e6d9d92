"""Reads of notices: what a resident sees, where staff may publish, who has read what.

Kept apart from ``grids.selectors`` (already past the size where a module is split).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from community.models import Community, User
from grids.models import (
    Building,
    ClaimStatus,
    Grid,
    HouseholdClaim,
    Notice,
    NoticeRead,
    Resident,
)
from grids.models.notices import led_community_ids, worker_grid_ids

# --- What a resident sees --------------------------------------------------------


def notices_for(user: User | AnonymousUser, now: datetime | None = None) -> QuerySet[Notice]:
    """The current notices a resident is in the audience of, pinned first, newest next,
    each with ``is_read``. One query (the audience parts are sub-selects).

    The audience comes from the household the resident's account is linked to:
    its building, that building's basic grid and the overlay grids covering it,
    and its community. A resident not yet linked, with a claim waiting, sees the
    community-wide notices of the community they claimed (public in the
    compound anyway) and nothing meant for a grid or a building.
    """
    if not user.is_authenticated:
        return Notice.objects.none()
    home = Building.objects.filter(units__households__residents__user=user).values("pk")
    claimed = HouseholdClaim.objects.filter(claimant=user, status=ClaimStatus.PENDING).values(
        "household__unit__building__community"
    )
    return (
        Notice.objects.current(now)
        .filter(_audience(home) | Q(whole_community=True, community__in=claimed))
        .annotate(is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user=user)))
        .order_by("-pinned", "-starts_at", "-id")
    )


def notices_at_building(building: Building, now: datetime | None = None) -> QuerySet[Notice]:
    """The current notices for everyone living at ``building``, pinned first.

    Shown to whoever scans the building's poster, account or not: these are
    the notices that used to be taped up in its stairwell (an outage, a
    vaccination day), so nothing here is more private than that.
    """
    home = Building.objects.filter(pk=building.pk).values("pk")
    return (
        Notice.objects.current(now).filter(_audience(home)).order_by("-pinned", "-starts_at", "-id")
    )


def _audience(home: QuerySet[Any]) -> Q:
    """Notices meant for the buildings in ``home`` (a values("pk") queryset): their
    community as a whole, their basic and overlay grids, or the buildings."""
    home_grids = Grid.objects.filter(Q(buildings__in=home) | Q(overlay_buildings__in=home)).values(
        "pk"
    )
    return (
        Q(
            whole_community=True,
            community__in=Building.objects.filter(pk__in=home).values("community"),
        )
        | Q(pk__in=Notice.buildings.through.objects.filter(building__in=home).values("notice"))
        | Q(pk__in=Notice.grids.through.objects.filter(grid__in=home_grids).values("notice"))
    )


# --- Where staff may publish -------------------------------------------------------


@dataclass(frozen=True)
class NoticeScope:
    """Where one person may publish: the whole of some communities (as their
    secretary), some grids and buildings (as their grid worker)."""

    communities: QuerySet[Community]
    led: QuerySet[Any]  # the communities they are secretary of, as ``community`` values
    grids: QuerySet[Grid]
    buildings: QuerySet[Building]

    @property
    def can_publish(self) -> bool:
        return self.communities.exists()

    def may_address_whole(self, community: Community) -> bool:
        return self.led.filter(community=community.pk).exists()


def notice_scope(user: User | AnonymousUser) -> NoticeScope:
    """A secretary: their community, any of its grids and buildings. A grid worker:
    their own grids and the buildings in them (basic, or covered as overlay)."""
    if not user.is_authenticated:
        return NoticeScope(
            Community.objects.none(),
            Community.objects.none(),
            Grid.objects.none(),
            Building.objects.none(),
        )
    led = led_community_ids(user)
    own = worker_grid_ids(user)
    grids = Grid.objects.filter(Q(community__in=led) | Q(pk__in=own))
    buildings = Building.objects.filter(
        Q(community__in=led)
        | Q(grid__in=own)
        | Q(pk__in=Grid.overlay_buildings.through.objects.filter(grid__in=own).values("building"))
    )
    communities = Community.objects.filter(Q(pk__in=led) | Q(grids__in=own)).distinct()
    return NoticeScope(
        communities=communities,
        led=led,
        grids=grids.order_by("community_id", "kind", "position", "name"),
        buildings=buildings.order_by("community_id", "number"),
    )


# --- Who has read what (staff) ---------------------------------------------------------


@dataclass(frozen=True)
class NoticeFigures:
    reads: int
    audience: int  # residents with a linked account in the notice's audience


def notices_managed(user: User | AnonymousUser) -> QuerySet[Notice]:
    """The notices a secretary or their author may manage, with their read counts."""
    return (
        Notice.objects.managed_by(user)
        .select_related("community", "author")
        .annotate(read_count=Count("reads"))
        .order_by("-created_at", "-id")
    )


def notice_figures(notices: list[Notice]) -> dict[int, NoticeFigures]:
    """Reads and audience size of each notice, in four queries whatever their number.

    ``notices`` come from ``notices_managed`` (with ``read_count``). The
    audience is counted from linked residents per building, so a notice to a
    grid counts the buildings of that grid (basic or overlay) once each.
    """
    if not notices:
        return {}
    ids = [n.pk for n in notices]
    communities = {n.community_id for n in notices}
    per_building: dict[int, int] = {}
    community_of: dict[int, int] = {}
    basic_grid_of: dict[int, int] = {}
    for row in (
        Resident.objects.filter(
            user__isnull=False, household__unit__building__community__in=communities
        )
        .values(
            "household__unit__building",
            "household__unit__building__grid",
            "household__unit__building__community",
        )
        .annotate(n=Count("pk"))
    ):
        building = row["household__unit__building"]
        per_building[building] = row["n"]
        basic_grid_of[building] = row["household__unit__building__grid"]
        community_of[building] = row["household__unit__building__community"]
    overlay: dict[int, set[int]] = defaultdict(set)
    for grid_id, building_id in Grid.overlay_buildings.through.objects.filter(
        grid__community__in=communities
    ).values_list("grid", "building"):
        overlay[grid_id].add(building_id)
    target_grids: dict[int, set[int]] = defaultdict(set)
    for notice_id, grid_id in Notice.grids.through.objects.filter(notice__in=ids).values_list(
        "notice", "grid"
    ):
        target_grids[notice_id].add(grid_id)
    target_buildings: dict[int, set[int]] = defaultdict(set)
    for notice_id, building_id in Notice.buildings.through.objects.filter(
        notice__in=ids
    ).values_list("notice", "building"):
        target_buildings[notice_id].add(building_id)

    figures: dict[int, NoticeFigures] = {}
    for notice in notices:
        if notice.whole_community:
            reached = {b for b, c in community_of.items() if c == notice.community_id}
        else:
            grids = target_grids[notice.pk]
            reached = set(target_buildings[notice.pk])
            reached |= {b for b, g in basic_grid_of.items() if g in grids}
            for grid_id in grids:
                reached |= overlay[grid_id]
        figures[notice.pk] = NoticeFigures(
            reads=getattr(notice, "read_count", 0),
            audience=sum(per_building.get(b, 0) for b in reached),
        )
    return figures


def notice_audience_label(notice: Notice) -> str:
    """Who a notice is for, in words: the community, or its grids and buildings."""
    if notice.whole_community:
        return str(notice.community)
    names = [str(g) for g in notice.grids.all()] + [str(b) for b in notice.buildings.all()]
    return "、".join(names)
