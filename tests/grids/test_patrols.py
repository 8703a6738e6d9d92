"""A grid worker's patrol: start, check in at buildings, end; coverage for the secretary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from community.errors import Conflict, DomainError, NotAllowed
from grids.models import Patrol, PatrolCheckIn, PatrolStatus
from grids.selectors import week_coverage
from grids.services import patrol_check_in, patrol_end, patrol_start
from tests.conftest import SHANGHAI
from tests.grids.factories import BuildingFactory

pytestmark = pytest.mark.django_db


# --- Services ----------------------------------------------------------------------


def test_a_worker_starts_a_patrol_of_their_grid(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    assert patrol.status == PatrolStatus.IN_PROGRESS
    assert patrol.worker == gw.worker_1


def test_starting_twice_returns_the_running_patrol(gw):
    first = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    assert patrol_start(worker=gw.worker_1, grid=gw.grid_1) == first
    assert Patrol.objects.count() == 1


def test_nobody_patrols_a_grid_they_do_not_staff(gw):
    with pytest.raises(NotAllowed):
        patrol_start(worker=gw.worker_1, grid=gw.grid_2)


def test_check_in_records_building_note_and_place(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    check_in = patrol_check_in(
        patrol=patrol,
        actor=gw.worker_1,
        building=gw.building_1,
        note="11号楼东侧飞线充电一处",
        latitude=Decimal("35.405123"),
        longitude=Decimal("116.587456"),
    )
    assert check_in.building == gw.building_1
    assert check_in.note == "11号楼东侧飞线充电一处"
    assert check_in.latitude == Decimal("35.405123")


def test_check_in_outside_the_grid_is_refused_and_saves_nothing(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    with pytest.raises(DomainError, match="2号楼不在第一网格"):
        patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_2)
    assert not PatrolCheckIn.objects.exists()


def test_half_a_location_is_refused(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    with pytest.raises(DomainError):
        patrol_check_in(
            patrol=patrol, actor=gw.worker_1, building=gw.building_1, latitude=Decimal(35)
        )
    assert not PatrolCheckIn.objects.exists()


def test_an_overlay_patrol_walks_the_buildings_it_covers(gw):
    patrol = patrol_start(worker=gw.officer, grid=gw.police)
    patrol_check_in(patrol=patrol, actor=gw.officer, building=gw.building_2)
    with pytest.raises(DomainError):
        patrol_check_in(patrol=patrol, actor=gw.officer, building=gw.building_1)


def test_only_the_patrols_worker_checks_in_or_ends_it(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    with pytest.raises(NotAllowed):
        patrol_check_in(patrol=patrol, actor=gw.party_leader_1, building=gw.building_1)
    with pytest.raises(NotAllowed):
        patrol_end(patrol=patrol, actor=gw.secretary_x)


def test_ending_is_once_and_then_check_ins_are_refused(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    ended = patrol_end(patrol=patrol, actor=gw.worker_1, summary="巡查正常")
    assert ended.status == PatrolStatus.ENDED
    assert ended.ended_at is not None
    again = patrol_end(patrol=patrol, actor=gw.worker_1, summary="changed")
    assert again.summary == "巡查正常"  # same state: a no-op
    with pytest.raises(Conflict):
        patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)
    # A new patrol can start once the old one ended.
    assert patrol_start(worker=gw.worker_1, grid=gw.grid_1).pk != patrol.pk


# --- Coverage ------------------------------------------------------------------------


def test_weekly_coverage_shows_patrolled_and_missed_buildings(gw, time_machine):
    extra = BuildingFactory(grid=gw.grid_1, community=gw.grid_1.community, number=3)
    time_machine.move_to(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI))  # last Friday
    old = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    patrol_check_in(patrol=old, actor=gw.worker_1, building=extra)
    patrol_end(patrol=old, actor=gw.worker_1)

    time_machine.move_to(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))  # Monday
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)

    coverage = {c.grid.name: c for c in week_coverage(gw.secretary_x)}
    assert coverage["第一网格"].covered == [gw.building_1]
    assert coverage["第一网格"].missed == [extra]  # patrolled last week only
    assert coverage["第二网格"].covered == []
    assert "警务网格" not in coverage  # overlays are not in the weekly round


def test_the_week_starts_at_midnight_on_monday_in_shanghai(gw, time_machine):
    time_machine.move_to(datetime(2026, 11, 22, 23, 30, tzinfo=SHANGHAI))  # Sunday night
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)
    time_machine.move_to(datetime(2026, 11, 23, 0, 30, tzinfo=SHANGHAI))  # Monday, 16:30 UTC Sunday
    coverage = {c.grid.name: c for c in week_coverage(gw.secretary_x)}
    assert coverage["第一网格"].covered == []  # Sunday night was last week


def test_coverage_page_for_the_secretary(client, gw, django_assert_num_queries):
    for n in range(10):
        BuildingFactory(grid=gw.grid_2, community=gw.grid_2.community, number=10 + n)
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)
    client.force_login(gw.secretary_x)
    # session, user, memberships; basic grids with community; their buildings;
    # this week's check-ins; unread count
    with django_assert_num_queries(7):
        page = client.get(reverse("grids:coverage")).content.decode()
    assert page.count('data-testid="coverage"') == 2
    first = page.split('data-testid="coverage"')[1]
    assert "1号楼" not in first.split('data-testid="missed"')[1].split("</p>")[0]


# --- Pages ---------------------------------------------------------------------------


def test_the_patrol_page_walks_start_check_in_end(client, gw):
    client.force_login(gw.worker_1)
    assert "开始巡查" in client.get(reverse("grids:patrol")).content.decode()
    client.post(reverse("grids:patrol"), {"grid": gw.grid_1.pk})
    patrol = Patrol.objects.get(worker=gw.worker_1)
    page = client.get(reverse("grids:patrol")).content.decode()
    assert page.count('data-testid="stop"') == 1

    response = client.post(
        reverse("grids:patrol-check-in", args=[patrol.pk]),
        {
            "building": gw.building_1.pk,
            "note": "楼道堆物",
            "latitude": "35.4",
            "longitude": "116.5",
        },
        follow=True,
    )
    assert "已在1号楼签到" in response.content.decode()
    assert "楼道堆物" in response.content.decode()

    response = client.post(
        reverse("grids:patrol-end", args=[patrol.pk]), {"summary": "正常"}, follow=True
    )
    assert response.request["PATH_INFO"] == reverse("grids:patrol-list")
    assert "巡查已结束" in response.content.decode()


def test_a_check_in_outside_the_grid_shows_a_clear_message(client, gw):
    client.force_login(gw.worker_1)
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    response = client.post(
        reverse("grids:patrol-check-in", args=[patrol.pk]),
        {"building": gw.building_2.pk},
        follow=True,
    )
    assert "2号楼不在第一网格内" in response.content.decode()
    assert not PatrolCheckIn.objects.exists()


def test_a_bad_location_is_refused_with_a_message(client, gw):
    client.force_login(gw.worker_1)
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    response = client.post(
        reverse("grids:patrol-check-in", args=[patrol.pk]),
        {"building": gw.building_1.pk, "latitude": "999", "longitude": "1"},
        follow=True,
    )
    assert response.status_code == 200
    assert "小于或等于" in response.content.decode()  # "ensure this value is ≤ 90"
    assert not PatrolCheckIn.objects.exists()


def test_a_double_tap_on_check_in_is_one_check_in(gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    first = patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)
    second = patrol_check_in(patrol=patrol, actor=gw.worker_1, building=gw.building_1)
    assert first == second
    assert PatrolCheckIn.objects.count() == 1


def test_a_too_long_summary_keeps_the_patrol_open(client, gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    client.force_login(gw.worker_1)
    response = client.post(
        reverse("grids:patrol-end", args=[patrol.pk]), {"summary": "长" * 4001}, follow=True
    )
    patrol.refresh_from_db()
    assert patrol.status == PatrolStatus.IN_PROGRESS
    assert "4000" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("worker_1", "ended"),  # their own patrol
        ("secretary_x", "refused"),  # sees it, may not end it: a message, no change
        ("worker_2", 404),  # another grid's worker does not see it
        ("secretary_y", 404),  # another community
    ],
)
def test_only_the_worker_ends_their_patrol(client, gw, who, outcome):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    client.force_login(getattr(gw, who))
    response = client.post(reverse("grids:patrol-end", args=[patrol.pk]), follow=True)
    patrol.refresh_from_db()
    if outcome == 404:
        assert response.status_code == 404
        assert patrol.status == PatrolStatus.IN_PROGRESS
    elif outcome == "refused":
        assert "这是别人的巡查" in response.content.decode()
        assert patrol.status == PatrolStatus.IN_PROGRESS
    else:
        assert patrol.status == PatrolStatus.ENDED


def test_patrol_list_is_scoped_and_its_query_count_fixed(client, gw, django_assert_num_queries):
    for _ in range(25):
        patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    patrol_end(patrol=patrol_start(worker=gw.worker_2, grid=gw.grid_2), actor=gw.worker_2)
    client.force_login(gw.worker_1)
    # session, user, memberships; count; page of patrols with grid, worker and
    # check-in counts; unread count
    with django_assert_num_queries(6):
        page = client.get(reverse("grids:patrol-list")).content.decode()
    assert page.count('data-testid="patrol"') == 20
    client.force_login(gw.worker_2)
    assert (
        client.get(reverse("grids:patrol-list")).content.decode().count('data-testid="patrol"') == 1
    )


# --- API -----------------------------------------------------------------------------


def test_api_patrol_round_trip(client, gw):
    client.force_login(gw.worker_1)
    started = client.post("/api/v1/patrols/", {"grid": gw.grid_1.pk})
    assert started.status_code == 201
    pk = started.json()["id"]
    checked = client.post(
        f"/api/v1/patrols/{pk}/check-in/",
        {"building": gw.building_1.pk, "note": "正常", "latitude": "35.4", "longitude": "116.5"},
    )
    assert checked.status_code == 200
    assert checked.json()["check_ins"][0]["building"] == gw.building_1.pk
    outside = client.post(f"/api/v1/patrols/{pk}/check-in/", {"building": gw.building_2.pk})
    assert outside.status_code == 400
    ended = client.post(f"/api/v1/patrols/{pk}/end/", {"summary": "完成"})
    assert ended.json()["status"] == "ended"
    late = client.post(f"/api/v1/patrols/{pk}/check-in/", {"building": gw.building_1.pk})
    assert late.status_code == 409


def test_api_refuses_another_grid_and_hides_other_patrols(client, gw):
    patrol = patrol_start(worker=gw.worker_2, grid=gw.grid_2)
    client.force_login(gw.worker_1)
    # Another grid reads exactly like a grid that does not exist.
    other = client.post("/api/v1/patrols/", {"grid": gw.grid_2.pk})
    made_up = client.post("/api/v1/patrols/", {"grid": 999999})
    assert other.status_code == made_up.status_code == 400
    assert other.json()["grid"][0].replace(str(gw.grid_2.pk), "N") == made_up.json()["grid"][
        0
    ].replace("999999", "N")
    assert client.get(f"/api/v1/patrols/?worker={gw.worker_2.pk}").json()["count"] == 0
    assert client.get("/api/v1/patrols/?worker=999999").json()["count"] == 0
    assert client.get(f"/api/v1/patrols/{patrol.pk}/").status_code == 404
    client.force_login(gw.secretary_x)
    assert client.get(f"/api/v1/patrols/{patrol.pk}/").status_code == 200


def test_api_patrol_list_query_count(client, gw, django_assert_num_queries):
    for _ in range(30):
        patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    client.force_login(gw.secretary_x)
    # session, user, memberships (admin check and led communities), count, page
    with django_assert_num_queries(5):
        data = client.get("/api/v1/patrols/").json()
    assert data["count"] == 30
    assert len(data["results"]) == 20
