"""Reads of the requests workflow, always through the viewer's scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from community.models import STREET_ROLES, Community, Membership, Role, User
from community.selectors import roles_of
from grids.models import Building, Grid, Resident
from petitions.models import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    Action,
    Channel,
    Desk,
    Petition,
    PetitionEvent,
    PetitionPhoto,
    Rating,
    Status,
)
from petitions.services.desks import desks_of

DUPLICATE_WINDOW = timedelta(days=30)


def petition_list(user: User | AnonymousUser) -> QuerySet[Petition]:
    """What ``user`` may see, with what a list row shows (one query a page)."""
    return Petition.objects.visible_to(user).select_related(
        "building", "grid", "community", "department"
    )


def home_building(user: User) -> int | None:
    """The building a resident lives in (the intake form's default place)."""
    return (
        Resident.objects.filter(user=user)
        .values_list("household__unit__building", flat=True)
        .first()
    )


def recordable_buildings(user: User) -> QuerySet[Building]:
    """Where someone may record a request for a resident: their basic grids, or
    the community they lead (the same rule as services.desks.may_record_at)."""
    staffed = Grid.objects.filter(staff__user=user).values("pk")
    led = Membership.objects.active().filter(user=user, role=Role.SECRETARY).values("community")
    return Building.objects.filter(Q(grid__in=staffed) | Q(community__in=led))


def overdue_q(now: datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(status__in=CLOCK_STATUSES, on_hold_since__isnull=True, due_at__lt=now)


def submitted_with(user: User, token: uuid.UUID) -> Petition | None:
    """The request this person already filed from the form carrying ``token``."""
    return Petition.objects.filter(recorded_by=user, client_token=token).first()


def likely_duplicates(
    *, building_id: int, category: str, exclude: int | None = None
) -> QuerySet[Petition]:
    """Open requests of the same kind at the same building, of the last 30 days."""
    rows = Petition.objects.open().filter(
        building=building_id,
        category=category,
        created_at__gte=timezone.now() - DUPLICATE_WINDOW,
    )
    if exclude:
        rows = rows.exclude(pk=exclude)
    return rows.select_related("building", "unit__building").order_by("-created_at")[:5]


@dataclass(frozen=True)
class Duplicate:
    """What the intake form's warning says of a request that may be the same matter.

    Its labels always (kind, building and unit, status, day); its words and a
    link only when the person filing may open it (their own, or staff in its
    scope): a neighbour's description is free text about a home and often
    names someone, so a resident never reads another's (as on the public board).
    """

    reference: str
    category: str
    place: str
    status: str
    created_at: datetime
    mine: bool
    excerpt: str
    url: str


EXCERPT_LENGTH = 40


def duplicates_for(user: User, *, building_id: int, category: str) -> list[Duplicate]:
    """``likely_duplicates`` as the warning shows them to ``user`` (two queries)."""
    rows = list(likely_duplicates(building_id=building_id, category=category))
    if not rows:
        return []
    seen = set(
        Petition.objects.visible_to(user)
        .filter(pk__in=[p.pk for p in rows])
        .values_list("pk", flat=True)
    )
    out = []
    for p in rows:
        may_open = p.pk in seen
        text = Truncator(" ".join(p.description.split())).chars(EXCERPT_LENGTH)
        out.append(
            Duplicate(
                reference=p.reference,
                category=p.get_category_display(),
                place=str(p.unit) if p.unit is not None else str(p.building),
                status=p.get_status_display(),
                created_at=p.created_at,
                mine=user.pk in (p.requester_id, p.recorded_by_id),
                excerpt=text if may_open else "",
                url=reverse("petitions:detail", args=[p.pk]) if may_open else "",
            )
        )
    return out


def followed_petition(client_token: uuid.UUID) -> Petition | None:
    """The poster report (filed without an account) a follow link names."""
    return (
        Petition.objects.filter(
            channel=Channel.POSTER, recorded_by__isnull=True, client_token=client_token
        )
        .select_related("building", "community__street", "unit", "department")
        .first()
    )


def is_staff_of(user: User, petition: Petition, desks: set[str] | None = None) -> bool:
    """Staff see the internal notes and the deadline watch; a requester does not.

    ``desks``: the viewer's desks when the caller has them already (one query less).
    """
    if desks is None:
        desks = desks_of(user, petition)
    return user.is_system_admin or bool(desks - {Desk.REQUESTER})


# What a requester may read of a step's data: not who handles it inside the community.
PUBLIC_EVENT_DATA = {
    "department",
    "due",
    "promised",
    "result",
    "rating",
    "by_phone",
    "original",
    "channel",
}


def timeline(
    petition: Petition, *, viewer: User | AnonymousUser, staff: bool
) -> list[PetitionEvent]:
    """The steps a viewer may read: staff all of them; a requester the public ones,
    without internal notes, and without the name of another requester."""
    events = petition.events.select_related("actor").prefetch_related(
        Prefetch("photos", queryset=PetitionPhoto.objects.order_by("id"))
    )
    if not staff:
        events = events.filter(public=True)
    rows = list(events)
    if not staff:
        for e in rows:
            e.internal_note = ""
            if not e.reason_public:
                e.reason = ""  # about the handling, and not shared by whoever wrote it
            e.data = {k: v for k, v in e.data.items() if k in PUBLIC_EVENT_DATA}
            if e.desk == Desk.REQUESTER and e.actor_id != viewer.pk:
                e.actor = None
    return rows


# --- The requester's view: where it stands, their own list ------------------------


@dataclass(frozen=True)
class ProgressStep:
    label: Any
    state: str  # "done", "current", "todo" or "skipped"


# 受理 → 社区 → 街道/部门 → 办结 → 回访, and the step each status stands at.
PROGRESS_LABELS = [
    pgettext_lazy("progress", "Accepted"),
    pgettext_lazy("progress", "Community"),
    pgettext_lazy("progress", "Street / department"),
    pgettext_lazy("progress", "Resolved"),
    pgettext_lazy("progress", "Callback"),
]
PROGRESS_AT: dict[str, int] = {
    Status.SUBMITTED: 0,
    Status.RETURNED: 0,
    Status.ACCEPTED: 1,
    Status.IN_COMMUNITY: 1,
    Status.ESCALATED: 2,
    Status.DISPATCHED: 2,
    Status.IN_PROGRESS: 2,
    Status.REPLIED: 2,
    Status.RESOLVED: 4,  # resolved; the callback is what waits
    Status.CALLED_BACK: 4,
    Status.CLOSED: 5,  # every step done
}


@dataclass(frozen=True)
class Progress:
    steps: list[ProgressStep]
    current: Any  # the label of the step it stands at, "" when done
    due_at: datetime | None  # when the desk holding it has promised to act
    promised_at: datetime | None  # the handling deadline, once set
    overdue: bool


def progress(p: Petition, events: list[PetitionEvent]) -> Progress | None:
    """The requester's stepper; None for a request merged or withdrawn.

    ``events``: the timeline already read for the page (no query here). The
    street step is "skipped" for a matter the community resolved itself.
    """
    at = PROGRESS_AT.get(p.status)
    if at is None:
        return None
    went_up = p.department_id is not None or any(
        e.action == Action.ESCALATE and e.round == p.round for e in events
    )
    steps = []
    for i, label in enumerate(PROGRESS_LABELS):
        if i == 2 and at > 2 and not went_up:
            state = "skipped"
        elif i < at:
            state = "done"
        elif i == at:
            state = "current"
        else:
            state = "todo"
        steps.append(ProgressStep(label, state))
    return Progress(
        steps=steps,
        current=PROGRESS_LABELS[at] if at < len(PROGRESS_LABELS) else "",
        due_at=p.due_at if p.status in CLOCK_STATUSES else None,
        promised_at=p.promised_at if p.is_open else None,
        overdue=p.is_overdue,
    )


def urged_today(p: Petition, events: list[PetitionEvent]) -> bool:
    """Whether 催办 was pressed today already (the page then shows it as done)."""
    today = timezone.localdate()
    return any(
        e.action == Action.URGE and timezone.localdate(e.created_at) == today for e in events
    )


# The roles whose list is the staff's (statuses, grids, overdue); others see their own.
STAFF_LIST_ROLES = {
    Role.GRID_WORKER,
    Role.SECRETARY,
    Role.STREET_DISPATCHER,
    Role.STREET_LEAD,
    Role.DEPARTMENT_HANDLER,
    Role.ADMIN,
}


def sees_staff_list(user: User) -> bool:
    """Whoever works requests gets the staff list; a resident gets their own, plainer one."""
    if user.is_system_admin or STAFF_LIST_ROLES & set(roles_of(user)):
        return True
    return Grid.objects.filter(staff__user=user).exists()


# A resident's list: in their own words, not the fifteen statuses. The keys are
# the staff list's "status" values where they mean the same (the home page's
# counts link to either list).
RESIDENT_SHOWS: dict[str, tuple[Any, Q]] = {
    "open": (pgettext_lazy("requests", "In progress"), Q(status__in=OPEN_STATUSES)),
    Status.CALLED_BACK: (_("Waiting for your rating"), Q(status=Status.CALLED_BACK)),
    "done": (pgettext_lazy("requests", "Done"), ~Q(status__in=OPEN_STATUSES)),
}


# --- Desks: what waits for each role ----------------------------------------------


@dataclass(frozen=True)
class DeskRow:
    label: Any
    count: int
    query: str  # the list page's filter for these rows
    urgent: bool = False


def _desk_rows(rows: QuerySet[Petition], spec: list[tuple[Any, Q, str, bool]]) -> list[DeskRow]:
    """All of a desk's counts in one query (one filtered COUNT each)."""
    counts = rows.aggregate(
        **{f"n{i}": Count("pk", filter=q) for i, (_l, q, _s, _u) in enumerate(spec)}
    )
    return [
        DeskRow(label, counts[f"n{i}"] or 0, query, urgent)
        for i, (label, _q, query, urgent) in enumerate(spec)
    ]


def desk(user: User, role: str) -> list[DeskRow]:
    """The counts a role's home page shows, each linking to the filtered list."""
    rows = Petition.objects.visible_to(user)
    overdue = (_("Overdue"), overdue_q(), "overdue=1", True)
    spec: list[tuple[Any, Q, str, bool]]
    if role == Role.RESIDENT:
        mine = Q(requester=user)
        spec = [
            (
                pgettext_lazy("requests", "Open"),
                mine & Q(status__in=OPEN_STATUSES),
                "status=open",
                False,
            ),
            (
                _("Waiting for your rating"),
                mine & Q(status=Status.CALLED_BACK),
                "status=called_back",
                False,
            ),
        ]
    elif role == Role.GRID_WORKER:
        grid = Q(grid__in=Grid.objects.filter(staff__user=user).values("pk"))
        spec = [
            (_("To accept"), grid & Q(status=Status.SUBMITTED), "status=submitted", False),
            (
                _("Assigned to you"),
                Q(status=Status.IN_COMMUNITY, assignee=user),
                "status=in_community&mine=1",
                False,
            ),
            (_("To call back"), grid & Q(status=Status.RESOLVED), "status=resolved", False),
        ]
    elif role == Role.SECRETARY:
        spec = [
            (_("To decide"), Q(status=Status.ACCEPTED), "status=accepted", False),
            (
                _("Handled in the community"),
                Q(status=Status.IN_COMMUNITY),
                "status=in_community",
                False,
            ),
            (_("To call back"), Q(status=Status.RESOLVED), "status=resolved", False),
            overdue,
        ]
    elif role in (Role.STREET_DISPATCHER, Role.STREET_LEAD):
        spec = [
            (_("To dispatch"), Q(status=Status.ESCALATED), "status=escalated", False),
            (_("Replies to review"), Q(status=Status.REPLIED), "status=replied", False),
            overdue,
        ]
    elif role == Role.DEPARTMENT_HANDLER:
        spec = [
            (_("To sign for"), Q(status=Status.DISPATCHED), "status=dispatched", False),
            (_("At work"), Q(status=Status.IN_PROGRESS), "status=in_progress", False),
            overdue,
        ]
    else:
        return []
    return _desk_rows(rows, spec)


# --- The three rates --------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    name: str
    total: int
    responded: int  # accepted (or signed, for a department) within its time
    due_response: int  # those whose response time is up, or that responded
    resolved: int
    rated: int
    satisfied: int  # satisfied or basically satisfied

    @staticmethod
    def _pct(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def response_rate(self) -> int | None:
        return self._pct(self.responded, self.due_response)

    @property
    def resolution_rate(self) -> int | None:
        return self._pct(self.resolved, self.total)

    @property
    def satisfaction_rate(self) -> int | None:
        return self._pct(self.satisfied, self.rated)


# Per grouping: the key, the name shown, and the order of the rows (grids in
# their natural order, people by pinyin).
GROUPINGS = {
    "grid": ("grid", "grid__name", ["grid__kind", "grid__position", "grid__name"]),
    "worker": ("accepted_by", "accepted_by__name", ["accepted_by__name_sort"]),
    "community": ("community", "community__name", ["community__name"]),
    "department": ("department", "department__name", ["department__name"]),
}


def rates(user: User | AnonymousUser, by: str, *, since: datetime | None = None) -> list[Rates]:
    """Response, resolution and satisfaction rates per ``by`` (one query).

    Counted over requests that reached the grid (merged and withdrawn ones
    left out). Response: the grid accepted within its time (for a department:
    signed for the order within its time); resolution: resolved now (a
    request reopened by an unsatisfied rating counts again once it is
    resolved again); satisfaction: satisfied or basically satisfied among those rated.
    """
    rows = Petition.objects.visible_to(user)
    if since:
        rows = rows.filter(created_at__gte=since)
    return rates_of(rows, by)


def rates_of(rows: QuerySet[Petition], by: str) -> list[Rates]:
    """The three rates of ``rows`` per ``by`` (one query); see ``rates``."""
    key, name, order = GROUPINGS[by]
    now = timezone.now()
    rows = rows.exclude(status__in=[Status.MERGED, Status.WITHDRAWN])
    if by == "department":
        responded = Q(signed_at__isnull=False, signed_at__lte=F("sign_by"))
        due = Q(signed_at__isnull=False) | Q(sign_by__lt=now)
    else:
        responded = Q(accepted_at__isnull=False, accepted_at__lte=F("accept_by"))
        due = Q(accepted_at__isnull=False) | Q(accept_by__lt=now)
    grouped = (
        rows.filter(**{f"{key}__isnull": False})
        .values(key, name)
        .annotate(
            total=Count("pk"),
            responded=Count("pk", filter=responded),
            due_response=Count("pk", filter=due),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False) | Q(status=Status.CLOSED)),
            rated=Count("pk", filter=~Q(rating="")),
            satisfied=Count("pk", filter=Q(rating__in=[Rating.SATISFIED, Rating.BASIC])),
        )
        .order_by(*order, key)
    )
    return [
        Rates(
            name=row[name] or "—",
            total=row["total"],
            responded=row["responded"],
            due_response=row["due_response"],
            resolved=row["resolved"],
            rated=row["rated"],
            satisfied=row["satisfied"],
        )
        for row in grouped
    ]


def rate_groupings(user: User) -> list[str]:
    """Which tables a person's rates page shows: the street sees communities and departments."""
    roles = roles_of(user)
    if Role.ADMIN in roles or Role.STREET_DISPATCHER in roles or Role.STREET_LEAD in roles:
        return ["community", "grid", "department"]
    if Role.SECRETARY in roles:
        return ["grid", "worker"]
    return []


# --- The community's daily summary sheet (社区汇总) ----------------------------------


@dataclass
class DailySummary:
    community: Community
    day: date
    came_in: list[Petition]
    kept: list[PetitionEvent]  # handled in the community: assigned or resolved that day
    went_up: list[PetitionEvent]  # escalated to the street that day
    by_grid: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    open_total: int


def daily_summary(community: Community, day: date) -> DailySummary:
    """What came in on ``day``, what the community kept, and what went up."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = start + timedelta(days=1)
    came_in = list(
        community.petitions.filter(created_at__gte=start, created_at__lt=end)
        .select_related("building", "grid")
        .order_by("created_at")
    )
    day_events = (
        PetitionEvent.objects.filter(
            petition__community=community, created_at__gte=start, created_at__lt=end
        )
        .select_related("petition__building", "actor")
        .order_by("created_at")
    )
    by_grid: dict[Grid, int] = {}
    by_category: dict[str, int] = {}
    for p in came_in:
        by_grid[p.grid] = by_grid.get(p.grid, 0) + 1
        label = str(p.get_category_display())
        by_category[label] = by_category.get(label, 0) + 1
    return DailySummary(
        community=community,
        day=day,
        came_in=came_in,
        kept=[e for e in day_events if e.action in (Action.ASSIGN, Action.RESOLVE)],
        went_up=[e for e in day_events if e.action == Action.ESCALATE],
        by_grid=[
            (g.name, n)
            for g, n in sorted(by_grid.items(), key=lambda gn: (gn[0].position, gn[0].name))
        ],
        by_category=sorted(by_category.items(), key=lambda kv: -kv[1]),
        open_total=community.petitions.open().count(),
    )


def summary_communities(user: User) -> QuerySet[Community]:
    """Communities whose summary sheet a person may print: the secretary's, the street's."""
    if user.is_system_admin:
        return Community.objects.all()
    active = Membership.objects.filter(user=user, revoked_at__isnull=True)
    return Community.objects.filter(
        Q(pk__in=active.filter(role=Role.SECRETARY).values("community"))
        | Q(street__in=active.filter(role__in=STREET_ROLES).values("street"))
    )
