"""The demo's past, written in bulk: activities that happened, with their roll.

Each sign-up is left as the services would have left it: a "signed up" event,
then the check-in (a volunteer with an account) or the leader's tick, or the
leader's "did not come"; volunteers who attended have their hours in the
ledger. Only the demo uses this: real rows come through ``volunteers.services``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import DateTimeField, Model
from django.utils import timezone

from community.models import User
from grids.models import Resident
from volunteers.models import (
    Activity,
    HoursEntry,
    HoursKind,
    ServiceProject,
    SignUp,
    SignUpAction,
    SignUpEvent,
    SignUpKind,
    SignUpStatus,
    Volunteer,
)

BATCH = 2000


@dataclass
class Roll:
    """Who served and who was served at one past activity, and who came."""

    serving: list[tuple[Volunteer, bool]] = field(default_factory=list)
    attending: list[tuple[str, Resident | None, str, bool]] = field(default_factory=list)

    def serve(self, volunteer: Volunteer, *, attended: bool = True) -> None:
        self.serving.append((volunteer, attended))

    def attend(
        self, name: str, *, resident: Resident | None = None, note: str = "", attended: bool = True
    ) -> None:
        self.attending.append((name, resident, note, attended))


@dataclass
class _Held:
    activity: Activity
    roll: Roll
    leader: User


@dataclass
class Past:
    held: list[_Held] = field(default_factory=list)
    corrections: list[tuple[Volunteer, str, Decimal, User]] = field(default_factory=list)

    def add(
        self,
        project: ServiceProject,
        title: str,
        place: str,
        starts_at: datetime,
        ends_at: datetime,
        capacity: int,
        audience: str,
        hours: Decimal,
        roll: Roll,
        leader: User,
        *,
        walk_ins: int = 0,
    ) -> None:
        team = project.team
        activity = Activity(
            project=project,
            team=team,
            community_id=team.community_id,
            title=title,
            place=place,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=capacity,
            audience=audience,
            hours=hours,
            walk_ins=walk_ins,
            created_by=leader,
            created_at=starts_at - timedelta(days=7),
        )
        self.held.append(_Held(activity, roll, leader))

    def correct(self, volunteer: Volunteer, reason: str, hours: Decimal, by: User) -> None:
        """A leader's correction to the volunteer's latest attendance."""
        self.corrections.append((volunteer, reason, hours, by))

    def save(self) -> int:
        """Write it all; returns the number of sign-ups.

        Sign-ups and events go in by plain multi-row inserts: Django's
        ``bulk_create`` spends seconds preparing twenty thousand model rows,
        and the demo has to be quick to seed.
        """
        Activity.objects.bulk_create([h.activity for h in self.held], batch_size=BATCH)
        signups: list[SignUp] = []
        leaders: dict[int, User] = {}
        for h in self.held:
            signups += _signups(h)
            leaders[h.activity.pk] = h.leader
        _insert(SignUp, signups)
        found = {
            (a, key): pk
            for pk, a, key in SignUp.objects.filter(activity__in=list(leaders)).values_list(
                "pk", "activity", "person_key"
            )
        }
        events: list[SignUpEvent] = []
        hours: list[HoursEntry] = []
        for signup in signups:
            signup.pk = found[(signup.activity.pk, signup.person_key)]
            events += _events(signup, leaders[signup.activity.pk])
            if signup.kind == SignUpKind.SERVE and signup.status == SignUpStatus.ATTENDED:
                activity = signup.activity
                assert signup.volunteer_id is not None
                hours.append(
                    HoursEntry(
                        volunteer_id=signup.volunteer_id,
                        signup=signup,
                        activity=activity,
                        served_on=activity.day,
                        kind=HoursKind.ATTENDANCE,
                        hours=activity.hours,
                        recorded_by_id=events[-1].actor_id,
                        created_at=events[-1].created_at,
                    )
                )
        _insert(SignUpEvent, events)
        for volunteer, reason, extra, by in self.corrections:
            last = max(
                (h for h in hours if h.volunteer_id == volunteer.pk), key=lambda h: h.served_on
            )
            hours.append(
                HoursEntry(
                    volunteer_id=volunteer.pk,
                    signup=last.signup,
                    activity=last.activity,
                    served_on=last.served_on,
                    kind=HoursKind.CORRECTION,
                    hours=extra,
                    reason=reason,
                    recorded_by=by,
                    created_at=last.created_at + timedelta(hours=3),
                )
            )
        HoursEntry.objects.bulk_create(hours, batch_size=BATCH)
        return len(signups)


def _insert(model: type[Model], rows: Sequence[Model]) -> None:
    """INSERT the rows as they are, in batches, without Django's per-row preparation."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    # Table and column names come from our own models; the values go as parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    # Only the kinds of column these tables have: keys, text, and times.
    adapt = [
        connection.ops.adapt_datetimefield_value if isinstance(f, DateTimeField) else None
        for f in fields
    ]
    values = [
        [
            a(getattr(row, f.attname)) if a else getattr(row, f.attname)
            for f, a in zip(fields, adapt, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(values), BATCH):
            cursor.executemany(sql, values[i : i + BATCH])


def _signups(h: _Held) -> list[SignUp]:
    a = h.activity
    asked = a.starts_at - timedelta(days=3)
    rows = [
        SignUp(
            activity=a,
            kind=SignUpKind.SERVE,
            volunteer=v,
            resident_id=v.resident_id,
            name=v.name,
            booked_by_id=v.user_id,
            person_key=f"v:{v.pk}",
            status=SignUpStatus.ATTENDED if came else SignUpStatus.NO_SHOW,
            created_at=asked,
            checked_in_at=a.starts_at - timedelta(minutes=10) if came and v.user_id else None,
            checked_out_at=a.ends_at + timedelta(minutes=5) if came and v.user_id else None,
            reminded_for=a.starts_at,
        )
        for v, came in h.roll.serving
    ]
    rows += [
        SignUp(
            activity=a,
            kind=SignUpKind.ATTEND,
            resident=resident,
            name=name,
            note=note,
            person_key=f"r:{resident.pk}" if resident else f"n:-:{name}",
            status=SignUpStatus.ATTENDED if came else SignUpStatus.NO_SHOW,
            created_at=asked + timedelta(hours=i % 48),
            reminded_for=a.starts_at,
        )
        for i, (name, resident, note, came) in enumerate(h.roll.attending)
    ]
    return rows


def _events(s: SignUp, leader: User) -> list[SignUpEvent]:
    """Signed up; then checked in and out with the code, or ticked on the roll."""
    start = s.activity.starts_at
    S = SignUpStatus
    if s.checked_in_at and s.checked_out_at:
        steps = [
            (SignUpAction.CHECK_IN, s.booked_by_id, S.SIGNED_UP, S.CHECKED_IN, s.checked_in_at),
            (SignUpAction.CHECK_OUT, s.booked_by_id, S.CHECKED_IN, S.ATTENDED, s.checked_out_at),
        ]
    elif s.status == S.ATTENDED:
        at = start + timedelta(minutes=15)
        steps = [(SignUpAction.MARK_ATTENDED, leader.pk, S.SIGNED_UP, S.ATTENDED, at)]
    else:
        at = start + timedelta(minutes=30)
        steps = [(SignUpAction.MARK_NO_SHOW, leader.pk, S.SIGNED_UP, S.NO_SHOW, at)]
    return [
        SignUpEvent(
            signup=s,
            action=SignUpAction.SIGN_UP,
            actor_id=s.booked_by_id or leader.pk,
            to_status=S.SIGNED_UP,
            created_at=s.created_at,
        ),
    ] + [
        SignUpEvent(
            signup=s,
            action=action,
            actor_id=actor,
            from_status=source,
            to_status=target,
            created_at=min(at, timezone.now()),
        )
        for action, actor, source, target, at in steps
    ]
