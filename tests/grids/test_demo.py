"""The demo grids match the numbers in the reports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from community.models import User
from grids.demo_fieldwork import DAYS
from grids.models import (
    Building,
    Facility,
    Grid,
    GridKind,
    Hazard,
    HazardStatus,
    Household,
    Notice,
    Patrol,
    PatrolCheckIn,
    PatrolStatus,
    PhotoStage,
    Resident,
    WorkCategory,
    WorkLogEntry,
)
from grids.selectors import work_tally
from grids.selectors_notices import notices_for
from tests.conftest import WORLD_NOW

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


# --- Four weeks of field work ----------------------------------------------------------


def test_every_basic_grid_was_patrolled_over_the_last_weeks_at_all_its_buildings(seeded):
    since = timezone.now() - timedelta(days=DAYS + 1)
    for grid in Grid.objects.filter(kind=GridKind.BASIC):
        patrols = Patrol.objects.filter(grid=grid)
        assert patrols.count() >= 12, grid  # most weekdays of four weeks
        assert not patrols.filter(status=PatrolStatus.IN_PROGRESS).exists()
        assert not patrols.filter(started_at__lt=since).exists()
        assert not patrols.filter(started_at__gt=timezone.now()).exists()
        visited = set(
            PatrolCheckIn.objects.filter(patrol__grid=grid).values_list("building", flat=True)
        )
        assert visited == set(grid.buildings.values_list("pk", flat=True))
    check_ins = PatrolCheckIn.objects.filter(patrol__grid__community__name=YUJING)
    assert check_ins.filter(latitude__isnull=False).count() > check_ins.count() // 2
    assert check_ins.exclude(note="").exists()
    # Each check-in lies within its patrol.
    for patrol in Patrol.objects.filter(grid__community__name=YUJING)[:20]:
        for check_in in patrol.check_ins.all():
            assert patrol.started_at <= check_in.at <= patrol.ended_at


def test_the_work_log_holds_every_kind_and_the_tally_counts_them(seeded):
    for community in (YUJING, "京杭佳苑社区"):
        entries = WorkLogEntry.objects.filter(grid__community__name=community)
        assert set(entries.values_list("category", flat=True)) == set(WorkCategory.values)
    shuji = User.objects.get(username="shuji")
    # The demo is seeded at WORLD_NOW (1 June): its four weeks of field work are in May.
    month = (WORLD_NOW.date().replace(day=1) - timedelta(days=1)).replace(day=1)
    tally = {t.worker.username: t for t in work_tally(shuji, month)}
    assert {"wangge", "wangge2", "wangge3"} <= set(tally)
    kinds = list(WorkCategory.values)
    for worker in ("wangge", "wangge2", "wangge3"):
        assert tally[worker].counts[kinds.index("patrol")] > 0  # the patrols counted
    # and the home visits of the demo, as 勤走访
    assert sum(tally[w].counts[kinds.index("visit")] for w in ("wangge", "wangge2", "wangge3"))


def test_hazards_were_found_on_patrols_with_photos_and_some_were_fixed(demo_module, seeded):
    hazards = Hazard.objects.filter(building__community__name=YUJING, patrol__isnull=False)
    assert hazards.count() == 5
    assert hazards.filter(status=HazardStatus.FIXED).count() == 2
    for hazard in hazards:
        assert hazard.patrol.check_ins.filter(building=hazard.building).exists()
        photos = list(hazard.photos.all())
        assert PhotoStage.FOUND in {p.stage for p in photos}
        for photo in photos:
            assert (demo_module.media / photo.image.name).is_file()
            assert photo.width > 0
    for hazard in hazards.filter(status=HazardStatus.FIXED):
        assert hazard.photos.filter(stage=PhotoStage.FIXED).exists()
        assert hazard.created_at < hazard.fixed_at <= timezone.now()


def test_the_secretary_opens_a_patrol_record_from_the_demo(client, seeded):
    client.force_login(User.objects.get(username="shuji"))
    patrol = Hazard.objects.filter(building__community__name=YUJING, patrol__isnull=False)[0].patrol
    page = client.get(reverse("grids:patrol-detail", args=[patrol.pk])).content.decode()
    assert 'data-testid="check-in"' in page
    assert 'data-testid="patrol-hazard"' in page
