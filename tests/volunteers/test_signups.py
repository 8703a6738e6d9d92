"""The sign-up state machine: each move allowed, refused and written down; places,
the waiting list, check-in codes and the hours they credit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Notification
from tests.volunteers.conftest import (
    VolunteerWorld,
    after_end,
    at,
    before_start,
    code,
    move,
    sign_up,
    started,
)
from volunteers import services
from volunteers.models import (
    MOVES,
    Activity,
    HoursEntry,
    SignUp,
    SignUpAction,
    SignUpKind,
    SignUpStatus,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English text (the catalogue makes them Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


# --- Signing up ---------------------------------------------------------------------------


def test_a_member_signs_up_to_serve_and_the_event_says_so(vw):
    activity = vw.activity()
    signup = sign_up(activity, vw.tenant)
    assert (signup.kind, signup.status, signup.volunteer) == (
        SignUpKind.SERVE,
        SignUpStatus.SIGNED_UP,
        vw.member,
    )
    event = signup.events.get()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        SignUpAction.SIGN_UP,
        vw.tenant,
        "",
        SignUpStatus.SIGNED_UP,
    )


def test_when_the_places_are_taken_the_next_one_waits_and_moves_up_on_a_cancellation(vw):
    activity = vw.activity(capacity=1)
    first = sign_up(activity, vw.tenant)
    second = sign_up(activity, vw.volunteer("李四").user)
    third = sign_up(activity, vw.volunteer("王五").user)
    assert [first.status, second.status, third.status] == ["signed_up", "waiting", "waiting"]

    move(first, vw.tenant, SignUpAction.CANCEL)

    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (SignUpStatus.SIGNED_UP, SignUpStatus.WAITING)
    promotion = second.events.get(action=SignUpAction.PROMOTE)
    assert (promotion.actor, promotion.from_status) == (None, SignUpStatus.WAITING)
    told = Notification.objects.filter(recipient__username="v_李四", channel="in_app")
    assert told.count() == 1
    assert "You have a place" in told.get().title


def test_signing_up_twice_is_one_sign_up_and_says_so(vw):
    activity = vw.activity()
    first, new = services.signup_make(activity=activity, actor=vw.tenant)
    again, new_again = services.signup_make(activity=activity, actor=vw.tenant)
    assert (again, new, new_again) == (first, True, False)
    assert activity.signups.count() == 1
    assert first.events.count() == 1  # the second press wrote nothing


def test_after_cancelling_one_may_sign_up_again(vw):
    activity = vw.activity()
    move(sign_up(activity, vw.tenant), vw.tenant, SignUpAction.CANCEL)
    again = sign_up(activity, vw.tenant)
    assert again.status == SignUpStatus.SIGNED_UP
    assert activity.signups.count() == 2


def test_sign_up_after_the_activity_started_is_refused(vw):
    activity = started(vw.activity())
    with pytest.raises(DomainError, match="Sign-up closed when the activity started"):
        sign_up(activity, vw.tenant)
    assert not activity.signups.exists()


def test_a_cancelled_activity_takes_no_sign_ups(vw):
    activity = services.activity_cancel(activity=vw.activity(), actor=vw.leader_a, reason="下雨")
    with pytest.raises(Conflict, match="cancelled"):
        sign_up(activity, vw.tenant)


def test_only_team_members_serve(vw):
    activity = vw.activity(audience="residents")
    with pytest.raises(NotAllowed, match="Only members of"):
        sign_up(activity, vw.neighbour, kind=SignUpKind.SERVE)
    team_only = vw.activity()
    with pytest.raises(NotAllowed, match="Only members of"):
        sign_up(team_only, vw.neighbour)
    with pytest.raises(NotAllowed, match="team's members only"):
        sign_up(team_only, vw.neighbour, kind=SignUpKind.ATTEND)


def test_residents_book_for_themselves_and_their_children_but_not_for_neighbours(vw):
    activity = vw.activity(audience="residents", capacity=3, title="四点半课堂")
    own = sign_up(activity, vw.neighbour)
    child = sign_up(activity, vw.neighbour, name="钱小宝", note="三年级")
    assert (own.kind, own.name, own.resident.user) == (SignUpKind.ATTEND, "钱女士", vw.neighbour)
    assert (child.name, child.resident, child.booked_by) == ("钱小宝", None, vw.neighbour)
    with pytest.raises(NotAllowed, match="your own household"):
        sign_up(activity, vw.neighbour, resident=vw.gw.tenant)
    with pytest.raises(NotAllowed, match="Only residents of"):
        sign_up(activity, vw.resident_y)
    assert activity.signups.count() == 2


def test_members_serving_do_not_take_the_residents_places(vw):
    activity = vw.activity(audience="residents", capacity=1)
    helper = sign_up(activity, vw.tenant, kind=SignUpKind.SERVE)
    resident = sign_up(activity, vw.neighbour)
    late = sign_up(activity, vw.neighbour, name="钱小宝")
    assert [helper.status, resident.status, late.status] == ["signed_up", "signed_up", "waiting"]


def test_the_leader_signs_up_a_volunteer_without_an_account(vw):
    member = services.volunteer_add(team=vw.team_a, actor=vw.leader_a, name="老赵", phone="")
    activity = vw.activity()
    signup = sign_up(activity, vw.leader_a, volunteer=member.volunteer)
    assert (signup.volunteer.user, signup.booked_by) == (None, None)
    with pytest.raises(NotAllowed, match="only sign yourself up"):
        sign_up(activity, vw.tenant, volunteer=member.volunteer)


# --- Each move ----------------------------------------------------------------------------


@dataclass
class Move:
    action: str
    start: str
    to: str
    actor: str
    wrong_start: str
    prepare: Callable[[VolunteerWorld, SignUp], dict] = lambda vw, s: {}


def _code(vw: VolunteerWorld, s: SignUp) -> dict:
    before_start(vw, s.activity)
    return {"code": code(s.activity)}


def _after(vw: VolunteerWorld, s: SignUp) -> dict:
    after_end(vw, s.activity)
    return {}


def _start(vw: VolunteerWorld, s: SignUp) -> dict:
    started(s.activity)
    return {}


MOVES_TESTED = [
    Move("cancel", "signed_up", "cancelled", "tenant", "attended"),
    Move("cancel", "waiting", "cancelled", "leader_a", "no_show"),
    Move("cancel", "checked_in", "cancelled", "tenant", "attended"),
    Move("check_in", "signed_up", "checked_in", "tenant", "waiting", _code),
    Move("check_out", "checked_in", "attended", "tenant", "signed_up", _after),
    Move("mark_attended", "signed_up", "attended", "leader_a", "cancelled"),
    Move("mark_attended", "waiting", "attended", "leader_a", "cancelled"),
    Move("mark_attended", "checked_in", "attended", "leader_a", "cancelled"),
    Move("mark_attended", "no_show", "attended", "leader_a", "cancelled"),
    Move("mark_no_show", "signed_up", "no_show", "leader_a", "waiting", _start),
    Move("mark_no_show", "checked_in", "no_show", "leader_a", "waiting", _start),
    Move("mark_no_show", "attended", "no_show", "leader_a", "cancelled", _start),
]


def test_every_move_of_the_table_is_tested():
    tested = {(m.action, m.start) for m in MOVES_TESTED}
    table = {
        (action, start)
        for action, (starts, _to) in MOVES.items()
        for start in starts
        if action != SignUpAction.PROMOTE  # the waiting list's own move, tested above
    }
    assert table == tested


@pytest.mark.parametrize("m", MOVES_TESTED, ids=lambda m: f"{m.action}-from-{m.start}")
def test_allowed_move_writes_its_event(vw, m):
    signup = at(vw, m.start)
    fields = m.prepare(vw, signup)
    actor = getattr(vw, m.actor)
    before = signup.events.count()
    signup, event = services.signup_step(signup=signup, actor=actor, action=m.action, **fields)
    assert signup.status == m.to
    assert signup.events.count() == before + 1
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        m.action,
        actor,
        m.start,
        m.to,
    )


@pytest.mark.parametrize("m", MOVES_TESTED, ids=lambda m: f"{m.action}-not-from-{m.wrong_start}")
def test_refused_move_changes_nothing(vw, m):
    signup = at(vw, m.wrong_start)
    fields = m.prepare(vw, signup)
    before = (signup.status, signup.events.count(), HoursEntry.objects.count())
    with pytest.raises(Conflict, match="is not possible while"):
        move(signup, getattr(vw, m.actor), m.action, **fields)
    signup.refresh_from_db()
    assert (signup.status, signup.events.count(), HoursEntry.objects.count()) == before


@pytest.mark.parametrize("status", ["cancelled", "checked_in", "attended", "no_show"])
def test_the_same_move_twice_does_nothing_the_second_time(vw, status):
    signup = at(vw, status)
    action = {
        "cancelled": "cancel",
        "checked_in": "check_in",
        "attended": "check_out",
        "no_show": "mark_no_show",
    }[status]
    actor = vw.tenant if status != "no_show" else vw.leader_a
    events = signup.events.count()
    signup, event = services.signup_step(
        signup=signup, actor=actor, action=action, code=code(signup.activity)
    )
    assert event is None
    assert (signup.status, signup.events.count()) == (status, events)


def test_nobody_gives_a_place_by_hand(vw):
    signup = at(vw, SignUpStatus.WAITING)
    with pytest.raises(NotAllowed, match="waiting list in the order"):
        move(signup, vw.leader_a, SignUpAction.PROMOTE)


def test_the_roll_is_the_leaders_and_on_the_day(vw):
    signup = at(vw, SignUpStatus.SIGNED_UP)
    with pytest.raises(NotAllowed, match="Only the team's leader"):
        move(signup, vw.tenant, SignUpAction.MARK_ATTENDED)
    with pytest.raises(NotAllowed):
        move(signup, vw.leader_b, SignUpAction.MARK_ATTENDED)  # another team's leader
    with pytest.raises(DomainError, match="Nobody is absent before"):
        move(signup, vw.leader_a, SignUpAction.MARK_NO_SHOW)
    tomorrow = sign_up(vw.activity(starts_in=timedelta(days=1)), vw.tenant)
    with pytest.raises(DomainError, match="on the day of the activity"):
        move(tomorrow, vw.leader_a, SignUpAction.MARK_ATTENDED)


def test_someone_else_cannot_cancel_my_place_and_i_cannot_once_it_started(vw):
    signup = at(vw, SignUpStatus.SIGNED_UP)
    with pytest.raises(NotAllowed):
        move(signup, vw.neighbour, SignUpAction.CANCEL)
    started(signup.activity)
    with pytest.raises(DomainError, match="tell the leader instead"):
        move(signup, vw.tenant, SignUpAction.CANCEL)
    assert move(signup, vw.leader_a, SignUpAction.CANCEL).status == SignUpStatus.CANCELLED


# --- Check-in codes -----------------------------------------------------------------------


def test_a_code_from_another_activity_is_refused(vw):
    signup = at(vw, SignUpStatus.SIGNED_UP)
    other = vw.activity(title="另一场")
    before_start(vw, signup.activity)
    with pytest.raises(DomainError, match="for another activity"):
        move(signup, vw.tenant, SignUpAction.CHECK_IN, code=code(other))
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.SIGNED_UP


def test_a_code_is_refused_a_day_later(vw, clock):
    signup = at(vw, SignUpStatus.SIGNED_UP)
    today = code(signup.activity)
    clock.shift(timedelta(days=1))
    with pytest.raises(DomainError, match="Check-in closed when the activity ended at 05-12 14:00"):
        move(signup, vw.tenant, SignUpAction.CHECK_IN, code=today)
    assert not HoursEntry.objects.exists()


def test_a_made_up_code_and_the_code_of_a_moved_activity_are_refused(vw):
    signup = at(vw, SignUpStatus.SIGNED_UP)
    before_start(vw, signup.activity)
    with pytest.raises(DomainError, match="not a check-in code of ours"):
        move(signup, vw.tenant, SignUpAction.CHECK_IN, code=f"{signup.activity_id}.2026-05-12:x")
    old = code(signup.activity)
    Activity.objects.filter(pk=signup.activity_id).update(
        starts_at=signup.activity.starts_at + timedelta(days=1),
        ends_at=signup.activity.ends_at + timedelta(days=1),
    )
    with pytest.raises(DomainError, match="has moved"):
        move(signup, vw.tenant, SignUpAction.CHECK_IN, code=old)


def test_only_the_person_checks_in(vw):
    signup = at(vw, SignUpStatus.SIGNED_UP)
    with pytest.raises(NotAllowed, match="your own account"):
        move(signup, vw.leader_a, SignUpAction.CHECK_IN, code=code(signup.activity))
