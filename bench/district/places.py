"""The district's streets, communities, departments, grids, desks, buildings, households,
residents and their accounts; and the plain ids the requests are played with."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bench.district.rows import Table, next_id, progress, reset_sequences
from bench.district.sizes import Size
from community.management.commands.seed_demo import DEFAULT_PASSWORD, JINGHANG, STREET, YUJING
from community.models import (
    Community,
    Department,
    DepartmentKind,
    Membership,
    Role,
    Street,
    User,
)
from community.sorting import pinyin_key
from grids.models import (
    Building,
    BuildingUnit,
    Duty,
    Gender,
    Grid,
    GridKind,
    GridStaff,
    Household,
    Resident,
)


class Output(Protocol):
    """Where progress is told: a stream, or a management command's stdout."""

    def write(self, text: str, /) -> Any: ...


# --- Names ---------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚建华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳琳晨雪婷颖慧莉倩文辉力永"  # noqa: E501
STREET_NAMES = [
    "南张",
    "石桥",
    "唐口",
    "安居",
    "接庄",
    "喻屯",
    "长沟",
    "王因",
    "黄屯",
    "李营",
    "柳行",
    "古槐",
    "越河",
    "济阳",
    "仙营",
    "观音阁",
    "金城",
    "阜桥",
    "洸河",
    "任城",
    "许庄北",
    "新城",
    "北湖",
    "南池",
]
ESTATES = [
    "阳光",
    "和谐",
    "幸福",
    "金色",
    "锦绣",
    "翠苑",
    "明珠",
    "滨河",
    "书香",
    "丽景",
    "华府",
    "清华",
    "盛世",
    "康居",
    "嘉园",
    "东方",
    "南苑",
    "北辰",
    "西城",
    "运河",
    "泉城",
    "凤凰",
    "龙湾",
    "御园",
]
DEPARTMENTS = [
    ("city", DepartmentKind.CITY_MANAGEMENT, "综合执法中队"),
    ("police", DepartmentKind.POLICE, "派出所"),
    ("power", DepartmentKind.POWER_SUPPLY, "供电所"),
    ("property", DepartmentKind.PROPERTY, "物业服务中心"),
    ("housing", DepartmentKind.HOUSING, "住建办"),
]
KIND_KEY: dict[str, str] = {kind: key for key, kind, _suffix in DEPARTMENTS}
CATEGORY_ZH = {
    "safety": "安全隐患",
    "utilities": "水电气暖",
    "sanitation": "环境卫生",
    "facilities": "公共设施",
    "property": "物业管理",
    "neighbours": "邻里纠纷",
    "other": "其他",
}


def person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


# --- The places and people -----------------------------------------------------------


@dataclass
class Place:
    """One community with what its requests need, as plain ids."""

    community_id: int
    name: str
    street_id: int
    secretary: int
    worker_of: dict[int, int]  # basic grid id -> its grid worker's user id
    buildings: list[tuple[int, int, int, list[int]]]  # (id, number, grid id, unit ids)
    residents: dict[int, list[tuple[int, str, str]]]  # building id -> (id, name, phone)
    accounts: list[tuple[int, str, str, int]]  # (user id, name, phone, resident id)
    departments: dict[str, int]  # key -> department id
    is_demo: bool
    # building id -> its name in messages (str(Building): its name, or "3号楼")
    building_name: dict[int, str] = field(default_factory=dict)


@dataclass
class Desks:
    """A street's desks: dispatcher, lead, and a handler for each department."""

    dispatcher: int
    lead: int | None  # the deadline ladder's second rung for the street's side
    handler_of: dict[int, int]  # department id -> handler user id
    department_name: dict[int, str]


@dataclass
class District:
    places: list[Place]
    streets: dict[int, Desks]
    names: dict[int, str]  # user id -> name
    hours: dict[tuple[str, str], int] = field(default_factory=dict)


