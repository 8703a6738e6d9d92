"""A small world for scoping tests: two streets, three communities, their people.

Street A (许庄) has communities X (御景花园) and Y (京杭佳苑) and a department;
street B (another street) has community Z. Each person below holds one role.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from community.models import Community, Department, Role, Street, User
from tests.community.factories import (
    CommunityFactory,
    DepartmentFactory,
    StreetFactory,
    UserFactory,
    person,
)

# The requests world (tests.petitions.conftest, on the grids world) for the API's
# schema and out-of-range tests of this folder.
from tests.grids.conftest import gw  # noqa: F401 - the fixture pw builds on
from tests.petitions.conftest import pw  # noqa: F401 - the fixture


@dataclass
class World:
    street_a: Street
    street_b: Street
    x: Community
    y: Community
    z: Community
    dept_a: Department
    dept_b: Department
    secretary_x: User
    worker_x: User
    resident_x: User
    secretary_y: User
    secretary_z: User
    dispatcher_a: User
    dispatcher_b: User
    handler_a: User
    admin: User


@pytest.fixture
def world(db, clock) -> World:
    street_a = StreetFactory(name="许庄街道")
    street_b = StreetFactory(name="南张街道")
    x = CommunityFactory(street=street_a, name="御景花园社区")
    y = CommunityFactory(street=street_a, name="京杭佳苑社区")
    z = CommunityFactory(street=street_b, name="南张社区")
    dept_a = DepartmentFactory(street=street_a, name="许庄综合执法中队")
    dept_b = DepartmentFactory(street=street_b, name="南张综合执法中队")
    return World(
        street_a=street_a,
        street_b=street_b,
        x=x,
        y=y,
        z=z,
        dept_a=dept_a,
        dept_b=dept_b,
        secretary_x=person(Role.SECRETARY, x, username="secretary_x"),
        worker_x=person(Role.GRID_WORKER, x, username="worker_x"),
        resident_x=person(Role.RESIDENT, x, username="resident_x"),
        secretary_y=person(Role.SECRETARY, y, username="secretary_y"),
        secretary_z=person(Role.SECRETARY, z, username="secretary_z"),
        dispatcher_a=person(Role.STREET_DISPATCHER, street_a, username="dispatcher_a"),
        dispatcher_b=person(Role.STREET_DISPATCHER, street_b, username="dispatcher_b"),
        handler_a=person(Role.DEPARTMENT_HANDLER, dept_a, username="handler_a"),
        admin=UserFactory(username="root", is_superuser=True, is_staff=True),
    )
