"""The hours ledger: credited from attendance, taken back and corrected by adding rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from community.errors import DomainError, NotAllowed
from tests.volunteers.conftest import at, before_start, code, move, sign_up
from volunteers import services
from volunteers.models import HoursEntry, HoursKind, SignUp, SignUpAction, SignUpEvent, SignUpStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def total(signup: SignUp) -> Decimal:
    return HoursEntry.objects.filter(signup=signup).aggregate(t=Sum("hours"))["t"] or Decimal(0)


def test_check_in_and_out_credits_the_activitys_hours_once(vw):
    signup = at(vw, SignUpStatus.ATTENDED)
    entry = HoursEntry.objects.get()
    assert (entry.volunteer, entry.kind, entry.hours, entry.served_on) == (
        vw.member,
        HoursKind.ATTENDANCE,
        Decimal("2.0"),
        signup.activity.day,
    )
    move(signup, vw.leader_a, SignUpAction.MARK_ATTENDED)  # the leader ticks too: no-op
    assert HoursEntry.objects.count() == 1


def test_marked_absent_after_all_the_hours_go_back_by_a_correction_never_an_edit(vw):
    signup = at(vw, SignUpStatus.ATTENDED)
    first = HoursEntry.objects.get()
    signup = move(signup, vw.leader_a, SignUpAction.MARK_NO_SHOW)  # it is 14:05, it is over
    assert total(signup) == 0
    signup = move(signup, vw.leader_a, SignUpAction.MARK_ATTENDED)
    assert total(signup) == Decimal("2.0")
    rows = list(HoursEntry.objects.order_by("id").values_list("kind", "hours"))
    assert rows == [
        ("attendance", Decimal("2.0")),
        ("correction", Decimal("-2.0")),
        ("correction", Decimal("2.0")),
    ]
    assert HoursEntry.objects.get(pk=first.pk).hours == first.hours  # the first row stands


def test_the_leader_corrects_hours_by_adding_the_difference(vw):
    signup = at(vw, SignUpStatus.ATTENDED)
    entry = services.hours_correct(
        signup=signup, actor=vw.leader_a, hours=Decimal("3.5"), reason="帮忙收尾"
    )
    assert (entry.kind, entry.hours, entry.reason, entry.recorded_by) == (
        HoursKind.CORRECTION,
        Decimal("1.5"),
        "帮忙收尾",
        vw.leader_a,
    )
    assert total(signup) == Decimal("3.5")


@pytest.mark.parametrize("status", ["signed_up", "waiting", "no_show", "cancelled"])
def test_hours_for_someone_who_did_not_attend_are_refused(vw, status):
    signup = at(vw, status)
    with pytest.raises(DomainError, match="did not attend"):
        services.hours_correct(signup=signup, actor=vw.leader_a, hours=Decimal(2), reason="补记")
    assert total(signup) == 0


def test_hours_corrections_need_a_reason_a_sane_number_and_the_leader(vw):
    signup = at(vw, SignUpStatus.ATTENDED)
    with pytest.raises(DomainError, match="Say why"):
        services.hours_correct(signup=signup, actor=vw.leader_a, hours=Decimal(3), reason=" ")
    with pytest.raises(DomainError, match="at most 24"):
        services.hours_correct(signup=signup, actor=vw.leader_a, hours=Decimal(30), reason="x")
    with pytest.raises(NotAllowed):
        services.hours_correct(signup=signup, actor=vw.leader_b, hours=Decimal(3), reason="x")
    assert HoursEntry.objects.count() == 1


def test_people_served_earn_no_hours(vw):
    activity = vw.activity(audience="residents")
    signup = sign_up(activity, vw.neighbour)
    before_start(vw, activity)
    move(signup, vw.neighbour, SignUpAction.CHECK_IN, code=code(activity))
    assert not HoursEntry.objects.exists()
    assert SignUpEvent.objects.filter(action="check_in").count() == 1
