"""A community with two basic grids and a police overlay grid, and its people.

Community X (御景花园) has grid 1 (building 1, worker_1, party leader, cadre)
and grid 2 (building 2, worker_2); a police grid covers building 2 with
officer. secretary_x leads X; dispatcher oversees the street; community Y has
its own secretary and a resident; tenant is a resident of building 1 with a
portal account.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from community.models import Role, User
from grids.models import Building, Duty, Grid, GridKind, GridStaff, Resident, ResidentTag
from tests.community.factories import CommunityFactory, StreetFactory, UserFactory, person
from tests.grids.factories import BuildingFactory, GridFactory, ResidentFactory, UnitFactory


@dataclass
class GridWorld:
    grid_1: Grid
    grid_2: Grid
    police: Grid
    building_1: Building
    building_2: Building
    elder_1: Resident  # grid 1, living alone, heart disease
    elder_2: Resident  # grid 2
    outsider: Resident  # community Y
    tenant: Resident  # grid 1, has a portal account
    worker_1: User
    worker_2: User
    party_leader_1: User
    officer: User
    secretary_x: User
    secretary_y: User
    dispatcher: User
    admin: User


def _resident(building: Building, **kwargs) -> Resident:
    unit = building.units.first() or UnitFactory(building=building)
    return ResidentFactory(household__unit=unit, **kwargs)


@pytest.fixture
def gw(db, clock) -> GridWorld:
    street = StreetFactory(name="许庄街道")
    x = CommunityFactory(street=street, name="御景花园社区")
    y = CommunityFactory(street=street, name="京杭佳苑社区")
    grid_1 = GridFactory(community=x, name="第一网格")
    grid_2 = GridFactory(community=x, name="第二网格")
    grid_y = GridFactory(community=y, name="京杭一网格")
    police = GridFactory(community=x, name="警务网格", kind=GridKind.POLICE)
    building_1 = BuildingFactory(grid=grid_1, number=1)
    building_2 = BuildingFactory(grid=grid_2, number=2)
    building_y = BuildingFactory(grid=grid_y, number=1)
    police.overlay_buildings.add(building_2)

    worker_1 = person(Role.GRID_WORKER, x, username="worker_1")
    worker_2 = person(Role.GRID_WORKER, x, username="worker_2")
    party_leader_1 = UserFactory(username="party_leader_1")
    officer = UserFactory(username="officer")
    GridStaff.objects.create(grid=grid_1, user=worker_1, duty=Duty.GRID_WORKER)
    GridStaff.objects.create(grid=grid_1, user=party_leader_1, duty=Duty.PARTY_LEADER)
    GridStaff.objects.create(grid=grid_2, user=worker_2, duty=Duty.GRID_WORKER)
    GridStaff.objects.create(grid=police, user=officer, duty=Duty.OVERLAY_STAFF)

    elder_1 = _resident(building_1, name="张奶奶", phone="13812348000", health_note="冠心病")
    ResidentTag.objects.create(resident=elder_1, tag="living_alone")
    tenant_account = UserFactory(username="tenant")
    return GridWorld(
        grid_1=grid_1,
        grid_2=grid_2,
        police=police,
        building_1=building_1,
        building_2=building_2,
        elder_1=elder_1,
        elder_2=_resident(building_2, name="李爷爷", phone="13912345678", health_note="高血压"),
        outsider=_resident(building_y, name="王阿姨"),
        tenant=_resident(building_1, name="赵先生", user=tenant_account),
        worker_1=worker_1,
        worker_2=worker_2,
        party_leader_1=party_leader_1,
        officer=officer,
        secretary_x=person(Role.SECRETARY, x, username="secretary_x"),
        secretary_y=person(Role.SECRETARY, y, username="secretary_y"),
        dispatcher=person(Role.STREET_DISPATCHER, street, username="dispatcher"),
        admin=UserFactory(username="root", is_superuser=True, is_staff=True),
    )
