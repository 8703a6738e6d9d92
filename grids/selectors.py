"""Reads of the grids app, through the viewer's scope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import CharField, Count, F, Max, Q, QuerySet, Value
from django.utils import timezone

from community.models import Role, User
from community.templatetags.portal import masked
from grids.models import (
    DEFAULT_VISIT_INTERVAL_DAYS,
    Building,
    CarePlan,
    CareTag,
    ClaimStatus,
    Grid,
    GridKind,
    GridStaff,
    Hazard,
    HazardStatus,
    HouseholdClaim,
    Patrol,
    PatrolCheckIn,
    PatrolStatus,
    Resident,
    ResidentTag,
    Visit,
    WorkCategory,
    WorkLogEntry,
)
from grids.printing import building_from_token

# Care tags that are health data: shown and searchable only with the notes.
HEALTH_TAGS = frozenset({CareTag.CHRONIC_ILLNESS})


@dataclass(frozen=True)
class Access:
    """What one viewer may see in full. Built once per request (two queries).

    Everyone who can see a resident sees their name and household. The full
    mobile number is for the staff of any grid covering the building, the
    community's secretary and the resident themself; everyone else sees it
    masked. Health notes are for the staff of the resident's basic grid and
    the secretary only, not the street, not overlay grids, not the admin.
    """

    user_id: int | None
    secretary_of: frozenset[int]
    basic_grids: frozenset[int]
    covered_buildings: frozenset[int]

    def full_phone(self, resident: Resident) -> bool:
        building = resident.household.unit.building
        return (
            (resident.user_id is not None and resident.user_id == self.user_id)
            or building.community_id in self.secretary_of
            or building.grid_id in self.basic_grids
            or building.pk in self.covered_buildings
        )

    def health(self, resident: Resident) -> bool:
        building = resident.household.unit.building
        return building.community_id in self.secretary_of or building.grid_id in self.basic_grids

    def phone(self, resident: Resident) -> str:
        return resident.phone if self.full_phone(resident) else masked(resident.phone)

    def tags(self, resident: Resident) -> list[ResidentTag]:
        """Care tags to show: a chronic illness is health data, like the notes."""
        return [t for t in resident.tags.all() if t.tag not in HEALTH_TAGS or self.health(resident)]

    def health_q(self) -> Q:
        """Residents whose health data this viewer may see, as a filter."""
        return Q(household__unit__building__community__in=self.secretary_of) | Q(
            household__unit__building__grid__in=self.basic_grids
        )

    def full_phone_q(self) -> Q:
        own = Q(user_id=self.user_id) if self.user_id is not None else Q(pk__in=[])
        return self.health_q() | Q(household__unit__building__in=self.covered_buildings) | own


def access_for(user: User | AnonymousUser) -> Access:
    if not user.is_authenticated:
        return Access(None, frozenset(), frozenset(), frozenset())
    duties = list(GridStaff.objects.filter(user=user).values_list("grid_id", "grid__kind"))
    overlay = [grid for grid, kind in duties if kind != GridKind.BASIC]
    covered = (
        Grid.overlay_buildings.through.objects.filter(grid__in=overlay).values_list(
            "building_id", flat=True
        )
        if overlay
        else []
    )
    return Access(
        user_id=user.pk,
        secretary_of=frozenset(
            m.community_id
            for m in user.active_memberships
            if m.role == Role.SECRETARY and m.community_id
        ),
        basic_grids=frozenset(grid for grid, kind in duties if kind == GridKind.BASIC),
        covered_buildings=frozenset(covered),
    )


def resident_list(
    user: User | AnonymousUser,
    *,
    access: Access,
    search: str = "",
    building: int | None = None,
    tag: str = "",
) -> QuerySet[Resident]:
    """Residents the viewer may see, with their household, building and tags.

    Searching by phone matches the last four digits (shown to everyone) or a
    whole number the viewer may see in full: a masked number cannot be
    rebuilt digit by digit. Filtering by a health tag finds only residents
    whose health data the viewer may see.
    """
    rows = (
        Resident.objects.visible_to(user)
        .filter(moved_out_on__isnull=True)  # anonymised: nobody to look up any more
        .select_related("household__unit__building")
        .prefetch_related("tags")
        .order_by(
            "household__unit__building__number", "household__unit__number", "household__room", "id"
        )
    )
    if search:
        match = Q(name__contains=search)
        if search.isdigit() and len(search) <= 4:
            match |= Q(phone__endswith=search)
        elif search.isdigit():
            match |= Q(phone=search) & access.full_phone_q()
        rows = rows.filter(match)
    if building:
        rows = rows.filter(household__unit__building_id=building)
    if tag in CareTag.values:
        rows = rows.filter(tags__tag=tag)
        if tag in HEALTH_TAGS:
            rows = rows.filter(access.health_q())
    return rows


def grid_overview(user: User | AnonymousUser) -> list[Grid]:
    """Grids the viewer may see, with building, household and resident counts."""
    return list(
        Grid.objects.visible_to(user)
        .select_related("community")
        .prefetch_related("staff__user")
        .annotate(
            building_count=Count("buildings", distinct=True),
            household_count=Count("buildings__units__households", distinct=True),
            resident_count=Count("buildings__units__households__residents", distinct=True),
            covered_count=Count("overlay_buildings", distinct=True),
        )
        .order_by("community__name", "kind", "position", "name")
    )


def my_grids(user: User) -> list[Grid]:
    """The grids a person staffs, with what they hold."""
    return [g for g in grid_overview(user) if any(s.user_id == user.pk for s in g.staff.all())]


def care_counts(grid_ids: list[int]) -> dict[str, int]:
    """How many residents of these basic grids carry each care tag."""
    rows = (
        Resident.objects.filter(household__unit__building__grid__in=grid_ids)
        .values("tags__tag")
        .annotate(n=Count("id"))
        .filter(tags__tag__isnull=False)
    )
    return {row["tags__tag"]: row["n"] for row in rows}


def patrol_buildings_for(user: User) -> QuerySet[Building]:
    """Buildings of the communities whose grids a person staffs: what a check-in
    may name. Whether it is on this patrol's grid is the service's call, with
    a message that says so."""
    return Building.objects.filter(
        community__in=Grid.objects.filter(staff__user=user).values("community")
    ).order_by("community_id", "number")


def buildings_for(user: User | AnonymousUser) -> QuerySet[Building]:
    return (
        Building.objects.visible_to(user).select_related("grid").order_by("community_id", "number")
    )


# --- Patrols ---------------------------------------------------------------------


def grid_buildings(grid: Grid) -> QuerySet[Building]:
    """The buildings a patrol of ``grid`` walks: its own, or those an overlay covers."""
    return grid.buildings.all() if grid.is_basic else grid.overlay_buildings.all()


def staffed_grids(user: User) -> list[Grid]:
    return list(Grid.objects.filter(staff__user=user).select_related("community").distinct())


def current_patrol(user: User) -> Patrol | None:
    return (
        Patrol.objects.filter(worker=user, status=PatrolStatus.IN_PROGRESS)
        .select_related("grid")
        .first()
    )


@dataclass
class PatrolStop:
    building: Building
    check_ins: list[PatrolCheckIn]


def patrol_stops(patrol: Patrol) -> list[PatrolStop]:
    """Each building of the patrol's grid with this patrol's check-ins there (2 queries)."""
    by_building: dict[int, list[PatrolCheckIn]] = {}
    for check_in in patrol.check_ins.all():
        by_building.setdefault(check_in.building_id, []).append(check_in)
    return [
        PatrolStop(building=b, check_ins=by_building.get(b.pk, []))
        for b in grid_buildings(patrol.grid).order_by("number")
    ]


def week_start(now: datetime | None = None) -> datetime:
    """Monday 00:00 of this week, Asia/Shanghai."""
    local = timezone.localtime(now)
    monday = local - timedelta(days=local.weekday())
    return monday.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Coverage:
    grid: Grid
    covered: list[Building]
    missed: list[Building]
    # Each covered building with the latest patrol that checked in there (its record).
    patrolled_by: list[tuple[Building, int]]


def week_coverage(user: User, now: datetime | None = None) -> list[Coverage]:
    """For each basic grid the viewer sees: buildings patrolled since Monday, and missed."""
    since = week_start(now)
    grids = list(
        Grid.objects.visible_to(user)
        .filter(kind=GridKind.BASIC)
        .select_related("community")
        .prefetch_related("buildings")
        .order_by("community__name", "position", "name")
    )
    # Oldest first, so the latest check-in at a building is the one kept.
    visited = dict(
        PatrolCheckIn.objects.filter(at__gte=since, patrol__grid__in=grids)
        .order_by("at", "id")
        .values_list("building_id", "patrol_id")
    )
    coverage = []
    for g in grids:
        covered = [b for b in g.buildings.all() if b.pk in visited]
        coverage.append(
            Coverage(
                grid=g,
                covered=covered,
                missed=[b for b in g.buildings.all() if b.pk not in visited],
                patrolled_by=[(b, visited[b.pk]) for b in covered],
            )
        )
    return coverage


def patrol_list(user: User | AnonymousUser, *, worker: int | None = None) -> QuerySet[Patrol]:
    rows = (
        Patrol.objects.visible_to(user)
        .select_related("grid", "worker")
        .annotate(check_in_count=Count("check_ins"))
        .order_by("-started_at", "-id")
    )
    if worker is not None:
        rows = rows.filter(worker=worker)
    return rows


@dataclass
class PatrolRecord:
    """One patrol as it was walked: where and when the worker checked in, what
    they noted, the grid's buildings the round left out and the hazards found."""

    patrol: Patrol
    check_ins: list[PatrolCheckIn]
    missed: list[Building]
    hazards: list[Hazard]

    @property
    def located(self) -> int:
        return sum(1 for c in self.check_ins if c.latitude is not None)


