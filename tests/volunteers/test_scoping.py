"""Who sees what: the leader and the secretary manage, a member sees the team's
activities, the community sees what is open to residents; anyone else gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.volunteers.conftest import cast, checked_in
from volunteers import services
from volunteers.models import Activity, MemberStatus, SignUpStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


MANAGERS = ["leader_a", "secretary_x"]
NOT_OF_THE_TEAM = ["neighbour", "resident_y", "leader_b", "leader_y"]


@pytest.mark.parametrize("who", MANAGERS)
def test_the_leader_and_the_secretary_see_the_roll_and_the_check_in_code(client, vw, who):
    activity = vw.activity()
    services.signup_create(activity=activity, actor=vw.tenant)
    client.force_login(cast(vw, who))
    body = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert body.count('data-testid="roster-row"') == 1
    assert 'data-testid="checkin-qr"' in body
    assert "<svg" in body
    assert client.get(reverse("volunteers:team", args=[vw.team_a.pk])).context["manager"]
    assert client.get(reverse("volunteers:report")).status_code == 200


def test_a_member_sees_the_teams_activity_but_not_the_roll(client, vw):
    activity = vw.activity()
    client.force_login(vw.tenant)
    page = client.get(reverse("volunteers:activity", args=[activity.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="sign-up-serve"' in body
    assert 'data-testid="roster"' not in body
    assert 'data-testid="checkin-qr"' not in body
    assert activity.title in client.get(reverse("volunteers:activities")).content.decode()
    assert client.get(reverse("volunteers:report")).status_code == 404
    assert client.get(reverse("volunteers:activity-new")).status_code == 404


@pytest.mark.parametrize("who", NOT_OF_THE_TEAM)
def test_a_team_only_activity_is_404_to_everyone_outside_the_team(client, vw, who):
    activity = vw.activity()
    signup = services.signup_create(activity=activity, actor=vw.tenant)
    client.force_login(cast(vw, who))
    assert client.get(reverse("volunteers:activity", args=[activity.pk])).status_code == 404
    listed = client.get(reverse("volunteers:activities")).content.decode()
    assert activity.title not in listed
    posts = [
        reverse("volunteers:activity-cancel", args=[activity.pk]),
        reverse("volunteers:activity-edit", args=[activity.pk]),
        reverse("volunteers:sign-up", args=[activity.pk]),
        reverse("volunteers:signup-act", args=[signup.pk, "cancel"]),
        reverse("volunteers:signup-hours", args=[signup.pk]),
    ]
    for url in posts:
        assert client.post(url, {"reason": "x", "kind": "serve"}).status_code == 404, url
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.SIGNED_UP


def test_an_activity_open_to_residents_is_seen_by_the_community_only(client, vw):
    activity = vw.activity(audience="residents", title="上门接种预约")
    client.force_login(vw.neighbour)
    page = client.get(reverse("volunteers:activity", args=[activity.pk])).content.decode()
    assert 'data-testid="sign-up-attend"' in page
    assert 'data-testid="roster"' not in page
    # Another team's leader may read it like any neighbour, but not manage it.
    client.force_login(vw.leader_b)
    assert client.get(reverse("volunteers:activity", args=[activity.pk])).status_code == 200
    assert (
        client.post(
            reverse("volunteers:activity-cancel", args=[activity.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    for outsider in (vw.resident_y, vw.leader_y):
        client.force_login(outsider)
        assert client.get(reverse("volunteers:activity", args=[activity.pk])).status_code == 404
    assert Activity.objects.get().status == "scheduled"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("leader_a", 200),
        ("member", 200),
        ("neighbour", 200),
        ("resident_y", 404),
        ("leader_y", 404),
    ],
)
def test_a_team_is_seen_by_its_community_and_managed_by_its_leader(client, vw, who, status):
    client.force_login(cast(vw, who))
    page = client.get(reverse("volunteers:team", args=[vw.team_a.pk]))
    assert page.status_code == status
    if status == 200:
        assert ('data-testid="members"' in page.content.decode()) == (who == "leader_a")


@pytest.mark.parametrize("who", ["leader_b", "leader_y", "member", "neighbour"])
def test_only_the_teams_leader_manages_it(client, vw, who):
    member = vw.team_a.members.get()
    client.force_login(cast(vw, who))
    for url, data in [
        (reverse("volunteers:team-edit", args=[vw.team_a.pk]), {"name": "改名"}),
        (
            reverse("volunteers:project-new", args=[vw.team_a.pk]),
            {"name": "理发", "category": "haircuts"},
        ),
        (
            reverse("volunteers:volunteer-add", args=[vw.team_a.pk]),
            {"name": "老赵", "kind": "resident"},
        ),
        (reverse("volunteers:project-toggle", args=[vw.knives.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    if who != "member":  # the member may leave; nobody else may touch the row
        assert (
            client.post(reverse("volunteers:member-act", args=[member.pk, "remove"])).status_code
            == 404
        )
    vw.team_a.refresh_from_db()
    assert vw.team_a.name == "运河情志愿服务队"
    assert vw.team_a.members.get().status == MemberStatus.APPROVED


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("leader_a", 200),
        ("secretary_x", 200),
        ("leader_b", 404),
        ("neighbour", 404),
        ("leader_y", 404),
    ],
)
def test_hours_and_the_statement_are_the_volunteers_and_their_leaders(client, vw, who, status):
    checked_in(vw)
    client.force_login(cast(vw, who))
    assert client.get(reverse("volunteers:volunteer", args=[vw.member.pk])).status_code == status
    assert client.get(reverse("volunteers:statement", args=[vw.member.pk])).status_code == status


def test_another_communitys_leader_reports_on_their_own_teams_only(client, vw):
    checked_in(vw)
    client.force_login(vw.leader_y)
    body = client.get(reverse("volunteers:report")).content.decode()
    assert vw.member.name not in body
    assert "运河情" not in body


def test_anonymous_visitors_are_sent_to_log_in(client, vw):
    activity = vw.activity()
    for url in (
        reverse("volunteers:activities"),
        reverse("volunteers:activity", args=[activity.pk]),
        reverse("volunteers:check-in", args=[activity.pk, services.checkin_code(activity)]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response["Location"]
