"""Reads of the volunteers app, always through the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from community.models import User
from volunteers.models import (
    Activity,
    ActivityStatus,
    Audience,
    HoursEntry,
    MemberStatus,
    SignUp,
    SignUpKind,
    SignUpStatus,
    Team,
    TeamMember,
    Volunteer,
)
from volunteers.services.signups import PLACE_HOLDING

# A sign-up holding one of the places its activity counts (the team's, or the residents').
_COUNTED = Q(signups__kind=SignUpKind.SERVE, audience=Audience.TEAM) | Q(
    signups__kind=SignUpKind.ATTEND, audience=Audience.RESIDENTS
)


def own_q(user: User, prefix: str = "") -> Q:
    """Sign-ups that are this person's: made by them, or for them."""
    return (
        Q(**{f"{prefix}booked_by": user})
        | Q(**{f"{prefix}volunteer__user": user})
        | Q(**{f"{prefix}resident__user": user})
    )


def activity_list(
    user: User | AnonymousUser, *, past: bool = False, team: int | None = None
) -> QuerySet[Activity]:
    """Activities a person may see, with their places counted and the person's own
    sign-ups: two queries a page (the page, and the person's sign-ups on it)."""
    now = timezone.now()
    rows = Activity.objects.visible_to(user)
    rows = rows.filter(ends_at__lte=now) if past else rows.filter(ends_at__gt=now)
    if team is not None:
        rows = rows.filter(team=team)
    mine = SignUp.objects.exclude(status=SignUpStatus.CANCELLED)
    mine = mine.filter(own_q(user)) if isinstance(user, User) else mine.none()
    return (
        rows.select_related("project", "team")
        .annotate(
            taken=Count("signups", filter=_COUNTED & Q(signups__status__in=PLACE_HOLDING)),
            waiting=Count("signups", filter=_COUNTED & Q(signups__status=SignUpStatus.WAITING)),
            # Team members serving at an activity open to residents: they take none
            # of the residents' places, and are shown beside them.
            serving=Count(
                "signups",
                filter=Q(
                    audience=Audience.RESIDENTS,
                    signups__kind=SignUpKind.SERVE,
                    signups__status__in=PLACE_HOLDING,
                ),
            ),
        )
        .prefetch_related(Prefetch("signups", queryset=mine, to_attr="mine"))
        .order_by("-starts_at" if past else "starts_at", "id")
    )


def my_signups(user: User) -> QuerySet[SignUp]:
    """A person's own sign-ups (and their family's), latest activity first."""
    return (
        SignUp.objects.filter(own_q(user))
        .select_related("activity__team", "activity__project", "volunteer", "resident")
        .order_by("-activity__starts_at", "-id")
    )


def roster(activity: Activity) -> list[SignUp]:
    """Everyone who signed up, serving first, in the order they signed up."""
    return list(
        activity.signups.select_related("volunteer", "resident", "booked_by")
        .annotate(credited=Sum("hours__hours"))
        .order_by("-kind", "created_at", "id")
    )


def volunteers_of_user(user: User) -> QuerySet[Volunteer]:
    return Volunteer.objects.filter(user=user).select_related("community")


def team_members(team: Team) -> list[TeamMember]:
    return list(
        team.members.exclude(status__in=[MemberStatus.DECLINED, MemberStatus.LEFT])
        .select_related("volunteer")
        .order_by("status", "volunteer__name_sort", "volunteer_id")
    )


def ledger(volunteer: Volunteer) -> QuerySet[HoursEntry]:
    return HoursEntry.objects.filter(volunteer=volunteer).select_related(
        "activity__project", "activity__team", "recorded_by"
    )


def total_hours(volunteer: Volunteer) -> Decimal:
    return HoursEntry.objects.filter(volunteer=volunteer).aggregate(t=Sum("hours"))["t"] or Decimal(
        0
    )


# --- Reports ------------------------------------------------------------------------------


@dataclass
class ProjectRow:
    project: str
    team: str
    activities: int = 0
    served: int = 0  # person-times: attended sign-ups of residents, and walk-ins
    people: int = 0  # distinct people among those who signed up
    walk_ins: int = 0
    volunteer_times: int = 0


@dataclass
class Report:
    since: date
    until: date
    teams: QuerySet[Team]
    entries: QuerySet[HoursEntry]
    by_volunteer: QuerySet[Any]
    by_team: list[dict[str, Any]] = field(default_factory=list)
    by_project: list[ProjectRow] = field(default_factory=list)
    total_hours: Decimal = Decimal(0)


def default_period() -> tuple[date, date]:
    """The last twelve months, today included."""
    today = timezone.localdate()
    return today - timedelta(days=364), today


def report(user: User, since: date, until: date) -> Report:
    """Hours per volunteer and team, and person-times per project, for the teams a
    person manages: four queries, and one more per page of volunteers."""
    teams = Team.objects.managed_by(user)
    hours = HoursEntry.objects.filter(
        activity__team__in=teams.values("pk"), served_on__range=(since, until)
    )
    by_volunteer = (
        hours.values("volunteer", "volunteer__name", "volunteer__name_sort")
        .annotate(hours=Sum("hours"), times=Count("signup", distinct=True))
        .filter(hours__gt=0)
        .order_by("-hours", "volunteer__name_sort", "volunteer")
    )
    by_team = list(
        hours.values("activity__team", "activity__team__name")
        .annotate(hours=Sum("hours"), volunteers=Count("volunteer", distinct=True))
        .order_by("-hours", "activity__team__name")
    )
    activities = Activity.objects.filter(
        team__in=teams.values("pk"),
        status=ActivityStatus.SCHEDULED,
        starts_at__date__range=(since, until),
    )
    rows: dict[int, ProjectRow] = {}
    for a in activities.values("project", "project__name", "team__name").annotate(
        n=Count("pk"), walk_ins=Sum("walk_ins")
    ):
        rows[a["project"]] = ProjectRow(
            project=a["project__name"],
            team=a["team__name"],
            activities=a["n"],
            walk_ins=a["walk_ins"] or 0,
        )
    attended = SignUp.objects.filter(
        activity__in=activities.values("pk"), status=SignUpStatus.ATTENDED
    )
    for s in attended.values("activity__project").annotate(
        served=Count("pk", filter=Q(kind=SignUpKind.ATTEND)),
        people=Count("person_key", filter=Q(kind=SignUpKind.ATTEND), distinct=True),
        volunteer_times=Count("pk", filter=Q(kind=SignUpKind.SERVE)),
    ):
        row = rows[s["activity__project"]]
        row.served, row.people, row.volunteer_times = s["served"], s["people"], s["volunteer_times"]
    for row in rows.values():
        row.served += row.walk_ins
    return Report(
        since=since,
        until=until,
        teams=teams,
        entries=hours,
        by_volunteer=by_volunteer,
        by_team=by_team,
        by_project=sorted(rows.values(), key=lambda r: (-r.served, r.project)),
        total_hours=sum((t["hours"] for t in by_team), Decimal(0)),
    )


def entries_for(data: Report) -> QuerySet[HoursEntry]:
    """The ledger rows behind a report, for the export's detail sheet."""
    return data.entries.select_related(
        "volunteer", "activity__project", "activity__team", "recorded_by"
    ).order_by("served_on", "id")