def patrol_record(patrol: Patrol) -> PatrolRecord:
    """The record of a patrol the viewer may see (three queries)."""
    check_ins = list(patrol.check_ins.select_related("building").order_by("at", "id"))
    seen = {c.building_id for c in check_ins}
    missed = [b for b in grid_buildings(patrol.grid).order_by("number") if b.pk not in seen]
    hazards = list(patrol.hazards.select_related("building", "unit").order_by("created_at", "id"))
    return PatrolRecord(patrol=patrol, check_ins=check_ins, missed=missed, hazards=hazards)


# --- Home visits -----------------------------------------------------------------

DUE_SOON_DAYS = 3


@dataclass
class VisitDue:
    resident: Resident
    last_visit: date | None
    due_on: date
    today: date

    @property
    def overdue_days(self) -> int:
        return max(0, (self.today - self.due_on).days)

    @property
    def is_overdue(self) -> bool:
        return self.due_on < self.today


def _visit_scope(user: User) -> Q:
    """Whose visits a person answers for: their basic grids', or their community's."""
    if user.is_system_admin:
        return Q()
    secretary_of = [m.community_id for m in user.active_memberships if m.role == Role.SECRETARY]
    return Q(household__unit__building__grid__staff__user=user) | Q(
        household__unit__building__community__in=secretary_of
    )


