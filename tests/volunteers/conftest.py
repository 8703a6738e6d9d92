"""The grids world (tests.grids.conftest) plus volunteer teams.

Community X (御景花园) has two teams: 运河情 (led by ``leader_a``, with the
knife-sharpening project) and 邻里帮 (``leader_b``). ``tenant`` of building 1 is
an approved member of 运河情; ``neighbour`` lives in building 1 too, with an
account, in no team. Community Y (京杭佳苑) has ``leader_y``'s team and
``resident_y``. The clock stands at 10:00 on a Tuesday, so "today" and
"tomorrow" never straddle midnight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from community.models import Role, User
from grids.models import Resident
from tests.community.factories import UserFactory, person
from tests.grids.conftest import GridWorld, _resident, gw  # noqa: F401 - the fixture
from volunteers import services
from volunteers.models import (
    Activity,
    ServiceProject,
    SignUp,
    SignUpAction,
    SignUpStatus,
    Team,
    Volunteer,
)

NOW = datetime(2026, 5, 12, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass
class VolunteerWorld:
    gw: GridWorld
    leader_a: User
    leader_b: User
    leader_y: User
    team_a: Team
    team_b: Team
    team_y: Team
    knives: ServiceProject  # team A's
    mending: ServiceProject  # team B's
    member: Volunteer  # tenant, in team A
    neighbour: User
    resident_y: User
    clock: Any  # time-machine's traveller: the clock goes on to check in and out

    @property
    def tenant(self) -> User:
        return self.gw.tenant.user

    def activity(
        self,
        *,
        audience: str = "team",
        capacity: int = 2,
        starts_in: timedelta = timedelta(hours=2),
        length: timedelta = timedelta(hours=2),
        project: ServiceProject | None = None,
        **kwargs,
    ) -> Activity:
        project = project or self.knives
        starts_at = timezone.now() + starts_in
        return services.activity_create(
            actor=project.team.leader,
            project=project,
            title=kwargs.pop("title", "磨剪子戗菜刀"),
            place=kwargs.pop("place", "社区服务中心门口"),
            starts_at=starts_at,
            ends_at=starts_at + length,
            capacity=capacity,
            audience=audience,
            **kwargs,
        )

    def volunteer(self, name: str, team: Team | None = None, user: User | None = None) -> Volunteer:
        """A member of ``team`` (A), with an account of their own unless given one."""
        team = team or self.team_a
        user = user or UserFactory(username=f"v_{name}", language="en")
        member = services.volunteer_add(team=team, actor=team.leader, name=name)
        Volunteer.objects.filter(pk=member.volunteer_id).update(user=user)
        return Volunteer.objects.get(pk=member.volunteer_id)


def cast(vw: VolunteerWorld, name: str) -> User:
    """A person of the world by name: a field of it, or "member" (the tenant)."""
    return {"member": vw.tenant, "secretary_x": vw.gw.secretary_x}.get(name) or getattr(vw, name)


def before_start(vw: VolunteerWorld, activity: Activity, by=timedelta(minutes=10)) -> None:
    """The clock goes on to a while before the activity starts (check-in is open)."""
    vw.clock.move_to(activity.starts_at - by)


def after_end(vw: VolunteerWorld, activity: Activity, by=timedelta(minutes=5)) -> None:
    """The clock goes on to a while after the activity ended (check-out is still open)."""
    vw.clock.move_to(activity.ends_at + by)


def checked_in(vw: VolunteerWorld) -> SignUp:
    """The tenant signed up for an activity of team A (12:00–14:00), checked in before
    the start and out after the end: 2 hours credited. The clock ends at 14:05."""
    activity = vw.activity()
    signup = services.signup_create(activity=activity, actor=vw.tenant)
    before_start(vw, activity)
    services.signup_move(
        signup=signup, actor=vw.tenant, action="check_in", code=services.checkin_code(activity)
    )
    after_end(vw, activity)
    return services.signup_move(signup=signup, actor=vw.tenant, action="check_out")


def started(activity: Activity, ago: timedelta = timedelta(minutes=10)) -> Activity:
    """Move an activity back in time so it began ``ago`` (as if the clock went on)."""
    length = activity.ends_at - activity.starts_at
    starts_at = timezone.now() - ago
    Activity.objects.filter(pk=activity.pk).update(starts_at=starts_at, ends_at=starts_at + length)
    activity.refresh_from_db()
    return activity


@pytest.fixture
def clock(time_machine):
    """The volunteers' day (it ticks on); the world is built on it."""
    time_machine.move_to(NOW)
    return time_machine


