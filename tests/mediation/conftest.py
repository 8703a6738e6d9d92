"""The grids world (tests.grids.conftest) plus the community's mediation room.

Community X (御景花园) has mediator ``mediator_x`` and secretary ``secretary_x``;
community Y has ``mediator_y``. ``tenant`` (building 1) has a portal account and is
a party to the case ``case`` opened by mediator_x with the outsider 李师傅.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from community.models import Role, User
from mediation import services
from mediation.models import MediationCase
from tests.community.factories import person
from tests.grids.conftest import GridWorld, gw  # noqa: F401 - the fixture


@dataclass
class RoomWorld:
    gw: GridWorld
    mediator_x: User
    mediator_y: User

    @property
    def tenant(self) -> User:
        return self.gw.tenant.user

    def open_case(self, **kwargs) -> MediationCase:
        fields = {
            "actor": self.mediator_x,
            "community": self.gw.grid_1.community,
            "source": "walk_in",
            "dispute_type": "damages",
            "facts": "访客夜间停车时刮伤邻居的电动汽车，在雨刮器上留了电话，次日仍未联系上车主。",
            "parties": [
                services.PartyInput(role="applicant", name="赵先生", phone=self.gw.tenant.phone),
                services.PartyInput(role="respondent", name="李师傅", phone="13700001111"),
            ],
        }
        fields.update(kwargs)
        return services.case_open(**fields)


@pytest.fixture
def rw(gw) -> RoomWorld:  # noqa: F811 - gw is the fixture imported above
    x = gw.grid_1.community
    y = gw.outsider.household.unit.building.community
    gw.tenant.phone = "13600002222"
    gw.tenant.save(update_fields=["phone"])
    return RoomWorld(
        gw=gw,
        mediator_x=person(Role.MEDIATOR, x, username="mediator_x"),
        mediator_y=person(Role.MEDIATOR, y, username="mediator_y"),
    )
