"""Demo grids, buildings, households and residents, at the numbers of the reports.

御景花园社区: 11 buildings, 1,226 households, about 1,800 residents, 3 basic grids,
3 overlay grids, 85 e-bike charging points at 0.66 yuan per kWh. 京杭佳苑社区 is
smaller. Names are generated from common surnames and given names; every
person is fictional. Each community also gets four weeks of field work (patrols,
hazards with photos, the work log: ``grids.demo_fieldwork``). Called by
``manage.py seed_demo``; a second run adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from community.models import Community, User
from grids.demo_fieldwork import seed_fieldwork
from grids.models import (
    Building,
    BuildingUnit,
    CareTag,
    Duty,
    Facility,
    FacilityKind,
    Gender,
    Grid,
    GridKind,
    GridStaff,
    Household,
    Resident,
    ResidentTag,
    Visit,
)
from grids.services import notice_publish

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华玉兰萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳琳晨雪婷颖慧莉倩文辉力明永"  # noqa: E501


# Demo accounts that are residents of a community (see community's seed_demo).
RESIDENT_ACCOUNTS = {"御景花园社区": "jumin"}


@dataclass(frozen=True)
class CommunityPlan:
    name: str
    # (units, floors, occupied households) per building; four flats a floor
    buildings: list[tuple[int, int, int]]
    basic_grids: list[tuple[str, list[int], str]]  # name, building numbers, worker username
    overlay: bool
    residents: int
    charging_points: int


PLANS = [
    CommunityPlan(
        name="御景花园社区",
        # 10 buildings of 112 households and one of 106: 1,226 in all.
        buildings=[(2, 14, 112)] * 10 + [(2, 14, 106)],
        basic_grids=[
            ("第一网格", [1, 2, 3, 4], "wangge"),
            ("第二网格", [5, 6, 7, 8], "wangge2"),
            ("第三网格", [9, 10, 11], "wangge3"),
        ],
        overlay=True,
        residents=1812,
        charging_points=85,
    ),
    CommunityPlan(
        name="京杭佳苑社区",
        buildings=[(2, 6, 24)] * 6,
        basic_grids=[("京杭一网格", [1, 2, 3, 4, 5, 6], "wangge_jh")],
        overlay=False,
        residents=210,
        charging_points=20,
    ),
]
OVERLAY_GRIDS = [
    (GridKind.POLICE, "警务网格", "民警"),
    (GridKind.CITY_MANAGEMENT, "城管网格", "城管队员"),
    (GridKind.CIVILISED_CITY, "创城网格", "创城专员"),
]


def seed(*, stdout: TextIO) -> None:
    rng = random.Random(2026)  # noqa: S311 - demo data, the same on every machine
    with transaction.atomic():
        for plan in PLANS:
            community = Community.objects.get(name=plan.name)
            if community.buildings.exists():
                continue
            _seed_community(community, plan, rng)
            _seed_notices(community)
            fieldwork = seed_fieldwork(community)
            households = Household.objects.filter(unit__building__community=community)
            residents = Resident.objects.filter(household__unit__building__community=community)
            stdout.write(
                f"  {community}: {community.buildings.count()} buildings, "
                f"{households.count()} households, {residents.count()} residents"
            )
            stdout.write(fieldwork)


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


_PHONE_SEQ = iter(range(10_000_000, 99_999_999))


def _phone() -> str:
    return f"139{next(_PHONE_SEQ):08d}"


def _helper(username: str, name: str) -> User:
    """A person with a grid duty but no portal role of their own."""
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={"name": name, "password": make_password(None)},
    )
    return user


def _past_visits(
    community: Community, tagged: set[Resident], grids: dict[int, Grid], rng: random.Random
) -> None:
    """Tagged two months ago, most visited in the last three weeks: some visits
    are due this week, some overdue, as in a real grid."""
    today = timezone.localdate()
    ResidentTag.objects.filter(resident__in=tagged).update(since=today - timedelta(days=60))
    workers = {grid.pk: grid.staff.get(duty=Duty.GRID_WORKER).user for grid in set(grids.values())}
    visits = []
    for resident in sorted(tagged, key=lambda r: r.pk):
        if rng.random() < 0.8:
            building = resident.household.unit.building
            visits.append(
                Visit(
                    resident=resident,
                    worker=workers[building.grid_id],
                    visited_on=today - timedelta(days=rng.randint(1, 20)),
                    condition=rng.choice(["身体尚可", "精神不错", "血压偏高，已提醒服药"]),
                    card_left=True,
                )
            )
    Visit.objects.bulk_create(visits)


def _seed_community(community: Community, plan: CommunityPlan, rng: random.Random) -> None:
    grids: dict[int, Grid] = {}
    for grid_name, numbers, worker in plan.basic_grids:
        grid = Grid.objects.create(community=community, kind=GridKind.BASIC, name=grid_name)
        GridStaff.objects.create(
            grid=grid, user=User.objects.get(username=worker), duty=Duty.GRID_WORKER
        )
        GridStaff.objects.create(
            grid=grid,
            user=_helper(f"{worker}_dangzu", _person(rng)),
            duty=Duty.PARTY_LEADER,
        )
        GridStaff.objects.create(
            grid=grid, user=_helper(f"{worker}_ganbu", _person(rng)), duty=Duty.CADRE
        )
        for number in numbers:
            grids[number] = grid

    households: list[Household] = []
    units: list[BuildingUnit] = []
    for number, (unit_count, floors, occupied) in enumerate(plan.buildings, start=1):
        building = Building.objects.create(
            community=community,
            grid=grids[number],
            number=number,
            floors=floors,
        )
        building_units = BuildingUnit.objects.bulk_create(
            BuildingUnit(building=building, number=n) for n in range(1, unit_count + 1)
        )
        units.extend(building_units)
        rooms = [
            (unit, f"{floor}0{door}")
            for unit in building_units
            for floor in range(1, floors + 1)
            for door in (1, 2, 3, 4)
        ][:occupied]
        households.extend(Household(unit=unit, room=room) for unit, room in rooms)
    households = Household.objects.bulk_create(households)

    # Everyone gets one resident, the rest are spread at random.
    per_household = [1] * len(households)
    for _ in range(plan.residents - len(households)):
        per_household[rng.randrange(len(households))] += 1
    residents = []
    for household, count in zip(households, per_household, strict=True):
        for _ in range(count):
            residents.append(
                Resident(
                    household=household,
                    name=_person(rng),
                    phone=_phone() if rng.random() < 0.8 else "",
                    gender=rng.choice([Gender.FEMALE, Gender.MALE]),
                    birth_year=rng.randint(1935, 2020),
                )
            )
    residents = Resident.objects.bulk_create(residents)

    tags = []
    for resident in residents:
        if resident.birth_year and resident.birth_year < 1955:
            roll = rng.random()
            if roll < 0.12:
                tags.append(ResidentTag(resident=resident, tag=CareTag.LIVING_ALONE))
            if roll < 0.05:
                tags.append(ResidentTag(resident=resident, tag=CareTag.IN_DIFFICULTY))
            if rng.random() < 0.08:
                tags.append(ResidentTag(resident=resident, tag=CareTag.LIMITED_MOBILITY))
            if rng.random() < 0.1:
                tags.append(ResidentTag(resident=resident, tag=CareTag.CHRONIC_ILLNESS))
                resident.health_note = rng.choice(
                    ["冠心病，注意胸闷", "高血压，按时服药", "糖尿病"]
                )
    ResidentTag.objects.bulk_create(tags)
    Resident.objects.bulk_update([r for r in residents if r.health_note], ["health_note"])
    _past_visits(community, {t.resident for t in tags}, grids, rng)

    if plan.overlay:
        buildings = list(community.buildings.all())
        for kind, name, duty_name in OVERLAY_GRIDS:
            grid = Grid.objects.create(community=community, kind=kind, name=name)
            grid.overlay_buildings.set(buildings)
            GridStaff.objects.create(
                grid=grid,
                user=_helper(f"{kind}_{community.pk}", f"{_person(rng)}（{duty_name}）"),
                duty=Duty.OVERLAY_STAFF,
            )

    # The demo resident's account lives in building 1, so her requests go to grid 1.
    account = User.objects.filter(username=RESIDENT_ACCOUNTS.get(plan.name, "")).first()
    if account is not None:
        home = (
            Resident.objects.filter(
                household__unit__building__community=community,
                household__unit__building__number=1,
            )
            .order_by("pk")
            .first()
        )
        if home is not None:
            home.user, home.name, home.phone = account, account.name, account.phone or ""
            home.confirmed_at = timezone.now()
            home.save(update_fields=["user", "name", "phone", "confirmed_at"])

    # Charging piles in front of the first unit of each building, 85 points in all.
    first_units = [u for u in units if u.number == 1]
    points = [plan.charging_points // len(first_units)] * len(first_units)
    for i in range(plan.charging_points - sum(points)):
        points[i] += 1
    Facility.objects.bulk_create(
        Facility(
            unit=unit,
            kind=FacilityKind.CHARGING_PILE,
            count=count,
            price_per_kwh=Decimal("0.66"),
        )
        for unit, count in zip(first_units, points, strict=True)
    )


# Notices from the reports, published through the service by who would publish them:
# (community, author, title, body, building numbers, pinned, days shown from today)
NOTICES = [
    (
        "御景花园社区",
        "shuji",
        "疫苗接种：社区卫生室每三天一次，9:00–17:00",
        "社区卫生室每三天开展一次疫苗接种，时间 9:00–17:00。行动不便的居民请联系网格员，"
        "我们安排上门服务。",
        [],
        True,
        None,
    ),
    (
        "御景花园社区",
        "wangge3",
        "11号楼停电检修通知",
        "因线路检修，11号楼本周四 8:00–12:00 停电，请提前做好准备，电梯暂停使用。",
        [11],
        False,
        4,
    ),
    (
        "御景花园社区",
        "shuji",
        "新增电动车充电桩 85 个",
        "各楼一单元门前新增电动车充电桩共 85 个，刷卡充电，每度 0.66 元。请勿飞线充电。",
        [],
        False,
        None,
    ),
]


def _seed_notices(community: Community) -> None:
    now = timezone.now()
    for name, author, title, body, numbers, pinned, days in NOTICES:
        actor = User.objects.filter(username=author).first()
        if name != community.name or actor is None:
            continue
        notice_publish(
            actor=actor,
            community=community,
            title=title,
            body=body,
            buildings=list(community.buildings.filter(number__in=numbers)),
            pinned=pinned,
            ends_at=now + timedelta(days=days) if days else None,
        )