class Grower:
    def __init__(self, size: Size, *, seed: int, demo_share: float, stdout: Output) -> None:
        self.size = size
        self.rng = random.Random(seed)
        self.demo_share = demo_share
        self.stdout = stdout
        self.password = make_password(DEFAULT_PASSWORD)
        self.now = timezone.now()
        self.pg = connection.vendor == "postgresql"
        self._phone = 15_000_000_000
        self.quiet: set[int] = set()  # demo resident logins kept out of the requests

    def phone(self) -> str:
        self._phone += 1
        return str(self._phone)

    def log(self, text: str) -> None:
        self.stdout.write(text + "\n")

    # --- Organisation (small: the ORM's bulk_create) ----------------------------------

    def organisation(self) -> District:
        demo_street = Street.objects.get(name=STREET)
        admin = User.objects.get(username="admin")
        streets = [demo_street]
        new_streets = [
            Street(name=f"{STREET_NAMES[i % len(STREET_NAMES)]}{i // len(STREET_NAMES) or ''}街道")
            for i in range(self.size.streets - 1)
        ]
        for s in new_streets:
            s.district = "济宁市太白湖新区"
        streets += Street.objects.bulk_create(new_streets)
        # New communities, round-robin over the streets (the demo street has two).
        per_street: dict[int, list[Community]] = {s.pk: [] for s in streets}
        new_communities = []
        for i in range(self.size.new_communities):
            street = streets[(i + 1) % len(streets)] if len(streets) > 1 else streets[0]
            estate = ESTATES[i % len(ESTATES)]
            c = Community(
                street=street,
                name=f"{estate}{i // len(ESTATES) + 1}号社区",
                address=f"{street.name}{estate}小区社区服务中心",
                phone=f"0537-{2400000 + i}",
            )
            new_communities.append(c)
        new_communities = Community.objects.bulk_create(new_communities)
        for c in new_communities:
            per_street[c.street_id].append(c)
        departments = self._departments(streets[1:])
        staff = self._staff(streets[1:], new_communities, departments, admin)
        grids = self._grids(new_communities, staff)
        self._places(new_communities, grids)
        return self._district(demo_street, streets)

    def _departments(self, streets: list[Street]) -> list[Department]:
        rows = [
            Department(street=s, name=f"{s.name.removesuffix('街道')}{suffix}", kind=kind, phone="")
            for s in streets
            for _key, kind, suffix in DEPARTMENTS
        ]
        return Department.objects.bulk_create(rows)

    def _staff(
        self,
        streets: list[Street],
        communities: list[Community],
        departments: list[Department],
        admin: User,
    ) -> dict[int, list[User]]:
        """Accounts for each new unit's desks; returns community id -> grid workers."""
        people: list[tuple[User, str, dict[str, Any]]] = []
        n = 0

        def account(role: str, **unit: Any) -> User:
            nonlocal n
            n += 1
            name = person(self.rng)
            user = User(
                username=f"d{n:05d}",
                name=name,
                name_sort=pinyin_key(name),  # bulk_create skips User.save()
                phone=self.phone(),
                password=self.password,
            )
            people.append((user, role, unit))
            return user

        for s in streets:
            account(Role.STREET_DISPATCHER, street=s)
            account(Role.STREET_LEAD, street=s)
        for d in departments:
            account(Role.DEPARTMENT_HANDLER, department=d)
        workers: dict[int, list[User]] = {}
        for c in communities:
            account(Role.SECRETARY, community=c)
            workers[c.pk] = [
                account(Role.GRID_WORKER, community=c) for _ in range(self.size.basic_grids)
            ]
        User.objects.bulk_create([u for u, _r, _u in people])
        Membership.objects.bulk_create(
            Membership(user=u, role=role, granted_by=admin, **unit) for u, role, unit in people
        )
        return workers

    def _grids(
        self, communities: list[Community], workers: dict[int, list[User]]
    ) -> dict[int, list[Grid]]:
        grids = [
            # position: what Grid.save() would read from the name (bulk_create skips it)
            Grid(community=c, kind=GridKind.BASIC, name=f"第{i + 1}网格", position=i + 1)
            for c in communities
            for i in range(self.size.basic_grids)
        ]
        grids = Grid.objects.bulk_create(grids)
        by_community: dict[int, list[Grid]] = {}
        for g in grids:
            by_community.setdefault(g.community_id, []).append(g)
        GridStaff.objects.bulk_create(
            GridStaff(grid=g, user=w, duty=Duty.GRID_WORKER)
            for c in communities
            for g, w in zip(by_community[c.pk], workers[c.pk], strict=True)
        )
        return by_community

    def _places(self, communities: list[Community], grids: dict[int, list[Grid]]) -> None:
        """Buildings, units and households (COPY), residents and their accounts."""
        size = self.size
        # About 2.4 residents a household: the buildings a community needs.
        households_needed = max(1, round(size.residents_per_community / 2.4))
        per_building = 2 * size.households_per_unit
        n_buildings = max(size.basic_grids, -(-households_needed // per_building))
        buildings = []
        for c in communities:
            for number in range(1, n_buildings + 1):
                grid = grids[c.pk][(number - 1) * size.basic_grids // n_buildings]
                buildings.append(
                    Building(community=c, grid=grid, number=number, floors=11, name="")
                )
        buildings = Building.objects.bulk_create(buildings)
        units = BuildingUnit.objects.bulk_create(
            BuildingUnit(building=b, number=u) for b in buildings for u in (1, 2)
        )
        now = self.now.timestamp()
        household_id = next_id(Household)
        households: list[dict[str, Any]] = []
        unit_of_community: dict[int, list[int]] = {}
        community_of_building = {b.pk: b.community_id for b in buildings}
        for u in units:
            hs = unit_of_community.setdefault(community_of_building[u.building_id], [])
            for k in range(size.households_per_unit):
                floor, flat = divmod(k, 4)
                households.append(
                    {
                        "id": household_id,
                        "unit_id": u.pk,
                        "room": f"{floor + 1}{flat + 1:02d}",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                hs.append(household_id)
                household_id += 1
        Table(Household).write(households)
        self._residents(communities, unit_of_community)
        reset_sequences([Household])

    def _residents(self, communities: list[Community], households: dict[int, list[int]]) -> None:
        """Residents of each new community, 5 % of them with a portal account."""
        rng, now = self.rng, self.now.timestamp()
        resident_id, user_id = next_id(Resident), next_id(User)
        membership_id = next_id(Membership)
        residents, users, memberships = Table(Resident), Table(User), Table(Membership)
        year = self.now.year
        with progress(len(communities) * self.size.residents_per_community, "residents") as bar:
            for c in communities:
                rows, accounts, roles = [], [], []
                hs = households[c.pk]
                for k in range(self.size.residents_per_community):
                    phone = self.phone() if rng.random() < 0.7 else ""
                    row = {
                        "id": resident_id,
                        "household_id": hs[k * len(hs) // self.size.residents_per_community],
                        "name": person(rng),
                        "phone": phone,
                        "gender": rng.choice((Gender.FEMALE, Gender.MALE)),
                        "birth_year": year - rng.randint(1, 95),
                        "created_at": now,
                        "updated_at": now,
                    }
                    if phone and rng.random() < 0.07:
                        accounts.append(
                            {
                                "id": user_id,
                                "username": f"r{resident_id}",
                                "name": row["name"],
                                "name_sort": pinyin_key(str(row["name"])),
                                "phone": phone,
                                "password": self.password,
                                "email": "",
                                "is_superuser": False,
                                "is_staff": False,
                                "is_active": True,
                                "date_joined": now,
                            }
                        )
                        roles.append(
                            {
                                "id": membership_id,
                                "user_id": user_id,
                                "role": Role.RESIDENT,
                                "community_id": c.pk,
                                "created_at": now,
                                "updated_at": now,
                            }
                        )
                        row["user_id"], row["confirmed_at"] = user_id, now
                        user_id += 1
                        membership_id += 1
                    rows.append(row)
                    resident_id += 1
                # Accounts first: residents point at them.
                users.write(accounts)
                residents.write(rows)
                memberships.write(roles)
                bar.update(len(rows))
        reset_sequences([Resident, User, Membership])

    def _district(self, demo_street: Street, streets: list[Street]) -> District:
        """Read back every community's desks and places (demo ones included)."""
        self._demo_accounts()
        names: dict[int, str] = {}
        desks: dict[int, Desks] = {}
        departments_of: dict[int, dict[str, list[Department]]] = {}
        for d in Department.objects.filter(street__in=streets).order_by("pk"):
            departments_of.setdefault(d.street_id, {}).setdefault(KIND_KEY.get(d.kind, ""), [])
            departments_of[d.street_id][KIND_KEY.get(d.kind, "")].append(d)
        active = Membership.objects.active().select_related("user").order_by("pk")
        first: dict[tuple[str, int], int] = {}
        street_desks = [Role.STREET_DISPATCHER, Role.STREET_LEAD, Role.DEPARTMENT_HANDLER]
        for m in active.filter(role__in=street_desks):
            unit = m.street_id or m.department_id
            assert unit is not None
            first.setdefault((m.role, unit), m.user_id)
            names[m.user_id] = m.user.name or m.user.username
        for s in streets:
            deps = [d for ds in departments_of.get(s.pk, {}).values() for d in ds]
            desks[s.pk] = Desks(
                dispatcher=first[(Role.STREET_DISPATCHER, s.pk)],
                lead=first.get((Role.STREET_LEAD, s.pk)),
                handler_of={
                    d.pk: first[(Role.DEPARTMENT_HANDLER, d.pk)]
                    for d in deps
                    if (Role.DEPARTMENT_HANDLER, d.pk) in first
                },
                department_name={d.pk: d.name for d in deps},
            )
        secretaries: dict[int, int] = {}
        for m in active.filter(role=Role.SECRETARY):
            if m.community_id is not None:
                secretaries.setdefault(m.community_id, m.user_id)
            names[m.user_id] = m.user.name or m.user.username
        places = []
        communities = Community.objects.filter(street__in=streets).order_by("pk")
        for c in communities:
            staff = GridStaff.objects.filter(
                grid__community=c, grid__kind=GridKind.BASIC, duty=Duty.GRID_WORKER
            ).select_related("user")
            worker_of: dict[int, int] = {}
            for gs in staff.order_by("pk"):
                worker_of.setdefault(gs.grid_id, gs.user_id)
                names[gs.user_id] = gs.user.name or gs.user.username
            units: dict[int, list[int]] = {}
            for unit_id, building_id in (
                BuildingUnit.objects.filter(building__community=c)
                .order_by("pk")
                .values_list("pk", "building_id")
            ):
                units.setdefault(building_id, []).append(unit_id)
            rows_b = (
                c.buildings.filter(grid_id__in=worker_of)
                .order_by("number")
                .values_list("pk", "number", "grid_id", "name")
            )
            buildings = [
                (pk, number, grid_id, units.get(pk, [])) for pk, number, grid_id, _n in rows_b
            ]
            with translation.override(settings.LANGUAGE_CODE):
                building_name = {
                    pk: name or str(_("Building %(number)s") % {"number": number})
                    for pk, number, _g, name in rows_b
                }
            if not buildings or c.pk not in secretaries:
                continue
            residents: dict[int, list[tuple[int, str, str]]] = {}
            accounts = []
            rows = (
                Resident.objects.filter(household__unit__building__community=c)
                .order_by("pk")
                .values_list("pk", "name", "phone", "household__unit__building_id", "user_id")
            )
            for pk, name, phone, building_id, user_id in rows:
                if user_id is None:
                    residents.setdefault(building_id, []).append((pk, name, phone))
                elif name:
                    accounts.append((user_id, name, phone, pk))
            accounts = [a for a in accounts if a[0] not in self.quiet]
            keys = departments_of.get(c.street_id, {})
            chosen = {}
            for key, ds in keys.items():
                # A community's own property office if the street has one named after it.
                own = [d for d in ds if d.name.startswith(c.name.removesuffix("社区"))]
                chosen[key] = (own or ds)[0].pk
            places.append(
                Place(
                    community_id=c.pk,
                    name=c.name,
                    street_id=c.street_id,
                    secretary=secretaries[c.pk],
                    worker_of=worker_of,
                    buildings=buildings,
                    residents=residents,
                    accounts=accounts,
                    departments=chosen,
                    is_demo=c.street_id == demo_street.pk and c.name in (YUJING, JINGHANG),
                    building_name=building_name,
                )
            )
        return District(places=places, streets=desks, names=names)

    def _demo_accounts(self) -> None:
        """Give 5 % of the demo communities' residents a login, so that their
        online requests have requesters; ``jumin`` and the demo's own resident
        logins are kept out of the generated requests."""
        self.quiet = set(
            User.objects.filter(username__startswith="jumin").values_list("pk", flat=True)
        )
        candidates = list(
            Resident.objects.filter(
                household__unit__building__community__name__in=(YUJING, JINGHANG),
                household__unit__building__community__street__name=STREET,
                user__isnull=True,
            )
            .exclude(phone="")
            .exclude(phone__in=User.objects.filter(phone__isnull=False).values("phone"))
            .order_by("pk")
        )
        chosen = [r for r in candidates if self.rng.random() < 0.05]
        communities = {
            c.name: c
            for c in Community.objects.filter(street__name=STREET, name__in=(YUJING, JINGHANG))
        }
        users = User.objects.bulk_create(
            User(
                username=f"r{r.pk}",
                name=r.name,
                name_sort=pinyin_key(r.name),
                phone=r.phone,
                password=self.password,
            )
            for r in chosen
        )
        building_community = dict(
            Resident.objects.filter(pk__in=[r.pk for r in chosen]).values_list(
                "pk", "household__unit__building__community__name"
            )
        )
        for r, u in zip(chosen, users, strict=True):
            r.user, r.confirmed_at = u, self.now
        Resident.objects.bulk_update(chosen, ["user", "confirmed_at"])
        Membership.objects.bulk_create(
            Membership(user=u, role=Role.RESIDENT, community=communities[building_community[r.pk]])
            for r, u in zip(chosen, users, strict=True)
        )
