"""The demo grids match the numbers in the reports."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from grids.models import Building, Facility, Grid, GridKind, Household, Notice, Resident
from grids.selectors_notices import notices_for

pytestmark = pytest.mark.django_db

YUJING = "御景花园社区"


@pytest.fixture
def seeded(demo_module, db):
    return demo_module.output


def test_yujing_has_the_reported_buildings_households_and_residents(seeded):
    assert Building.objects.filter(community__name=YUJING).count() == 11
    assert Household.objects.filter(unit__building__community__name=YUJING).count() == 1226
    residents = Resident.objects.filter(household__unit__building__community__name=YUJING)
    assert 1800 <= residents.count() <= 1850


def test_yujing_has_three_basic_and_three_overlay_grids(seeded):
    grids = Grid.objects.filter(community__name=YUJING)
    assert grids.filter(kind=GridKind.BASIC).count() == 3
    assert set(grids.exclude(kind=GridKind.BASIC).values_list("kind", flat=True)) == {
        GridKind.POLICE,
        GridKind.CITY_MANAGEMENT,
        GridKind.CIVILISED_CITY,
    }
    for grid in grids.filter(kind=GridKind.BASIC):
        assert set(grid.staff.values_list("duty", flat=True)) == {
            "grid_worker",
            "party_leader",
            "cadre",
        }


def test_yujing_has_85_charging_points_at_066_yuan(seeded):
    piles = Facility.objects.filter(unit__building__community__name=YUJING)
    assert piles.aggregate(total=Sum("count"))["total"] == 85
    assert set(piles.values_list("price_per_kwh", flat=True)) == {Decimal("0.66")}


def test_seeding_again_adds_no_buildings_or_residents(seeded):
    before = (Building.objects.count(), Resident.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Building.objects.count(), Resident.objects.count()) == before


def test_the_demo_resident_sees_the_community_notices_but_not_building_11s(seeded):
    notices = Notice.objects.filter(community__name=YUJING)
    assert notices.count() == 3
    assert notices.get(title="11号楼停电检修通知").buildings.get().number == 11
    jumin = Resident.objects.get(user__username="jumin").user
    assert [n.title for n in notices_for(jumin)] == [
        "疫苗接种：社区卫生室每三天一次，9:00–17:00",
        "新增电动车充电桩 85 个",
    ]
