"""Who sees which resident, their phone number and their health notes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError
from django.urls import reverse

from grids.models import Duty, GridStaff
from tests.grids.factories import ResidentFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _detail(client, user, resident):
    client.force_login(user)
    return client.get(reverse("grids:resident-detail", args=[resident.pk]))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("worker_1", 200),  # the resident's own grid worker
        ("party_leader_1", 200),  # a colleague in the same grid
        ("secretary_x", 200),  # the community's secretary
        ("dispatcher", 200),  # the street above
        ("admin", 200),
        ("worker_2", 404),  # the next grid in the same community
        ("officer", 404),  # a police grid that does not cover building 1
        ("secretary_y", 404),  # another community
    ],
)
def test_a_resident_is_seen_by_their_grid_and_those_above_it(client, gw, who, expected):
    assert _detail(client, getattr(gw, who), gw.elder_1).status_code == expected


def test_the_resident_list_shows_only_the_workers_own_grid(client, gw):
    client.force_login(gw.worker_1)
    page = client.get(reverse("grids:resident-list")).content.decode()
    assert gw.elder_1.name in page
    assert gw.tenant.name in page
    assert gw.elder_2.name not in page
    assert gw.outsider.name not in page


def test_overlay_staff_see_the_buildings_their_grid_covers(client, gw):
    client.force_login(gw.officer)
    page = client.get(reverse("grids:resident-list")).content.decode()
    assert gw.elder_2.name in page
    assert gw.elder_1.name not in page


@pytest.mark.parametrize(
    ("who", "full"),
    [
        ("worker_1", True),
        ("secretary_x", True),
        ("dispatcher", False),
        ("admin", False),
    ],
)
def test_the_full_phone_number_is_for_those_who_call(client, gw, who, full):
    page = _detail(client, getattr(gw, who), gw.elder_1).content.decode()
    if full:
        assert "13812348000" in page
    else:
        assert "13812348000" not in page
        assert "138****8000" in page


def test_overlay_staff_get_the_full_number_of_residents_they_cover(client, gw):
    assert "13912345678" in _detail(client, gw.officer, gw.elder_2).content.decode()


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("worker_1", True),
        ("party_leader_1", True),
        ("secretary_x", True),
        ("dispatcher", False),
        ("admin", False),
    ],
)
def test_health_notes_are_for_the_grid_and_the_secretary_only(client, gw, who, shown):
    page = _detail(client, getattr(gw, who), gw.elder_1).content.decode()
    assert ("冠心病" in page) is shown


def test_overlay_staff_never_see_health_notes(client, gw):
    assert "高血压" not in _detail(client, gw.officer, gw.elder_2).content.decode()


def test_a_resident_sees_their_own_record_and_no_neighbour(client, gw):
    tenant = gw.tenant.user
    assert _detail(client, tenant, gw.tenant).status_code == 200
    assert _detail(client, tenant, gw.elder_1).status_code == 404


def test_filtering_by_a_building_outside_the_scope_is_refused_clearly(client, gw):
    client.force_login(gw.worker_1)
    response = client.get(reverse("grids:resident-list"), {"building": gw.building_2.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert "选择一个有效的选项" in page
    assert gw.elder_2.name not in page


def test_filter_by_care_tag_and_name(client, gw):
    client.force_login(gw.secretary_x)
    page = client.get(reverse("grids:resident-list"), {"tag": "living_alone"}).content.decode()
    assert gw.elder_1.name in page
    assert gw.tenant.name not in page
    page = client.get(reverse("grids:resident-list"), {"q": "8000"}).content.decode()
    assert gw.elder_1.name in page
    assert gw.elder_2.name not in page


def test_resident_list_query_count_does_not_grow(client, gw, django_assert_num_queries):
    unit = UnitFactory(building=gw.building_1, number=2)
    ResidentFactory.create_batch(70, household__unit=unit)
    client.force_login(gw.worker_1)
    # session, user, memberships; filter form's buildings; grid duties (access);
    # count; page of residents with household/unit/building; their tags;
    # unread count
    with django_assert_num_queries(9):
        response = client.get(reverse("grids:resident-list"))
    assert response.content.decode().count('data-testid="resident"') == 50


def test_a_basic_grid_has_one_worker(gw):
    with pytest.raises(IntegrityError):
        GridStaff.objects.create(grid=gw.grid_1, user=gw.worker_2, duty=Duty.GRID_WORKER)


def test_grid_overview_counts_what_each_grid_holds(client, gw, django_assert_max_num_queries):
    client.force_login(gw.secretary_x)
    with django_assert_max_num_queries(8):
        page = client.get(reverse("grids:overview")).content.decode()
    assert page.count('data-testid="grid"') == 3  # grid 1, grid 2, police
    assert "1 栋楼 · 2 户 · 2 人" in page  # grid 1: the elder's and the tenant's flats
    assert "覆盖 1 栋楼" in page


def test_worker_home_shows_my_grid_with_care_counts(client, gw):
    client.force_login(gw.worker_1)
    page = client.get(reverse("role-home", args=["grid_worker"])).content.decode()
    assert "我的网格" in page
    assert "第一网格" in page
    assert "第二网格" not in page
    assert "独居老人 1" in page


def test_a_masked_number_cannot_be_rebuilt_by_searching(client, gw):
    client.force_login(gw.dispatcher)  # sees 138****8000
    for probe in ("8000", "48000", "12348000", "13812348000"):
        found = (
            gw.elder_1.name
            in client.get(reverse("grids:resident-list"), {"q": probe}).content.decode()
        )
        assert found is (probe == "8000"), probe
    client.force_login(gw.worker_1)  # sees the whole number
    page = client.get(reverse("grids:resident-list"), {"q": "13812348000"}).content.decode()
    assert gw.elder_1.name in page


def test_a_chronic_illness_tag_is_health_data(client, gw):
    from grids.models import ResidentTag

    ResidentTag.objects.create(resident=gw.elder_2, tag="chronic_illness")
    client.force_login(gw.officer)  # police grid covering building 2
    assert "慢性病" not in _detail(client, gw.officer, gw.elder_2).content.decode()
    listed = client.get(reverse("grids:resident-list"), {"tag": "chronic_illness"})
    assert gw.elder_2.name not in listed.content.decode()
    assert "慢性病" in _detail(client, gw.worker_2, gw.elder_2).content.decode()


def test_grid_overview_query_count_does_not_grow(client, gw, django_assert_num_queries):
    from tests.grids.factories import GridFactory

    for n in range(30):
        GridFactory(community=gw.grid_1.community, name=f"网格{n}")
    client.force_login(gw.secretary_x)
    # session, user, memberships; grids with counts and community; their
    # staff with people (prefetch: 2); unread count
    with django_assert_num_queries(7):
        page = client.get(reverse("grids:overview")).content.decode()
    assert page.count('data-testid="grid"') == 33


def test_a_building_belongs_to_a_basic_grid_of_its_own_community(gw):
    from django.core.exceptions import ValidationError

    from grids.models import Building
    from tests.grids.factories import GridFactory

    overlay = Building(community=gw.grid_1.community, grid=gw.police, number=50, floors=6)
    with pytest.raises(ValidationError, match="基础网格"):
        overlay.full_clean()
    elsewhere = GridFactory(name="外社区网格")
    foreign = Building(community=gw.grid_1.community, grid=elsewhere, number=51, floors=6)
    with pytest.raises(ValidationError, match="其他社区"):
        foreign.full_clean()
