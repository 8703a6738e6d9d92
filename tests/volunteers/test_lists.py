"""Query counts on every list page, with more rows than a page: growth would show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.community.factories import UserFactory
from tests.volunteers.conftest import VolunteerWorld
from volunteers import services
from volunteers.models import Activity, SignUp, Team

pytestmark = pytest.mark.django_db

ROWS = 25  # a page is 20


@pytest.fixture
def busy(vw: VolunteerWorld) -> VolunteerWorld:
    """25 activities of team A starting within half an hour, the tenant signed up (and
    checked in) for each."""
    for i in range(ROWS):
        activity = vw.activity(starts_in=timedelta(minutes=5 + i), title=f"活动{i}")
        signup = services.signup_create(activity=activity, actor=vw.tenant)
        services.signup_move(
            signup=signup,
            actor=vw.tenant,
            action="check_in",
            code=services.checkin_code(activity),
        )
    return vw


def test_activity_list(client, busy, django_assert_num_queries):
    # Upcoming ones the tenant can join: they are all checked in already, and still listed
    # until they end. session, user, count, the page with places taken (one aggregate),
    # the tenant's own sign-ups on the page, is-a-manager, unread count, memberships.
    client.force_login(busy.tenant)
    with django_assert_num_queries(8):
        page = client.get(reverse("volunteers:activities")).content.decode()
    assert page.count('data-testid="activity"') == 20
    assert page.count('data-testid="my-status"') == 20


def test_activity_list_for_a_leader_who_manages_them(client, busy, django_assert_num_queries):
    client.force_login(busy.leader_a)
    with django_assert_num_queries(8):
        page = client.get(reverse("volunteers:activities")).content.decode()
    assert page.count('data-testid="activity"') == 20


def test_my_sign_ups(client, busy, django_assert_num_queries):
    # session, user, count, the page with each activity, its team and project, and the
    # sign-up's volunteer and resident; the volunteer profiles, one total each (one
    # profile here); unread count, memberships (the page's cancel buttons need none).
    client.force_login(busy.tenant)
    with django_assert_num_queries(8):
        page = client.get(reverse("volunteers:mine")).content.decode()
    assert page.count('data-testid="signup"') == 20


def test_team_list(client, vw, django_assert_num_queries):
    for i in range(ROWS):
        Team.objects.create(community=vw.team_a.community, name=f"小队{i}", leader=vw.leader_a)
    # session, user, count, the page with community, leader, group-of and member counts,
    # the viewer's own memberships on the page, can-create, unread count, memberships.
    client.force_login(vw.leader_a)
    with django_assert_num_queries(8):
        page = client.get(reverse("volunteers:teams")).content.decode()
    assert page.count('data-testid="team"') == 20


def test_volunteer_ledger(client, busy, django_assert_num_queries):
    for signup in SignUp.objects.all():  # the leader confirms them: hours to the end
        services.signup_move(signup=signup, actor=busy.leader_a, action="mark_attended")
    # session, user, the volunteer (scope), count, the page of entries with activity,
    # project, team and who recorded them, the teams, the total, unread count, memberships.
    client.force_login(busy.tenant)
    with django_assert_num_queries(9):
        page = client.get(reverse("volunteers:volunteer", args=[busy.member.pk])).content.decode()
    assert page.count('data-testid="hours-entry"') == 20


def test_report(client, vw, django_assert_num_queries):
    activity = vw.activity(capacity=ROWS + 5)
    for i in range(ROWS):
        volunteer = vw.volunteer(f"志愿者{i}", user=UserFactory(username=f"vol{i}", language="en"))
        signup = services.signup_create(activity=activity, actor=volunteer.user)
        services.signup_move(signup=signup, actor=vw.leader_a, action="mark_attended")
    # session, user, is-a-manager, by team, activities per project, sign-ups per
    # project, count and page of volunteers, unread count, memberships.
    client.force_login(vw.leader_a)
    with django_assert_num_queries(10):
        page = client.get(reverse("volunteers:report")).content.decode()
    assert page.count('data-testid="volunteer-row"') == 20


def test_roll_of_a_full_activity(client, vw, django_assert_num_queries):
    activity = vw.activity(capacity=ROWS)
    for i in range(ROWS + 5):
        services.signup_create(activity=activity, actor=vw.volunteer(f"志愿者{i}").user)
    assert SignUp.objects.filter(status="waiting").count() == 5
    # session, user, the activity (scope), is-a-member, the leader's own sign-ups,
    # places taken, the roll with volunteers, residents, bookers and hours, the
    # members not on it (to add one), unread count, memberships. The roll's buttons
    # need no more.
    client.force_login(vw.leader_a)
    with django_assert_num_queries(10):
        page = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert page.count('data-testid="roster-row"') == ROWS + 5
    assert Activity.objects.count() == 1
