"""Places under a crowd, on PostgreSQL: 50 people press "sign up" at once for 20 places.

Each contender runs in a thread of its own, on a database connection of its own.
As in tests/petitions/test_concurrency.py, a further connection first holds the
lock they all need (the activity's row) and lets go only once every contender
is queued behind it: each has passed its checks and waits to count the places,
the worst interleaving, every run.

PostgreSQL only: SQLite has no row locks and its in-memory test database takes
no second writer. Run with DATABASE_URL=postgres://...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from community.models import Notification
from tests.community.factories import UserFactory
from tests.helpers import race
from tests.volunteers.conftest import VolunteerWorld
from volunteers import services
from volunteers.models import Activity, SignUp, SignUpAction, SignUpStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-lock races need PostgreSQL: DATABASE_URL=postgres://...")


def lock_activity(activity: Activity) -> Callable[[], Any]:
    return lambda: Activity.objects.select_for_update().get(pk=activity.pk)


def crowd(vw: VolunteerWorld, n: int, prefix: str = "v") -> list:
    """``n`` members of team A, each with an account of their own."""
    return [
        vw.volunteer(f"{prefix}{i}", user=UserFactory(username=f"{prefix}{i}", language="en")).user
        for i in range(n)
    ]


def test_fifty_at_once_for_twenty_places_give_exactly_twenty(vw):
    activity = vw.activity(capacity=20, starts_in=timedelta(days=2))
    people = crowd(vw, 50)

    def press(user) -> Callable[[], SignUp]:
        return lambda: services.signup_create(activity=activity, actor=user)

    outcomes = race(*(press(u) for u in people), hold=lock_activity(activity))

    assert [o.error for o in outcomes] == [None] * 50
    statuses = Counter(SignUp.objects.filter(activity=activity).values_list("status", flat=True))
    assert statuses == {SignUpStatus.SIGNED_UP: 20, SignUpStatus.WAITING: 30}
    assert SignUp.objects.filter(activity=activity).count() == 50  # one each, nobody twice


def test_cancellations_racing_sign_ups_never_leave_a_place_empty_or_overfilled(vw):
    activity = vw.activity(capacity=10, starts_in=timedelta(days=2))
    first = [services.signup_create(activity=activity, actor=u) for u in crowd(vw, 12, "a")]
    assert [s.status for s in first].count(SignUpStatus.WAITING) == 2
    newcomers = crowd(vw, 10, "b")

    def cancel(signup: SignUp) -> Callable[[], SignUp]:
        actor = signup.booked_by
        return lambda: services.signup_move(signup=signup, actor=actor, action="cancel")

    def press(user) -> Callable[[], SignUp]:
        return lambda: services.signup_create(activity=activity, actor=user)

    calls = [cancel(s) for s in first[:5]] + [press(u) for u in newcomers]
    outcomes = race(*calls, hold=lock_activity(activity))

    assert [o.error for o in outcomes] == [None] * len(calls)
    live = SignUp.objects.filter(activity=activity).exclude(status=SignUpStatus.CANCELLED)
    statuses = Counter(live.values_list("status", flat=True))
    assert statuses == {SignUpStatus.SIGNED_UP: 10, SignUpStatus.WAITING: 7}
    # The two who waited from the start moved up before any newcomer.
    for early in first[10:]:
        early.refresh_from_db()
        assert early.status == SignUpStatus.SIGNED_UP
        assert early.events.filter(action=SignUpAction.PROMOTE, actor=None).count() == 1


def test_two_beats_at_once_remind_once(vw):
    activity = vw.activity(starts_in=timedelta(hours=6))
    services.signup_create(activity=activity, actor=vw.tenant)

    outcomes = race(
        services.activities_remind, services.activities_remind, hold=lock_activity(activity)
    )

    assert sorted(o.value for o in outcomes) == [0, 1]
    reminders = Notification.objects.filter(
        recipient=vw.tenant, channel="in_app", dedupe_key__contains=":remind:"
    )
    assert reminders.count() == 1
