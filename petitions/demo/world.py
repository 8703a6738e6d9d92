"""Who and where the demo requests need: the street's desks, a handler for every
department, and a few residents with their own portal login.

The community demo makes one handler (城管, ``chengguan``); the street's other
departments get one here, and 京杭佳苑 its own property office. Residents with a
login are real residents of the grids demo, linked to their account the way a
grid worker would (``resident_link_account``). All of it is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from community.management.commands.seed_demo import DEFAULT_PASSWORD, JINGHANG, YUJING
from community.models import Community, Department, DepartmentKind, Membership, Role, User
from community.services import membership_grant
from grids.models import Building, BuildingUnit, Duty, GridStaff, Resident
from grids.services.residents import resident_link_account
from petitions.services import deadline_hours

COMMUNITIES = (YUJING, JINGHANG)
JINGHANG_PROPERTY = ("京杭佳苑物业服务中心", "0537-2300142")


@dataclass(frozen=True)
class HandlerAccount:
    username: str
    name: str
    phone: str
    unit: str  # the department's name


DEPARTMENT_KINDS = {
    "city": DepartmentKind.CITY_MANAGEMENT,
    "police": DepartmentKind.POLICE,
    "power": DepartmentKind.POWER_SUPPLY,
    "housing": DepartmentKind.HOUSING,
}
HANDLERS = [
    HandlerAccount("gongdian", "钱国栋", "13800000021", "许庄供电所"),
    HandlerAccount("minjing", "韩冰", "13800000024", "许庄派出所"),
    HandlerAccount("zhujian", "冯志刚", "13800000023", "许庄街道住建办"),
    HandlerAccount("wuye", "孙丽娟", "13800000022", "御景花园物业服务中心"),
    HandlerAccount("wuye_jh", "何建军", "13800000025", JINGHANG_PROPERTY[0]),
]
# Buildings where a resident has a login of their own (besides jumin of the
# community demo, whom the grids demo housed in 御景花园 building 1).
RESIDENT_HOMES = {YUJING: ("yj", (2, 4, 5, 7, 9, 10, 11)), JINGHANG: ("jh", (2, 5))}


@dataclass
class Place:
    """One community: its desks, buildings and people."""

    community: Community
    secretary: User
    workers: list[User]
    worker_of: dict[int, User]  # basic grid pk -> its grid worker
    buildings: list[Building]
    units: dict[tuple[int, int], BuildingUnit]  # (building pk, unit number)
    residents: dict[int, list[Resident]]  # building pk -> residents without a login
    accounts: list[tuple[User, Building]]  # residents with a login, and their building
    property: Department


@dataclass
class World:
    places: list[Place]
    departments: dict[str, Department]
    handlers: dict[int, User]  # department pk -> its handler
    dispatcher: User
    lead: User
    resident_accounts: list[User]
    _hours: dict[tuple[str, str], int] = field(default_factory=dict)

    def hours(self, category: str, priority: str) -> int:
        key = (category, priority)
        if key not in self._hours:
            self._hours[key] = deadline_hours(category, priority)
        return self._hours[key]

    def department(self, key: str, place: Place) -> Department:
        return place.property if key == "property" else self.departments[key]


class _Password:
    """The demo password, hashed once and only if an account is made (hashing
    is slow on purpose)."""

    def __init__(self) -> None:
        self._hash = ""

    def hashed(self) -> str:
        if not self._hash:
            self._hash = make_password(DEFAULT_PASSWORD)
        return self._hash


def _account(username: str, name: str, phone: str, password: _Password) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create(
            username=username, name=name, phone=phone, password=password.hashed()
        )
    return user


def _member(role: str, **unit: object) -> User | None:
    m = Membership.objects.active().filter(role=role, **unit).select_related("user")
    first = m.order_by("pk").first()
    return first.user if first else None


def _departments(street_id: int, admin: User, password: _Password) -> dict[str, Department]:
    departments = {
        key: Department.objects.filter(street=street_id, kind=kind).order_by("pk").first()
        for key, kind in DEPARTMENT_KINDS.items()
    }
    jh_property, _created = Department.objects.get_or_create(
        street_id=street_id,
        name=JINGHANG_PROPERTY[0],
        defaults={"kind": DepartmentKind.PROPERTY, "phone": JINGHANG_PROPERTY[1]},
    )
    yj_property = (
        Department.objects.filter(street=street_id, kind=DepartmentKind.PROPERTY)
        .exclude(pk=jh_property.pk)
        .order_by("pk")
        .first()
    )
    found = {k: d for k, d in departments.items() if d is not None}
    found["property_yj"] = yj_property or jh_property
    found["property_jh"] = jh_property
    by_name = {d.name: d for d in found.values()}
    for h in HANDLERS:
        department = by_name.get(h.unit)
        if (
            department is not None
            and _member(Role.DEPARTMENT_HANDLER, department=department) is None
        ):
            user = _account(h.username, h.name, h.phone, password)
            membership_grant(user=user, role=Role.DEPARTMENT_HANDLER, unit=department, actor=admin)
    return found


def _resident_accounts(
    community: Community, workers: dict[int, User], password: _Password
) -> list[tuple[User, Building]]:
    code, numbers = RESIDENT_HOMES[community.name]
    accounts = []
    for i, number in enumerate(numbers, start=1):
        building = community.buildings.get(number=number)
        username = f"jumin_{code}{i}"
        user = User.objects.filter(username=username).first()
        if user is None or not Resident.objects.filter(user=user).exists():
            resident = (
                Resident.objects.filter(
                    household__unit__building=building,
                    user__isnull=True,
                    birth_year__range=(1958, 1995),
                )
                .exclude(phone="")
                .exclude(phone__in=User.objects.filter(phone__isnull=False).values("phone"))
                .order_by("pk")
                .first()
            )
            if resident is None or (user is not None and user.phone != resident.phone):
                continue  # nobody to link here (or the login is someone else's)
            user = user or _account(username, resident.name, resident.phone, password)
            resident_link_account(actor=workers[building.grid_id], resident=resident, account=user)
        accounts.append((user, building))
    return accounts


def _place(community: Community, departments: dict[str, Department], password: _Password) -> Place:
    secretary = _member(Role.SECRETARY, community=community)
    assert secretary is not None, f"{community} has no secretary"
    staff = GridStaff.objects.filter(grid__community=community, duty=Duty.GRID_WORKER)
    worker_of = {s.grid_id: s.user for s in staff.select_related("user").order_by("grid", "pk")}
    buildings = list(community.buildings.order_by("number"))
    units = {
        (u.building_id, u.number): u for u in BuildingUnit.objects.filter(building__in=buildings)
    }
    residents: dict[int, list[Resident]] = {}
    rows = Resident.objects.filter(
        household__unit__building__community=community, user__isnull=True
    ).select_related("household__unit__building")
    for r in rows.order_by("pk"):
        residents.setdefault(r.household.unit.building_id, []).append(r)
    accounts = _resident_accounts(community, worker_of, password)
    # Residents of the community demo with a login (jumin) come first.
    linked = (
        Resident.objects.filter(household__unit__building__community=community, user__isnull=False)
        .select_related("user", "household__unit__building")
        .order_by("pk")
    )
    mine = {u.pk for u, _b in accounts}
    others = [(r.user, r.household.unit.building) for r in linked if r.user_id not in mine]
    accounts = [(u, b) for u, b in others if u is not None] + accounts
    key = "property_yj" if community.name == YUJING else "property_jh"
    return Place(
        community=community,
        secretary=secretary,
        workers=list(dict.fromkeys(worker_of.values())),
        worker_of=worker_of,
        buildings=buildings,
        units=units,
        residents=residents,
        accounts=accounts,
        property=departments[key],
    )


def build_world(communities: list[Community]) -> World:
    admin = User.objects.get(username="admin")
    password = _Password()
    street_id = communities[0].street_id
    departments = _departments(street_id, admin, password)
    places = [_place(c, departments, password) for c in communities]
    handlers: dict[int, User] = {}
    for department in departments.values():
        handler = _member(Role.DEPARTMENT_HANDLER, department=department)
        assert handler is not None, f"{department} has no handler"
        handlers[department.pk] = handler
    dispatcher = _member(Role.STREET_DISPATCHER, street=street_id)
    lead = _member(Role.STREET_LEAD, street=street_id)
    assert dispatcher is not None
    assert lead is not None
    return World(
        places=places,
        departments=departments,
        handlers=handlers,
        dispatcher=dispatcher,
        lead=lead,
        resident_accounts=[u for p in places for u, _b in p.accounts],
    )