def visit_schedule(residents: QuerySet[Resident], today: date) -> list[VisitDue]:
    """When each tagged resident is next due a visit (three queries).

    A resident with several care tags follows the most frequent plan; one
    never visited is due from the day they were tagged.
    """
    rows = list(
        residents.filter(tags__isnull=False)
        .distinct()
        .select_related("household__unit__building")
        .prefetch_related("tags")
        .annotate(last_visit=Max("visits__visited_on"))
    )
    plans = {
        (p.community_id, p.tag): p.interval_days
        for p in CarePlan.objects.filter(
            community__in={r.household.unit.building.community_id for r in rows}
        )
    }
    schedule = []
    for r in rows:
        community = r.household.unit.building.community_id
        tags = list(r.tags.all())
        interval = min(
            plans.get((community, t.tag), DEFAULT_VISIT_INTERVAL_DAYS[t.tag]) for t in tags
        )
        start = r.last_visit or min(t.since for t in tags)
        due_on = start + timedelta(days=interval) if r.last_visit else start
        schedule.append(VisitDue(resident=r, last_visit=r.last_visit, due_on=due_on, today=today))
    return sorted(schedule, key=lambda v: (v.due_on, v.resident.pk))


def visits_due(user: User, today: date | None = None) -> list[VisitDue]:
    """The visits a worker (or secretary) has due within a few days, or overdue."""
    today = today or timezone.localdate()
    residents = Resident.objects.filter(_visit_scope(user))
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    return [v for v in visit_schedule(residents, today) if v.due_on <= horizon]


def overdue_visits(today: date) -> list[VisitDue]:
    """Every overdue visit in the system, for the beat job."""
    return [v for v in visit_schedule(Resident.objects.all(), today) if v.is_overdue]


# --- Hazards -----------------------------------------------------------------------


def hazard_list(user: User | AnonymousUser, *, status: str = "") -> QuerySet[Hazard]:
    rows = (
        Hazard.objects.visible_to(user)
        .select_related("building", "unit", "reported_by")
        .prefetch_related("photos")
        .order_by("-created_at", "-id")
    )
    if status in HazardStatus.values:
        rows = rows.filter(status=status)
    return rows


