"""The demo volunteers: the teams of the reports, their numbers, a season with its roll."""

from __future__ import annotations

import itertools
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from community.models import User
from volunteers import selectors
from volunteers.models import (
    Activity,
    HoursEntry,
    HoursKind,
    MemberStatus,
    SignUp,
    SignUpEvent,
    SignUpKind,
    SignUpStatus,
    Team,
    Volunteer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _without_requests():
    """The demo without the requests: their seeding takes most of seed_demo's time and
    nothing here reads them. Autouse, so it is in place before ``demo_module`` seeds."""
    with mock.patch("petitions.demo.seed", return_value=None):
        yield


@pytest.fixture
def demo(demo_module, db):
    return demo_module


def test_yujing_has_the_canal_love_team_led_by_zhiyuan_with_jumin_in_it(demo):
    team = Team.objects.get(name="运河情志愿服务队")
    assert team.leader.username == "zhiyuan"
    assert team.community.name == "御景花园社区"
    members = team.members.filter(status=MemberStatus.APPROVED)
    assert members.filter(volunteer__user__username="jumin").exists()
    assert team.members.filter(status=MemberStatus.PENDING).count() == 1
    assert set(team.projects.values_list("name", flat=True)) >= {"疫苗接种服务日"}


def test_jinghang_has_42_volunteers_12_projects_and_a_troupe_in_four_groups(demo):
    team = Team.objects.get(name="京杭佳苑志愿服务队")
    assert team.members.filter(status=MemberStatus.APPROVED).count() == 42
    kinds = set(Volunteer.objects.filter(memberships__team=team).values_list("kind", flat=True))
    assert kinds == {"party_member", "social_worker", "resident"}
    assert team.projects.count() == 12
    assert {"磨剪子戗菜刀", "缝补衣物", "电动车自行车维修", "修鞋"} <= set(
        team.projects.values_list("name", flat=True)
    )
    troupe = Team.objects.get(name="京杭佳苑艺术团")
    assert set(troupe.groups.values_list("name", flat=True)) == {
        "舞蹈队",
        "走秀队",
        "器乐队",
        "戏曲队",
    }


def test_the_four_thirty_class_served_158_children_4630_times_in_a_year(demo):
    secretary = User.objects.get(username="shuji_jh")
    report = selectors.report(secretary, *selectors.default_period())
    rows = {row.project: row for row in report.by_project}
    assert (rows["四点半课堂"].served, rows["四点半课堂"].people) == (4630, 158)
    assert rows["寒暑假托管班"].served == 800


def test_vaccination_days_come_every_three_days_nine_to_five_with_home_visits(demo):
    days = Activity.objects.filter(project__name="疫苗接种服务日").order_by("starts_at")
    hours = {
        (timezone.localtime(a.starts_at).hour, timezone.localtime(a.ends_at).hour) for a in days
    }
    assert hours == {(9, 17)}
    starts = [timezone.localtime(a.starts_at) for a in days]
    gaps = {(b.date() - a.date()).days for a, b in itertools.pairwise(starts)}
    assert gaps == {3}
    assert SignUp.objects.filter(
        activity__in=days, kind=SignUpKind.ATTEND, note__contains="上门接种"
    ).exists()
    upcoming = days.filter(starts_at__gt=timezone.now())
    assert upcoming.count() == 2
    assert upcoming.first().signups.filter(status=SignUpStatus.SIGNED_UP).exists()


def test_the_past_is_as_the_services_would_have_left_it(demo):
    past = SignUp.objects.filter(activity__ends_at__lt=timezone.now())
    assert set(past.values_list("status", flat=True)) == {"attended", "no_show"}
    # Signed up, then ticked on the roll, or checked in and then out with the code.
    checked = past.filter(checked_in_at__isnull=False, checked_out_at__isnull=False)
    assert SignUpEvent.objects.filter(signup__in=past).count() == 2 * past.count() + checked.count()
    assert checked.exists()
    attended = past.filter(kind=SignUpKind.SERVE, status=SignUpStatus.ATTENDED)
    assert HoursEntry.objects.filter(kind=HoursKind.ATTENDANCE).count() == attended.count()
    assert not HoursEntry.objects.filter(signup__status=SignUpStatus.NO_SHOW).exists()
    # An upcoming activity is full, with a waiting list.
    assert SignUp.objects.filter(status=SignUpStatus.WAITING).exists()


def test_jumin_has_hours_with_a_correction_and_a_statement(demo, client):
    jumin = Volunteer.objects.get(user__username="jumin")
    entries = HoursEntry.objects.filter(volunteer=jumin)
    assert entries.filter(kind=HoursKind.CORRECTION).count() == 1
    total = entries.aggregate(t=Sum("hours"))["t"]
    assert total > Decimal(20)
    client.force_login(jumin.user)
    page = client.get(reverse("volunteers:volunteer", args=[jumin.pk]))
    assert page.context["total"] == total
    pdf = client.get(reverse("volunteers:statement", args=[jumin.pk]))
    assert pdf["Content-Type"] == "application/pdf"


def test_the_demo_people_find_their_volunteer_pages(demo, client):
    for username, url in [
        ("zhiyuan", reverse("volunteers:report")),
        ("zhiyuan", reverse("volunteers:activities")),
        ("jumin", reverse("volunteers:mine")),
        ("jumin", reverse("volunteers:activities")),
        ("shuji", reverse("volunteers:teams")),
    ]:
        client.force_login(User.objects.get(username=username))
        assert client.get(url).status_code == 200, (username, url)


def test_seeding_again_adds_nothing(demo):
    counts = (Team.objects.count(), Activity.objects.count(), SignUp.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Team.objects.count(), Activity.objects.count(), SignUp.objects.count()) == counts