@pytest.fixture
def vw(gw, clock) -> VolunteerWorld:  # noqa: F811 - gw is the fixture imported above
    x = gw.grid_1.community
    y = gw.outsider.household.unit.building.community
    leader_a = person(Role.VOLUNTEER_LEADER, x, username="leader_a")
    leader_b = person(Role.VOLUNTEER_LEADER, x, username="leader_b")
    leader_y = person(Role.VOLUNTEER_LEADER, y, username="leader_y")
    team_a = services.team_create(actor=leader_a, community=x, name="运河情志愿服务队")
    team_b = services.team_create(actor=leader_b, community=x, name="邻里帮")
    team_y = services.team_create(actor=leader_y, community=y, name="京杭佳苑志愿服务队")
    knives = services.project_save(
        team=team_a, actor=leader_a, name="磨剪子戗菜刀", category="knives"
    )
    mending = services.project_save(
        team=team_b, actor=leader_b, name="缝补衣物", category="mending"
    )
    tenant: Resident = gw.tenant
    services.member_apply(team=team_a, actor=tenant.user)
    member = services.member_move(
        member=team_a.members.get(volunteer__user=tenant.user), actor=leader_a, action="approve"
    )
    neighbour = _resident(gw.building_1, name="钱女士", user=UserFactory(username="neighbour"))
    resident_y = _resident(
        gw.outsider.household.unit.building, name="孙阿姨", user=UserFactory(username="resident_y")
    )
    # Messages are written in each reader's language: English here, so that tests
    # read the same once the Chinese catalogue has these texts.
    User.objects.update(language="en")
    for loaded in (leader_a, leader_b, leader_y, team_a, team_b, team_y):
        loaded.refresh_from_db()  # the teams' leaders too: they are told in English
    return VolunteerWorld(
        gw=gw,
        leader_a=leader_a,
        leader_b=leader_b,
        leader_y=leader_y,
        team_a=team_a,
        team_b=team_b,
        team_y=team_y,
        knives=knives,
        mending=mending,
        member=member.volunteer,
        neighbour=neighbour.user,
        resident_y=resident_y.user,
        clock=clock,
    )


# --- Shortcuts for the state machine's tests ---------------------------------------------


def sign_up(activity: Activity, actor, **kwargs) -> SignUp:
    return services.signup_create(activity=activity, actor=actor, **kwargs)


def move(signup: SignUp, actor, action: str, **kwargs) -> SignUp:
    return services.signup_move(signup=signup, actor=actor, action=action, **kwargs)


def code(activity: Activity) -> str:
    return services.checkin_code(activity)


def at(vw: VolunteerWorld, status: str) -> SignUp:
    """The tenant's sign-up to serve at a one-place activity today at noon, in ``status``
    (checked in: the clock at 11:50; attended: checked in and out, the clock at 14:05)."""
    activity = vw.activity(capacity=1)
    if status == SignUpStatus.WAITING:
        sign_up(activity, vw.volunteer("先来的").user)
        return sign_up(activity, vw.tenant)
    signup = sign_up(activity, vw.tenant)
    if status == SignUpStatus.SIGNED_UP:
        return signup
    if status == SignUpStatus.CANCELLED:
        return move(signup, vw.tenant, SignUpAction.CANCEL)
    if status in (SignUpStatus.CHECKED_IN, SignUpStatus.ATTENDED):
        before_start(vw, activity)
        signup = move(signup, vw.tenant, SignUpAction.CHECK_IN, code=code(activity))
        if status == SignUpStatus.CHECKED_IN:
            return signup
        after_end(vw, activity)
        return move(signup, vw.tenant, SignUpAction.CHECK_OUT)
    assert status == SignUpStatus.NO_SHOW
    started(activity)
    return move(signup, vw.leader_a, SignUpAction.MARK_NO_SHOW)
