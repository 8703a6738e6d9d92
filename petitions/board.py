"""Reads for a community's public board (公示), open to anyone without signing in.

What a community posts on its 公示牌 and more: the grids with their buildings
and staff, the office phone, this month's handled requests and the three rates.

Anonymised by construction: a handled request is shown only as its category,
its building, the days it took and an outcome built from labels (its status,
who handled it: the community or a department by name, the rating). Never a
name, a phone number, the description or a reply: a department's reply and the
community's recorded result are free text written about a person's home and
often name them, and no public summary field exists to be written with the
board in mind. The rows are sorted by category and building, not by time, so
the order tells nothing of who filed when.

Built in a handful of queries and cached for ten minutes per community,
language and month (the same page for everyone; it is public).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.cache import cache
from django.db.models import Min, Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community.models import Community, Membership, Role
from grids.models import Building, Duty, Grid, GridKind, GridStaff
from petitions.models import Petition, Status
from petitions.selectors import Rates, rates_of

BOARD_CACHE_SECONDS = 600
HANDLED = (Status.RESOLVED, Status.CALLED_BACK, Status.CLOSED)


@dataclass(frozen=True)
class BoardGrid:
    name: str
    buildings: list[str]
    worker: str
    worker_phone: str
    party_leader: str
    cadre: str


@dataclass(frozen=True)
class BoardRow:
    category: str
    building: str
    days: int
    outcome: str


@dataclass(frozen=True)
class Board:
    community_id: int
    community: str
    office_phone: str
    address: str
    secretaries: list[str]
    grids: list[BoardGrid]
    month: date
    handled: list[BoardRow]
    rates: Rates | None


def month_start(now: datetime | None = None) -> datetime:
    """The first instant of this month, Shanghai time."""
    today = timezone.localdate(now or timezone.now())
    return datetime.combine(today.replace(day=1), time.min, tzinfo=timezone.get_current_timezone())


def _grids(community: Community) -> list[BoardGrid]:
    staff = GridStaff.objects.filter(
        duty__in=[Duty.GRID_WORKER, Duty.PARTY_LEADER, Duty.CADRE]
    ).select_related("user")
    # In the order of their buildings, as on the community's board: by name,
    # 第三网格 would come before 第二网格.
    grids = (
        Grid.objects.filter(community=community, kind=GridKind.BASIC)
        .annotate(first_building=Min("buildings__number"))
        .order_by("first_building", "pk")
        .prefetch_related(
            Prefetch("buildings", queryset=Building.objects.order_by("number")),
            Prefetch("staff", queryset=staff, to_attr="duties"),
        )
    )
    out = []
    for g in grids:
        by_duty = {s.duty: s.user for s in g.duties}  # type: ignore[attr-defined]  # to_attr
        worker = by_duty.get(Duty.GRID_WORKER)
        out.append(
            BoardGrid(
                name=g.name,
                buildings=[str(b) for b in g.buildings.all()],
                worker=str(worker or ""),
                worker_phone=(worker.phone or "") if worker is not None else "",
                party_leader=str(by_duty.get(Duty.PARTY_LEADER) or ""),
                cadre=str(by_duty.get(Duty.CADRE) or ""),
            )
        )
    return out


def _outcome(p: Petition) -> str:
    by = (
        _("by %(department)s") % {"department": p.department.name}
        if p.department is not None
        else _("by the community")
    )
    parts = [str(p.get_status_display()), by]
    if p.rating:
        parts.append(str(p.get_rating_display()))
    return " · ".join(parts)


def _handled(community: Community, since: datetime) -> list[BoardRow]:
    rows = (
        Petition.objects.filter(community=community, status__in=HANDLED, resolved_at__gte=since)
        .select_related("building", "department")
        .only(
            "category",
            "status",
            "rating",
            "created_at",
            "resolved_at",
            "building__number",
            "building__name",
            "department__name",
        )
        .order_by("category", "building__number", "pk")
    )
    return [
        BoardRow(
            category=str(p.get_category_display()),
            building=str(p.building),
            # Started days, so a request handled within the day shows as 1.
            days=max(1, math.ceil((p.resolved_at - p.created_at).total_seconds() / 86400)),
            outcome=_outcome(p),
        )
        for p in rows
        if p.resolved_at is not None
    ]


def _build(community: Community) -> Board:
    since = month_start()
    secretaries = (
        Membership.objects.active()
        .filter(community=community, role=Role.SECRETARY)
        .select_related("user")
        .order_by("pk")
    )
    rates = rates_of(community.petitions.filter(created_at__gte=since), "community")
    return Board(
        community_id=community.pk,
        community=community.name,
        office_phone=community.phone,
        address=community.address,
        secretaries=[str(m.user) for m in secretaries],
        grids=_grids(community),
        month=since.date(),
        handled=_handled(community, since),
        rates=rates[0] if rates else None,
    )


def public_board(community_pk: int) -> Board | None:
    """The board of a community, or None if there is no such community (cached)."""
    key = f"petitions:board:{community_pk}:{translation.get_language()}:{month_start():%Y%m}"
    board: Board | None = cache.get(key)
    if board is None:
        community = Community.objects.filter(pk=community_pk).first()
        if community is None:
            return None
        board = _build(community)
        cache.set(key, board, BOARD_CACHE_SECONDS)
    return board
