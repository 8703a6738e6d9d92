"""A grid worker's patrol: start, check in at buildings, end; coverage for the secretary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from community.errors import Conflict, DomainError, NotAllowed
from grids.models import Patrol, PatrolCheckIn, PatrolStatus
from grids.selectors import week_coverage
from grids.services import hazard_report, patrol_check_in, patrol_end, patrol_start
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
    # Ending shows the record of the patrol just walked.
    assert response.request["PATH_INFO"] == reverse("grids:patrol-detail", args=[patrol.pk])
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


# --- The patrol record -----------------------------------------------------------------


def _walked(gw, time_machine) -> Patrol:
    """worker_1's patrol of grid 1 on Monday morning: building 1 with a note and a
    place, building 3 without a place, building 4 missed; a hazard found on it."""
    extra = BuildingFactory(grid=gw.grid_1, community=gw.grid_1.community, number=3)
    BuildingFactory(grid=gw.grid_1, community=gw.grid_1.community, number=4)
    time_machine.move_to(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    patrol_check_in(
        patrol=patrol,
        actor=gw.worker_1,
        building=gw.building_1,
        note="单元门口有飞线充电",
        latitude=Decimal("35.405123"),
        longitude=Decimal("116.587456"),
    )
    hazard_report(
        actor=gw.worker_1,
        building=gw.building_1,
        kind="flying_wire",
        description="三楼窗口飞线给电动车充电",
        patrol=patrol,
    )
    time_machine.move_to(datetime(2026, 11, 23, 9, 20, tzinfo=SHANGHAI))
    patrol_check_in(patrol=patrol, actor=gw.worker_1, building=extra)
    time_machine.move_to(datetime(2026, 11, 23, 9, 45, tzinfo=SHANGHAI))
    return patrol_end(patrol=patrol, actor=gw.worker_1, summary="一处飞线已上报")


def test_the_record_shows_check_ins_notes_places_missed_buildings_and_hazards(
    client, gw, time_machine
):
    patrol = _walked(gw, time_machine)
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:patrol-detail", args=[patrol.pk])).content.decode()
    check_ins = page.split('data-testid="check-in"')[1:]
    assert len(check_ins) == 2
    assert "09:00" in check_ins[0]
    assert "1号楼" in check_ins[0]
    assert "单元门口有飞线充电" in check_ins[0]
    # The place as text, and a geo: link the phone's own map opens (no map tiles).
    assert 'href="geo:35.405123,116.587456"' in check_ins[0]
    assert "35.405123, 116.587456" in check_ins[0]
    assert "3号楼" in check_ins[1]
    assert "geo:" not in check_ins[1]
    assert "4号楼" in page.split('data-testid="patrol-missed"')[1].split("</p>")[0]
    assert page.count('data-testid="patrol-hazard"') == 1
    assert "三楼窗口飞线给电动车充电" in page
    assert "一处飞线已上报" in page.split('data-testid="patrol-summary"')[1]
    assert 'data-testid="continue-this-patrol"' not in page  # it has ended


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("worker_1", 200),  # the owner
        ("party_leader_1", 200),  # staff of the same grid read the worker's rounds
        ("secretary_x", 200),  # the community's secretary
        ("dispatcher", 200),  # the street above the community
        ("worker_2", 404),  # another grid's worker
        ("officer", 404),  # an overlay grid over another building
        ("secretary_y", 404),  # another community
        ("tenant", 404),  # a resident
    ],
)
def test_the_record_is_seen_by_the_owner_and_those_above_and_no_one_else(
    client, gw, time_machine, who, status
):
    patrol = _walked(gw, time_machine)
    client.force_login(getattr(gw, who) if who != "tenant" else gw.tenant.user)
    assert client.get(reverse("grids:patrol-detail", args=[patrol.pk])).status_code == status


def test_the_record_page_query_count_does_not_grow(
    client, gw, time_machine, django_assert_num_queries
):
    for n in range(10):
        BuildingFactory(grid=gw.grid_1, community=gw.grid_1.community, number=10 + n)
    time_machine.move_to(datetime(2026, 11, 23, 9, tzinfo=SHANGHAI))
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    for n, building in enumerate(gw.grid_1.buildings.order_by("number")):
        time_machine.move_to(datetime(2026, 11, 23, 9, n * 2, tzinfo=SHANGHAI))
        patrol_check_in(patrol=patrol, actor=gw.worker_1, building=building, note=f"正常{n}")
        if n % 3 == 0:
            hazard_report(
                actor=gw.worker_1, building=building, kind="other", description="x", patrol=patrol
            )
    client.force_login(gw.secretary_x)
    # session, user, memberships; the patrol with grid, community and worker;
    # its check-ins with buildings; the grid's buildings; its hazards with
    # building and unit; unread count
    with django_assert_num_queries(8):
        page = client.get(reverse("grids:patrol-detail", args=[patrol.pk])).content.decode()
    assert page.count('data-testid="check-in"') == 11
    assert page.count('data-testid="patrol-hazard"') == 4


def test_the_record_is_reached_from_the_list_the_coverage_the_history_and_the_hazard(
    client, gw, time_machine
):
    patrol = _walked(gw, time_machine)
    record = reverse("grids:patrol-detail", args=[patrol.pk])
    client.force_login(gw.secretary_x)
    listing = client.get(reverse("grids:patrol-list")).content.decode()
    assert f'href="{record}"' in listing
    coverage = client.get(reverse("grids:coverage")).content.decode()
    assert f'href="{record}"' in coverage
    history = client.get(reverse("grids:patrol-list"), {"worker": gw.worker_1.pk})
    assert f'href="{record}"' in history.content.decode()
    assert str(gw.worker_1) in history.content.decode().split("<h1")[1].split("</h1>")[0]
    hazard = patrol.hazards.get()
    detail = client.get(reverse("grids:hazard-detail", args=[hazard.pk])).content.decode()
    assert f'href="{record}"' in detail


def test_a_workers_history_holds_only_their_patrols_within_scope(client, gw):
    for _ in range(3):
        patrol_end(patrol=patrol_start(worker=gw.worker_1, grid=gw.grid_1), actor=gw.worker_1)
    patrol_end(patrol=patrol_start(worker=gw.worker_2, grid=gw.grid_2), actor=gw.worker_2)
    url = reverse("grids:patrol-list")
    client.force_login(gw.secretary_x)
    assert (
        client.get(url, {"worker": gw.worker_2.pk}).content.decode().count('data-testid="patrol"')
        == 1
    )
    client.force_login(gw.worker_2)
    # Another worker's history reads as an empty one, not as theirs.
    assert (
        'data-testid="patrol"' not in client.get(url, {"worker": gw.worker_1.pk}).content.decode()
    )
    for junk in ("abc", "-1", "9" * 40, "\xb2", "9" * 9 + "\xb2"):
        assert client.get(url, {"worker": junk}).status_code == 200


# --- The running patrol, one tap away -----------------------------------------------

# 继续巡查 (read from the catalogue: the msgid is new on this branch).
with translation.override("zh-hans"):
    CONTINUE = translation.gettext("Continue patrol")


def test_a_running_patrol_is_one_tap_from_every_page_and_gone_when_it_ends(client, gw):
    client.force_login(gw.worker_1)
    assert (
        'data-testid="continue-patrol"'
        not in client.get(reverse("grids:hazard-list")).content.decode()
    )
    client.post(reverse("grids:patrol"), {"grid": gw.grid_1.pk})
    patrol = Patrol.objects.get(worker=gw.worker_1)
    for name in ("grids:hazard-new", "grids:visits", "grids:work-log", "grids:resident-list"):
        page = client.get(reverse(name)).content.decode()
        bar = page.split('data-testid="continue-patrol"')
        assert len(bar) == 2, name
        assert f'href="{reverse("grids:patrol")}"' in bar[0].rsplit("<a", 1)[1]
        assert CONTINUE in bar[1].split("</a>")[0]
    # Not on the patrol page itself.
    assert (
        'data-testid="continue-patrol"' not in client.get(reverse("grids:patrol")).content.decode()
    )
    # The home page says so too, straight to the running patrol.
    home = client.get("/", follow=True).content.decode()
    link = home.split('data-testid="patrol-link"')[0].rsplit("<a", 1)[1]
    assert reverse("grids:patrol") in link
    assert CONTINUE in home.split('data-testid="patrol-link"')[1].split("</a>")[0]

    client.post(reverse("grids:patrol-end", args=[patrol.pk]), {"summary": ""})
    assert (
        'data-testid="continue-patrol"'
        not in client.get(reverse("grids:hazard-list")).content.decode()
    )


def test_a_patrol_ended_elsewhere_takes_the_bar_down_on_the_next_tap(client, gw):
    client.force_login(gw.worker_1)
    client.post(reverse("grids:patrol"), {"grid": gw.grid_1.pk})
    patrol_end(patrol=Patrol.objects.get(worker=gw.worker_1), actor=gw.worker_1)  # the API
    assert 'data-testid="continue-patrol"' in client.get(reverse("grids:visits")).content.decode()
    assert "开始巡查" in client.get(reverse("grids:patrol")).content.decode()
    assert (
        'data-testid="continue-patrol"' not in client.get(reverse("grids:visits")).content.decode()
    )


def test_a_patrol_started_elsewhere_shows_the_bar_once_the_patrol_page_was_opened(client, gw):
    patrol_start(worker=gw.worker_1, grid=gw.grid_1)  # from the app
    client.force_login(gw.worker_1)
    client.get(reverse("grids:patrol"))
    assert 'data-testid="continue-patrol"' in client.get(reverse("grids:visits")).content.decode()


def test_an_unfinished_patrols_record_offers_to_continue_it_to_its_worker_only(client, gw):
    patrol = patrol_start(worker=gw.worker_1, grid=gw.grid_1)
    record = reverse("grids:patrol-detail", args=[patrol.pk])
    client.force_login(gw.worker_1)
    page = client.get(record).content.decode()
    assert 'data-testid="continue-this-patrol"' in page
    assert "1号楼" in page.split('data-testid="patrol-missed"')[1]  # still to check in
    client.force_login(gw.secretary_x)
    assert 'data-testid="continue-this-patrol"' not in client.get(record).content.decode()