def hazard_reported_with(user: User, token: uuid.UUID) -> Hazard | None:
    """The hazard ``user`` reported with this form token (or app idempotency key)."""
    return Hazard.objects.filter(reported_by=user, client_token=token).first()


# --- Work log ------------------------------------------------------------------------


def month_bounds(month: date) -> tuple[date, date]:
    """The first day of ``month`` and of the month after it."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    return first, after


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class WorkTally:
    worker: User
    counts: list[int]  # in WorkCategory order
    total: int


def work_tally(user: User, month: date) -> list[WorkTally]:
    """How much of each of the five kinds (五勤) each worker did in ``month``.

    Two queries: one UNION ALL of four counts per worker and kind (patrols
    started, hazards reported, home visits, and the log's entries by their
    kind), then the workers. Each part is scoped to whose work the viewer
    answers for: their own, or the communities they lead.
    """
    first, after = month_bounds(month)
    start, end = _local_midnight(first), _local_midnight(after)

    def counted(rows: QuerySet, kind: str) -> QuerySet:
        return (
            rows.annotate(tally_kind=Value(kind, output_field=CharField()))
            .values("worker", "tally_kind")
            .annotate(n=Count("id"))
            .order_by()
        )

    logged = (
        WorkLogEntry.objects.of_workers_under(user)
        .filter(done_on__gte=first, done_on__lt=after)
        .values("worker", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    patrols = Patrol.objects.of_workers_under(user).filter(
        started_at__gte=start, started_at__lt=end
    )
    hazards = (
        Hazard.objects.of_workers_under(user)
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(worker=F("reported_by"))
    )
    visits = Visit.objects.of_workers_under(user).filter(
        visited_on__gte=first, visited_on__lt=after
    )
    rows = logged.union(
        counted(patrols, WorkCategory.PATROL),
        counted(hazards, WorkCategory.PREVENT),
        counted(visits, WorkCategory.VISIT),
        all=True,
    )
    per_worker: dict[int, dict[str, int]] = {}
    for row in rows:
        kinds = per_worker.setdefault(row["worker"], {})
        kinds[row["category"]] = kinds.get(row["category"], 0) + row["n"]
    workers = User.objects.in_bulk(list(per_worker))
    tallies = []
    for worker_id, counts in per_worker.items():
        ordered = [counts.get(c, 0) for c in WorkCategory.values]
        tallies.append(WorkTally(worker=workers[worker_id], counts=ordered, total=sum(ordered)))
    # Most work first; equals in pinyin order of their names (李 before 王).
    return sorted(tallies, key=lambda t: (-t.total, t.worker.name_sort, t.worker.pk))


def worklog_recent(user: User | AnonymousUser) -> QuerySet[WorkLogEntry]:
    return (
        WorkLogEntry.objects.visible_to(user)
        .select_related("worker", "grid", "resident")
        .order_by("-done_on", "-id")
    )


# --- Household claims -------------------------------------------------------------------


def claims_for_staff(user: User | AnonymousUser) -> QuerySet[HouseholdClaim]:
    """Claims the viewer decides on: their buildings as grid worker, or their community."""
    return HouseholdClaim.objects.for_staff(user).select_related(
        "claimant", "household__unit__building__community", "decided_by"
    )


def claims_waiting(user: User | AnonymousUser) -> list[HouseholdClaim]:
    """Waiting claims for the viewer, oldest first (a short list: new residents)."""
    return list(
        claims_for_staff(user).filter(status=ClaimStatus.PENDING).order_by("created_at", "id")
    )


def claim_pending_of(user: User) -> HouseholdClaim | None:
    return (
        HouseholdClaim.objects.filter(claimant=user, status=ClaimStatus.PENDING)
        .select_related("household__unit__building__community")
        .first()
    )


def claims_of(user: User) -> list[HouseholdClaim]:
    """A person's own claims, newest first."""
    return list(
        HouseholdClaim.objects.filter(claimant=user).select_related(
            "household__unit__building__community"
        )[:10]
    )


def claim_records(claim: HouseholdClaim) -> QuerySet[Resident]:
    """The household's resident records the account may be linked to."""
    return Resident.objects.filter(household=claim.household_id, user__isnull=True).order_by("name")


def poster_building(token: str) -> Building | None:
    """The building whose QR poster carries ``token``; None for a forged code or
    one of a poster since renewed (revoked)."""
    found = building_from_token(token)
    if found is None:
        return None
    pk, serial = found
    return (
        Building.objects.select_related("community", "grid")
        .filter(pk=pk, poster_serial=serial)
        .first()
    )
