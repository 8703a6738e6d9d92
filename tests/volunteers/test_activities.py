"""Planning, changing and calling off activities; the 24-hour reminder; joining a team."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Channel, Notification
from tests.volunteers.conftest import started
from volunteers import services, tasks
from volunteers.models import Activity, MemberStatus, SignUpAction, SignUpStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    from django.utils import translation

    with translation.override("en"):
        yield


def inbox(username: str, startswith: str = "") -> list[str]:
    rows = Notification.objects.filter(recipient__username=username, channel=Channel.IN_APP)
    return [t for t in rows.values_list("title", flat=True) if t.startswith(startswith)]


def update(activity: Activity, actor, **changes) -> Activity:
    fields = {
        "title": activity.title,
        "place": activity.place,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "capacity": activity.capacity,
        "hours": activity.hours,
    }
    if "starts_at" in changes and "ends_at" not in changes:  # moved, not made longer
        changes["ends_at"] = changes["starts_at"] + (activity.ends_at - activity.starts_at)
    fields.update(changes)
    return services.activity_update(activity=activity, actor=actor, **fields)


# --- Planning ---------------------------------------------------------------------------------


def test_an_activity_ending_before_it_starts_is_refused_and_nothing_is_saved(vw):
    with pytest.raises(DomainError, match="must end after it starts"):
        vw.activity(length=timedelta(hours=-1))
    with pytest.raises(DomainError, match="must end after it starts"):
        vw.activity(length=timedelta(0))
    assert not Activity.objects.exists()


def test_an_activity_starts_in_the_future_and_lasts_a_day_at_most(vw):
    with pytest.raises(DomainError, match="in the future"):
        vw.activity(starts_in=timedelta(hours=-1))
    with pytest.raises(DomainError, match="a day at most"):
        vw.activity(length=timedelta(hours=30))
    assert not Activity.objects.exists()


def test_hours_default_to_the_length_to_the_half_hour(vw):
    assert vw.activity(length=timedelta(minutes=100)).hours == Decimal("1.5")
    assert vw.activity(length=timedelta(hours=8)).hours == Decimal("8.0")
    assert vw.activity(length=timedelta(minutes=10)).hours == Decimal("0.5")


def test_only_the_teams_leader_and_the_secretary_plan_its_activities(vw):
    def plan(actor) -> Activity:
        return services.activity_create(
            actor=actor,
            project=vw.knives,
            title="磨刀",
            place="门口",
            starts_at=timezone.now() + timedelta(hours=3),
            ends_at=timezone.now() + timedelta(hours=4),
            capacity=3,
            audience="team",
        )

    for outsider in (vw.leader_b, vw.leader_y, vw.tenant):
        with pytest.raises(NotAllowed):
            plan(outsider)
    assert plan(vw.gw.secretary_x).team == vw.team_a  # the secretary runs every team
    assert Activity.objects.count() == 1


def test_the_same_form_token_plans_one_activity(vw):
    import uuid

    token = uuid.uuid4()
    assert vw.activity(token=token) == vw.activity(token=token)
    assert Activity.objects.count() == 1


# --- Changing and calling off ---------------------------------------------------------------


def test_a_new_time_is_told_to_everyone_signed_up_or_waiting(vw):
    activity = vw.activity(capacity=1)
    services.signup_create(activity=activity, actor=vw.tenant)
    services.signup_create(activity=activity, actor=vw.volunteer("李四").user)
    update(activity, vw.leader_a, starts_at=activity.starts_at + timedelta(hours=1))
    assert len(inbox("tenant", "“磨剪子戗菜刀” changed")) == 1
    assert len(inbox("v_李四", "“磨剪子戗菜刀” changed")) == 1
    update(Activity.objects.get(), vw.leader_a, title="磨剪子")  # only the title: nobody told
    assert len(inbox("tenant", "“")) == 1


def test_more_places_move_the_waiting_list_up_and_fewer_than_taken_are_refused(vw):
    activity = vw.activity(capacity=1)
    services.signup_create(activity=activity, actor=vw.tenant)
    waiting = services.signup_create(activity=activity, actor=vw.volunteer("李四").user)
    activity = update(activity, vw.leader_a, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == SignUpStatus.SIGNED_UP
    with pytest.raises(DomainError, match="2 people have a place already"):
        update(activity, vw.leader_a, capacity=1)


def test_a_change_from_an_old_page_or_after_the_start_is_refused(vw):
    activity = vw.activity()
    with pytest.raises(Conflict, match="Reload"):
        services.activity_update(
            activity=activity,
            actor=vw.leader_a,
            version=activity.version + 5,
            title="x",
            place="y",
            starts_at=activity.starts_at,
            ends_at=activity.ends_at,
            capacity=3,
            hours=Decimal(2),
        )
    started(activity)
    with pytest.raises(DomainError, match="can no longer be changed"):
        update(activity, vw.leader_a, title="改名")


def test_calling_off_cancels_every_place_and_tells_each_person_once(vw):
    activity = vw.activity(capacity=1)
    first = services.signup_create(activity=activity, actor=vw.tenant)
    second = services.signup_create(activity=activity, actor=vw.volunteer("李四").user)
    with pytest.raises(DomainError, match="Say why"):
        services.activity_cancel(activity=activity, actor=vw.leader_a, reason="")
    services.activity_cancel(activity=activity, actor=vw.leader_a, reason="大风预警")
    services.activity_cancel(activity=activity, actor=vw.leader_a, reason="大风预警")  # no-op
    for signup in (first, second):
        signup.refresh_from_db()
        assert signup.status == SignUpStatus.CANCELLED
        assert signup.events.filter(action=SignUpAction.CANCEL, note="大风预警").count() == 1
    assert inbox("tenant", "“") == ["“磨剪子戗菜刀” on 05-12 12:00 is cancelled: 大风预警"]
    assert len(inbox("v_李四", "“")) == 1
    with pytest.raises(NotAllowed):
        services.activity_cancel(activity=vw.activity(), actor=vw.leader_b, reason="x")


def test_messages_with_e_mail_are_handed_over_after_commit(vw, django_capture_on_commit_callbacks):
    vw.tenant.email = "tenant@example.cn"
    vw.tenant.save(update_fields=["email"])
    activity = vw.activity()
    services.signup_create(activity=activity, actor=vw.tenant)
    with django_capture_on_commit_callbacks() as callbacks:
        services.activity_cancel(activity=activity, actor=vw.leader_a, reason="场地维修")
    assert len(callbacks) == 1
    assert Notification.objects.filter(channel=Channel.EMAIL, target="tenant@example.cn").exists()


# --- The reminder ---------------------------------------------------------------------------


def test_the_reminder_goes_once_to_those_with_a_place_even_when_the_beat_runs_twice(vw):
    soon = vw.activity(capacity=1, starts_in=timedelta(hours=20))
    later = vw.activity(starts_in=timedelta(hours=30), title="后天")
    services.signup_create(activity=soon, actor=vw.tenant)
    services.signup_create(activity=soon, actor=vw.volunteer("李四").user)  # waiting
    services.signup_create(activity=later, actor=vw.tenant)

    assert services.activities_remind() == 1
    assert services.activities_remind() == 0
    tasks.remind_activities()
    assert inbox("tenant", "Reminder") == [
        "Reminder: “磨剪子戗菜刀” at 05-13 06:00, 社区服务中心门口"
    ]
    assert inbox("v_李四") == []


def test_a_moved_activity_is_reminded_again_and_a_cancelled_one_never(vw):
    activity = vw.activity(starts_in=timedelta(hours=5))
    services.signup_create(activity=activity, actor=vw.tenant)
    services.activities_remind()
    update(activity, vw.leader_a, starts_at=activity.starts_at + timedelta(hours=2))
    assert services.activities_remind() == 1
    assert len(inbox("tenant", "Reminder")) == 2

    off = vw.activity(starts_in=timedelta(hours=6), title="取消的")
    services.signup_create(activity=off, actor=vw.tenant)
    services.activity_cancel(activity=off, actor=vw.leader_a, reason="下雨")
    assert services.activities_remind() == 0


def test_someone_who_signs_up_after_the_reminder_gets_one_at_the_next_beat(vw):
    activity = vw.activity(starts_in=timedelta(hours=5))
    services.signup_create(activity=activity, actor=vw.tenant)
    services.activities_remind()
    services.signup_create(activity=activity, actor=vw.volunteer("李四").user)
    assert services.activities_remind() == 1
    assert len(inbox("tenant", "Reminder")) == 1
    assert len(inbox("v_李四", "Reminder")) == 1


# --- Joining a team ---------------------------------------------------------------------------


def test_joining_needs_the_leaders_approval(vw):
    member = services.member_apply(team=vw.team_a, actor=vw.neighbour)
    assert member.status == MemberStatus.PENDING
    name = vw.neighbour.name
    assert inbox("leader_a", name) == [f"{name} asks to join 运河情志愿服务队"]
    assert services.member_apply(team=vw.team_a, actor=vw.neighbour) == member  # asked already
    activity = vw.activity()
    with pytest.raises(NotAllowed):
        services.signup_create(activity=activity, actor=vw.neighbour)
    with pytest.raises(NotAllowed):
        services.member_move(member=member, actor=vw.leader_b, action="approve")
    member = services.member_move(member=member, actor=vw.leader_a, action="approve")
    assert member.status == MemberStatus.APPROVED
    assert inbox("neighbour") == ["You joined 运河情志愿服务队"]
    assert services.signup_create(activity=activity, actor=vw.neighbour).volunteer == (
        member.volunteer
    )


def test_a_declined_volunteer_may_ask_again_and_a_member_may_leave(vw):
    member = services.member_apply(team=vw.team_a, actor=vw.neighbour)
    member = services.member_move(member=member, actor=vw.leader_a, action="decline")
    with pytest.raises(Conflict):
        services.member_move(member=member, actor=vw.leader_a, action="remove")
    member = services.member_apply(team=vw.team_a, actor=vw.neighbour)
    assert member.status == MemberStatus.PENDING
    assert len(inbox("leader_a", vw.neighbour.name)) == 2
    member = services.member_move(member=member, actor=vw.leader_a, action="approve")
    with pytest.raises(NotAllowed):
        services.member_move(member=member, actor=vw.tenant, action="leave")
    assert services.member_move(member=member, actor=vw.neighbour, action="leave").status == "left"


def test_people_of_another_community_cannot_join(vw):
    with pytest.raises(NotAllowed, match="Only people of"):
        services.member_apply(team=vw.team_a, actor=vw.resident_y)


def test_a_leader_enrols_a_volunteer_found_by_their_mobile_number(vw):
    tenant = vw.gw.tenant
    tenant.phone = "13600002222"
    tenant.save(update_fields=["phone"])
    member = services.volunteer_add(
        team=vw.team_b, actor=vw.leader_b, name="赵先生", phone="13600002222"
    )
    # The same person as in team A: one volunteer, now in two teams.
    assert member.volunteer == vw.member
    assert member.status == MemberStatus.APPROVED
