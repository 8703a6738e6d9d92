"""The grids world (tests.grids.conftest) plus the street's departments and a request.

On top of ``gw``: department ``city`` (城管) of the same street with its handler,
``power`` with its own handler, a department of another street, a street lead,
a resident account (``tenant``, building 1, grid 1) and a neighbour in grid 2.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from community.models import Department, Role, User
from grids.models import Building
from petitions import services
from petitions.models import Category, Petition
from tests.community.factories import DepartmentFactory, StreetFactory, UserFactory, person
from tests.grids.conftest import GridWorld, _resident, gw  # noqa: F401 - the fixture


@dataclass
class PetitionWorld:
    gw: GridWorld
    city: Department
    power: Department
    far_department: Department
    handler: User  # city management
    power_handler: User
    far_handler: User
    lead: User  # street lead
    tenant: User  # resident account in building 1 (grid 1)
    neighbour: User  # resident account in building 2 (grid 2)
    resident_y: User  # resident account in community Y

    @property
    def building_1(self) -> Building:
        return self.gw.building_1

    def submit(self, **kwargs) -> Petition:
        """The tenant files a request at building 1 (grid 1)."""
        fields = {
            "actor": self.tenant,
            "building": self.gw.building_1,
            "category": Category.SAFETY,
            "description": "楼道里电动车飞线充电",
        }
        fields.update(kwargs)
        return services.petition_submit(**fields)


def move(p: Petition, actor: User, action: str, **kwargs) -> Petition:
    return services.petition_move(petition=p, actor=actor, action=action, **kwargs)


def walk_to(pw: PetitionWorld, p: Petition, stop: str) -> Petition:
    """Move a request along the street road until its status is ``stop``."""
    g = pw.gw
    steps = [
        ("accepted", g.worker_1, "accept", {}),
        ("escalated", g.secretary_x, "escalate", {"reason": "需要城管处理"}),
        ("dispatched", g.dispatcher, "dispatch", {"department": pw.city}),
        ("in_progress", pw.handler, "sign", {}),
        ("replied", pw.handler, "reply", {"result": "已清理飞线，安装充电桩"}),
        ("resolved", g.dispatcher, "approve", {}),
        ("called_back", g.worker_1, "callback", {"note": "居民确认已解决"}),
    ]
    for status, actor, action, kwargs in steps:
        if p.status == stop:
            return p
        p = move(p, actor, action, **kwargs)
        assert p.status == status, (action, p.status)
    assert p.status == stop
    return p


@pytest.fixture
def pw(gw) -> PetitionWorld:  # noqa: F811 - gw is the fixture imported above
    street = g_street = gw.grid_1.community.street
    other_street = StreetFactory(name="运河街道")
    city = DepartmentFactory(street=street, name="街道城管中队")
    power = DepartmentFactory(street=g_street, name="供电所", kind="power_supply")
    far = DepartmentFactory(street=other_street, name="运河城管")
    tenant = gw.tenant.user
    neighbour = UserFactory(username="neighbour")
    _resident(gw.building_2, name="钱女士", user=neighbour)
    y_user = UserFactory(username="resident_y")
    gw.outsider.user = y_user
    gw.outsider.save(update_fields=["user"])
    return PetitionWorld(
        gw=gw,
        city=city,
        power=power,
        far_department=far,
        handler=person(Role.DEPARTMENT_HANDLER, city, username="handler"),
        power_handler=person(Role.DEPARTMENT_HANDLER, power, username="power_handler"),
        far_handler=person(Role.DEPARTMENT_HANDLER, far, username="far_handler"),
        lead=person(Role.STREET_LEAD, street, username="lead"),
        tenant=tenant,
        neighbour=neighbour,
        resident_y=y_user,
    )
