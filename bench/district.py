"""Grow the demo (``seed_demo``) into a district: the data the page benchmark runs on.

At full size (``1m``): 1,000,000 requests over three years with ~7 events each,
20 streets, 200 communities, ~600 basic grids, 500,000 residents in their
buildings, units and households, resident accounts, and the in-portal notices
the steps would have sent. Smaller sizes scale every number with the requests
(``10k`` is the demo's own street and two communities with 10,000 requests, as
issue #13 measured them; ``smoke`` is a few hundred rows for CI).

What the demo accounts see grows with it: ``--demo-share`` (default 0.25) of
the requests go to the demo's two communities (御景花园, 京杭佳苑: so ``shuji``,
``wangge``, ``jiedao`` and ``chengguan`` work a big desk); the rest are spread
over the new communities. ``jumin`` files none: a resident with no requests in
a big table is one of the issue's cases.

Every request follows the state machine (``petitions.models.MOVES``) step by
step, from the desk the service would record, with the dates ``petition_move``
would have written (accept-by, sign-by, the deadline clock started on
assignment and dispatch, the deadline watch's warning and two breach rungs
where the clock ran past them, resolved and closed times, rounds after an
unsatisfied rating, merges into a request still open at the time). The story
is cut at "now": recent requests are open in whatever status their story had
reached, old ones closed. Deterministic for a seed (the dates move with the
day it runs, as the demo's do).

Writes are bulk: the small organisation tables through ``bulk_create``, the
big ones (households, residents, accounts, requests, events, notices) with
explicit ids through PostgreSQL's COPY, or batched ``executemany`` on SQLite
(the same rows, for the smoke size). The command is
``manage.py grow_district --size 10k`` (petitions/management/commands).
"""

from __future__ import annotations

import io
import json
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from community.management.commands.seed_demo import DEFAULT_PASSWORD, JINGHANG, STREET, YUJING
from community.models import (
    Community,
    Department,
    DepartmentKind,
    Membership,
    Notification,
    Role,
    Street,
    User,
)
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
from petitions.demo import texts
from petitions.models import (
    CLOCK_STATUSES,
    LEVEL_OF,
    MOVES,
    OPEN_STATUSES,
    Action,
    Channel,
    Desk,
    Petition,
    PetitionEvent,
    Priority,
    Rating,
    Status,
)
from petitions.services import RESPOND_WITHIN, deadline_hours
from petitions.services.watch import RATE_WITHIN, SECOND_RUNG_AFTER

# --- Sizes ---------------------------------------------------------------------------

FULL_REQUESTS = 1_000_000
YEARS = 3


@dataclass(frozen=True)
class Size:
    requests: int
    streets: int  # the demo street included
    communities: int  # the demo's two included
    residents_per_community: int  # in each new community
    basic_grids: int = 3  # per new community
    households_per_unit: int = 44  # 11 floors, 4 flats a floor, 2 units a building

    @classmethod
    def scaled(cls, requests: int) -> Size:
        """Everything in proportion to the full district (1M requests)."""
        s = requests / FULL_REQUESTS
        return cls(
            requests=requests,
            streets=max(1, round(20 * s)),
            communities=max(2, round(200 * s)),
            residents_per_community=2_500,
        )

    @property
    def new_communities(self) -> int:
        return self.communities - 2

    @property
    def residents(self) -> int:
        return self.new_communities * self.residents_per_community


PRESETS: dict[str, Size] = {
    # Small, but every kind of row: a second street with two communities.
    "smoke": Size(300, streets=2, communities=4, residents_per_community=60),
    "10k": Size.scaled(10_000),
    "100k": Size.scaled(100_000),
    "1m": Size.scaled(1_000_000),
}


def size_from(text: str) -> Size:
    """A preset name, or a number of requests (``250000``, ``250k``, ``2m``)."""
    key = text.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    factor = {"k": 1_000, "m": 1_000_000}.get(key[-1:], 1)
    number = key[:-1] if factor > 1 else key
    try:
        n = int(float(number) * factor)
    except ValueError:
        raise ValueError(
            f"size: a preset ({', '.join(PRESETS)}) or a number, not {text!r}"
        ) from None
    if n < 1:
        raise ValueError("size: at least one request")
    return Size.scaled(n)


# --- Writing rows --------------------------------------------------------------------


def _pg_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class Table:
    """One model's columns, written with explicit ids: COPY on PostgreSQL,
    batched executemany elsewhere. Rows are dicts by attname; a missing key
    takes the field's default (or NULL / "")."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.pg = connection.vendor == "postgresql"
        fields = model._meta.concrete_fields
        self.attnames = [f.attname for f in fields]
        self.columns = [f.column for f in fields]
        self.defaults = [self._default(f) for f in fields]
        self.encoders = [self._encoder(f) for f in fields]

    @staticmethod
    def _default(f: models.Field[Any, Any]) -> Any:
        if f.has_default() and not callable(f.default):
            return f.default
        if f.has_default() and f.default in (dict, list):
            return f.default()
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField):
            return ""
        return None

    def _encoder(self, f: models.Field[Any, Any]) -> Callable[[Any], Any]:
        pg = self.pg
        if isinstance(f, models.DateTimeField):
            # Times are kept as epoch seconds (floats) while generating.
            if pg:
                return lambda v: "\\N" if v is None else datetime.fromtimestamp(v, UTC).isoformat()
            return lambda v: (
                None
                if v is None
                else datetime.fromtimestamp(v, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            )
        if isinstance(f, models.DateField):
            return lambda v: ("\\N" if pg else None) if v is None else v.isoformat()
        if isinstance(f, models.BooleanField):
            return (lambda v: "t" if v else "f") if pg else (lambda v: int(bool(v)))
        if isinstance(f, models.JSONField):
            return lambda v: (_pg_text if pg else str)(json.dumps(v, ensure_ascii=False))
        if isinstance(f, models.UUIDField):
            return (lambda v: str(v)) if pg else (lambda v: v.hex)
        if isinstance(f, models.CharField | models.TextField):
            if pg:
                return lambda v: "\\N" if v is None else _pg_text(v)
            return lambda v: v
        if pg:
            return lambda v: "\\N" if v is None else str(v)
        return lambda v: str(v) if isinstance(v, Decimal) else v

    def write(self, rows: Iterable[dict[str, Any]]) -> int:
        spec = list(zip(self.attnames, self.defaults, self.encoders, strict=True))
        encoded = [[enc(row.get(a, d)) for a, d, enc in spec] for row in rows]
        if not encoded:
            return 0
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if self.pg:
                buf = io.StringIO()
                buf.writelines("\t".join(r) + "\n" for r in encoded)
                buf.seek(0)
                cols = ", ".join(f'"{c}"' for c in self.columns)
                raw = cursor.cursor  # psycopg2's own cursor, under Django's wrapper
                raw.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN', buf)
            else:
                cols = ", ".join(f'"{c}"' for c in self.columns)
                marks = ", ".join(["%s"] * len(self.columns))
                sql = f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'
                for i in range(0, len(encoded), 2_000):
                    cursor.executemany(sql, encoded[i : i + 2_000])
        return len(encoded)


def _next_id(model: type[models.Model]) -> int:
    return int(model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def _reset_sequences(models_: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


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
KIND_KEY = {kind: key for key, kind, _suffix in DEPARTMENTS}
CATEGORY_ZH = {
    "safety": "安全隐患",
    "utilities": "水电气暖",
    "sanitation": "环境卫生",
    "facilities": "公共设施",
    "property": "物业管理",
    "neighbours": "邻里纠纷",
    "other": "其他",
}


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


# --- The places and people -----------------------------------------------------------


@dataclass
class Place:
    """One community with what its requests need, as plain ids."""

    community_id: int
    street_id: int
    secretary: int
    worker_of: dict[int, int]  # basic grid id -> its grid worker's user id
    buildings: list[tuple[int, int, int, list[int]]]  # (id, number, grid id, unit ids)
    residents: dict[int, list[tuple[int, str, str]]]  # building id -> (id, name, phone)
    accounts: list[tuple[int, str, str, int]]  # (user id, name, phone, resident id)
    departments: dict[str, int]  # key -> department id
    is_demo: bool


@dataclass
class Desks:
    """A street's desks: dispatcher, and a handler for each department."""

    dispatcher: int
    handler_of: dict[int, int]  # department id -> handler user id
    department_name: dict[int, str]


@dataclass
class District:
    places: list[Place]
    streets: dict[int, Desks]
    names: dict[int, str]  # user id -> name
    hours: dict[tuple[str, str], int] = field(default_factory=dict)


class Grower:
    def __init__(self, size: Size, *, seed: int, demo_share: float, stdout: TextIO) -> None:
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
            user = User(
                username=f"d{n:05d}",
                name=_person(self.rng),
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
            Grid(community=c, kind=GridKind.BASIC, name=f"第{i + 1}网格")
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
        household_id = _next_id(Household)
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
        _reset_sequences([Household])

    def _residents(self, communities: list[Community], households: dict[int, list[int]]) -> None:
        """Residents of each new community, 5 % of them with a portal account."""
        rng, now = self.rng, self.now.timestamp()
        resident_id, user_id = _next_id(Resident), _next_id(User)
        membership_id = _next_id(Membership)
        residents, users, memberships = Table(Resident), Table(User), Table(Membership)
        year = self.now.year
        with _bar(len(communities) * self.size.residents_per_community, "residents") as bar:
            for c in communities:
                rows, accounts, roles = [], [], []
                hs = households[c.pk]
                for k in range(self.size.residents_per_community):
                    phone = self.phone() if rng.random() < 0.7 else ""
                    row = {
                        "id": resident_id,
                        "household_id": hs[k * len(hs) // self.size.residents_per_community],
                        "name": _person(rng),
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
        _reset_sequences([Resident, User, Membership])

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
        for m in active.filter(role__in=[Role.STREET_DISPATCHER, Role.DEPARTMENT_HANDLER]):
            unit = m.street_id or m.department_id
            assert unit is not None
            first.setdefault((m.role, unit), m.user_id)
            names[m.user_id] = m.user.name or m.user.username
        for s in streets:
            deps = [d for ds in departments_of.get(s.pk, {}).values() for d in ds]
            desks[s.pk] = Desks(
                dispatcher=first[(Role.STREET_DISPATCHER, s.pk)],
                handler_of={
                    d.pk: first[(Role.DEPARTMENT_HANDLER, d.pk)]
                    for d in deps
                    if (Role.DEPARTMENT_HANDLER, d.pk) in first
                },
                department_name={d.pk: d.name for d in deps},
            )
        secretaries = {}
        for m in active.filter(role=Role.SECRETARY):
            secretaries.setdefault(m.community_id, m.user_id)
            names[m.user_id] = m.user.name or m.user.username
        places = []
        communities = Community.objects.filter(street__in=streets).order_by("pk")
        for c in communities:
            staff = GridStaff.objects.filter(
                grid__community=c, grid__kind=GridKind.BASIC, duty=Duty.GRID_WORKER
            ).select_related("user")
            worker_of = {}
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
            buildings = [
                (pk, number, grid_id, units.get(pk, []))
                for pk, number, grid_id in c.buildings.filter(grid_id__in=worker_of)
                .order_by("number")
                .values_list("pk", "number", "grid_id")
            ]
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
                    street_id=c.street_id,
                    secretary=secretaries[c.pk],
                    worker_of=worker_of,
                    buildings=buildings,
                    residents=residents,
                    accounts=accounts,
                    departments=chosen,
                    is_demo=c.street_id == demo_street.pk and c.name in (YUJING, JINGHANG),
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
            User(username=f"r{r.pk}", name=r.name, phone=r.phone, password=self.password)
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


# --- The requests --------------------------------------------------------------------

A = Action
COMMUNITY_PATH = [A.ACCEPT, A.ASSIGN, A.RESOLVE, A.CALLBACK, A.RATE]
STREET_PATH = [A.ACCEPT, A.ESCALATE, A.DISPATCH, A.SIGN, A.REPLY, A.APPROVE, A.CALLBACK, A.RATE]
# (weight, path, needs a requester account, goes to the street)
PATHS: list[tuple[float, list[str], bool, bool]] = [
    (55, COMMUNITY_PATH, False, False),
    (25, STREET_PATH, False, True),
    (7, [A.ACCEPT, A.ASSIGN, A.RESOLVE, A.CALLBACK, A.CLOSE_UNRATED], False, False),
    (3, [*COMMUNITY_PATH[:-1], "rate_unsatisfied", *COMMUNITY_PATH[1:]], False, False),
    (3, [A.RETURN, A.AMEND, *COMMUNITY_PATH], True, False),
    (2, [A.WITHDRAW], True, False),
    (1, [A.ACCEPT, A.WITHDRAW], True, False),
    (2, [A.MERGE], False, False),
    (2, [A.ACCEPT, A.ESCALATE, A.STREET_RETURN, *COMMUNITY_PATH[1:]], False, True),
    (2, [*STREET_PATH[:3], A.DECLINE, *STREET_PATH[2:]], False, True),
]
CHANNELS = [(Channel.ONLINE, 40), (Channel.WALK_IN, 25), (Channel.PHONE, 20), (Channel.PATROL, 15)]
PRIORITY_SHARE = {Priority.URGENT: 0.08, Priority.COMPLEX: 0.07}
HOUR = 3600.0
DAY = 24 * HOUR
WATCH_LAG = 30.0
QUIET = {A.DEADLINE_NEAR, A.BREACH}
RESPOND = {k: v.total_seconds() for k, v in RESPOND_WITHIN.items()}
# Hours between a step and the one before it (uniform between the two).
GAPS: dict[str, tuple[float, float]] = {
    A.ACCEPT: (0.2, 20),
    A.SIGN: (0.1, 20),
    A.RETURN: (0.5, 12),
    A.AMEND: (2, 48),
    A.WITHDRAW: (1, 48),
    A.MERGE: (0.5, 24),
    A.ASSIGN: (0.3, 12),
    A.ESCALATE: (1, 24),
    A.STREET_RETURN: (1, 24),
    A.DISPATCH: (0.5, 12),
    A.DECLINE: (1, 20),
    A.APPROVE: (1, 24),
    A.CALLBACK: (2, 48),
    A.RATE: (1, 72),
    "rate_unsatisfied": (1, 72),
}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def _day(t: float) -> date:
    return timezone.localdate(datetime.fromtimestamp(t, UTC))


class Story:
    """One request's life, played from its submission up to now."""

    __slots__ = ("due", "events", "notices", "open_until", "p", "status", "warn", "warned")

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.notices: list[tuple[int, str, str, float, int]] = []  # recipient, kind, title, t, ev
        self.status = ""
        self.due = self.warn = 0.0
        self.warned = False
        self.open_until = float("inf")
        self.p: dict[str, Any] = {}


class Requests:
    """Plans, plays and writes the requests, in chunks of a few thousand."""

    CHUNK = 5_000

    def __init__(self, grower: Grower, district: District) -> None:
        self.g = grower
        self.d = district
        self.rng = grower.rng
        self.now = grower.now.timestamp()
        self.petitions = Table(Petition)
        self.events = Table(PetitionEvent)
        self.notifications = Table(Notification)
        self.next_event = _next_id(PetitionEvent)
        self.next_notice = _next_id(Notification)
        # Recent requests per community that may take a merge: (id, reference, created, open until)
        self.recent: dict[int, deque[tuple[int, str, float, float]]] = {}
        self.matters = texts.MATTERS
        self.path_weights = [w for w, *_rest in PATHS]
        demo = [p for p in district.places if p.is_demo]
        others = [p for p in district.places if not p.is_demo]
        share = self.g.demo_share if others and demo else (1.0 if demo else 0.0)
        self.demo, self.others, self.share = demo, others, share
        # Within the demo communities, by their buildings (御景花园 has more).
        self.demo_weights = [len(p.buildings) for p in demo]
        for key in {(m.category, m.priority) for m in self.matters} | {
            (m.category, p) for m in self.matters for p in Priority.values
        }:
            self.d.hours[key] = deadline_hours(*key)

    def run(self, n: int) -> tuple[int, int, int]:
        rng = self.rng
        start = self.now - YEARS * 365 * DAY
        # Arrival times: uniform over the years, most in the daytime.
        span = self.now - start - HOUR
        times = sorted(_daytime(start + rng.random() * span, rng, self.now) for _ in range(n))
        first = _next_id(Petition)
        counts = [0, 0, 0]
        with _bar(n, "requests") as bar:
            for i in range(0, n, self.CHUNK):
                stories = [
                    self.play(first + i + k, t) for k, t in enumerate(times[i : i + self.CHUNK])
                ]
                with transaction.atomic():
                    counts[0] += self.petitions.write(s.p for s in stories)
                    counts[1] += self.events.write(e for s in stories for e in s.events)
                    counts[2] += self.notifications.write(self._notices(stories))
                bar.update(len(stories))
        _reset_sequences([Petition, PetitionEvent, Notification])
        return counts[0], counts[1], counts[2]

    # --- One request ----------------------------------------------------------------

    def _place(self) -> Place:
        rng = self.rng
        if self.demo and (not self.others or rng.random() < self.share):
            return rng.choices(self.demo, self.demo_weights)[0]
        return rng.choice(self.others)

    def play(self, pk: int, t0: float) -> Story:
        rng, d = self.rng, self.d
        place = self._place()
        building_id, number, grid_id, units = rng.choice(place.buildings)
        worker = place.worker_of[grid_id]
        matter = rng.choice(self.matters)
        priority = matter.priority
        if priority == Priority.NORMAL:
            r = rng.random()
            if r < PRIORITY_SHARE[Priority.URGENT]:
                priority = Priority.URGENT
            elif r < PRIORITY_SHARE[Priority.URGENT] + PRIORITY_SHARE[Priority.COMPLEX]:
                priority = Priority.COMPLEX
        channel = rng.choices([c for c, _w in CHANNELS], [w for _c, w in CHANNELS])[0]
        if channel == Channel.ONLINE and not place.accounts:
            channel = Channel.WALK_IN
        weights = [
            0
            if (needs_account and channel != Channel.ONLINE)
            or (street and not matter.dept)
            or (not street and not matter.community)
            else w
            for (w, _p, needs_account, street), w in zip(PATHS, self.path_weights, strict=True)
        ]
        path = list(rng.choices([p for _w, p, *_r in PATHS], weights)[0])
        unit = rng.choice(units) if units and rng.random() < 0.7 else None
        u = 1 if unit is None else units.index(unit) + 1
        text = rng.choice(matter.texts).format_map(_Fill(b=number, u=u, f=rng.randint(1, 11)))
        reference = f"{_day(t0):%Y%m%d}-{pk:05d}"
        s = Story()
        p = s.p = {
            "id": pk,
            "reference": reference,
            "category": matter.category,
            "priority": priority,
            "description": text,
            "channel": channel,
            "building_id": building_id,
            "unit_id": unit,
            "grid_id": grid_id,
            "community_id": place.community_id,
            "client_token": uuid.UUID(int=rng.getrandbits(128), version=4),
            "accept_by": t0 + RESPOND[priority],
            "created_at": t0,
            "version": 1,
            "round": 1,
            "deadline_cycle": 0,
            "breach_level": 0,
            "warned": False,
        }
        requester = None
        if channel == Channel.ONLINE:
            user_id, name, phone, resident_id = rng.choice(place.accounts)
            requester = user_id
            p.update(
                requester_id=user_id,
                resident_id=resident_id,
                requester_name=name,
                requester_phone=phone,
                recorded_by_id=user_id,
            )
            submit_actor, submit_desk = user_id, Desk.REQUESTER
        else:
            people = place.residents.get(building_id)
            if people and rng.random() < 0.85:
                resident_id, name, phone = rng.choice(people)
                p.update(resident_id=resident_id, requester_name=name, requester_phone=phone)
            else:
                p.update(requester_name=_person(rng), requester_phone=self.g.phone())
            p["recorded_by_id"] = worker
            submit_actor, submit_desk = worker, Desk.GRID
        street = d.streets[place.street_id]
        department = place.departments.get(matter.dept) if matter.dept else None
        hours = d.hours[(matter.category, priority)]
        ctx = _Ctx(place, street, worker, requester, department, matter, hours, number, u)
        self._event(s, t0, A.SUBMIT, submit_actor, submit_desk, data={"channel": channel})
        if requester is not None:
            self._tell(s, worker, "petition.submit", self._new_title(p, number), t0)
        if path[0] == A.MERGE:
            path = self._merge_or_not(s, place, t0)
        t = t0
        for action in path:
            at = t + self._gap(action, hours, priority) * HOUR
            self._watch(s, min(at, self.now))
            if at >= self.now:
                break
            self._step(s, ctx, action, at)
            t = at
        else:
            self._watch(s, self.now)
        p["status"] = s.status
        p["updated_at"] = s.events[-1]["created_at"]
        if path and path[0] not in (A.MERGE, A.WITHDRAW) and s.status != Status.MERGED:
            q = self.recent.setdefault(place.community_id, deque(maxlen=40))
            q.append((pk, reference, t0, s.open_until))
        return s

    def _merge_or_not(self, s: Story, place: Place, t0: float) -> list[str]:
        """A duplicate merges into an earlier request of its community still open
        at the time; with none, it is handled as any other."""
        at = t0 + self.rng.uniform(0.5, 24) * HOUR
        for pk, reference, _created, open_until in reversed(
            self.recent.get(place.community_id, ())
        ):
            if open_until > at:
                s.p["_merge"] = (pk, reference)
                return [A.MERGE]
        return list(COMMUNITY_PATH)

    def _gap(self, action: str, hours: float, priority: str) -> float:
        """Hours from the previous step to this one."""
        u = self.rng.uniform
        if action in (A.RESOLVE, A.REPLY):
            late = self.rng.random() < 0.12
            return hours * (u(1.05, 1.8) if late else u(0.05, 0.9))
        if action in (A.ACCEPT, A.SIGN) and priority == Priority.URGENT:
            return u(0.05, 0.9)
        if action == A.CLOSE_UNRATED:
            return RATE_WITHIN.total_seconds() / HOUR + u(0, 0.02)
        return u(*GAPS.get(action, (1, 24)))

    def _event(
        self,
        s: Story,
        t: float,
        action: str,
        actor: int | None,
        desk: str,
        *,
        to: str = "",
        reason: str = "",
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> int:
        before = s.status
        after = to or (Status.SUBMITTED if action == A.SUBMIT else before)
        s.status = after
        p = s.p
        if action != A.SUBMIT and action not in QUIET:
            p["version"] += 1
        pk = self.next_event
        self.next_event += 1
        s.events.append(
            {
                "id": pk,
                "petition_id": p["id"],
                "action": action,
                "actor_id": actor,
                "desk": desk,
                "from_status": before,
                "to_status": after,
                "level": LEVEL_OF[after],
                "round": p["round"],
                "reason": reason,
                "public_note": note,
                "data": data or {},
                "public": MOVES[action].public if action in MOVES else True,
                "created_at": t,
            }
        )
        # The first time it left the open statuses: a merge takes only an
        # original that has been open all along (a reopened one was not, between).
        if after not in OPEN_STATUSES and s.open_until == float("inf"):
            s.open_until = t
        return pk

    def _start_clock(self, s: Story, t: float, hours: float) -> None:
        p = s.p
        s.due = t + hours * HOUR
        s.warn = s.due - min(hours * HOUR / 4, DAY)
        s.warned = False
        p.update(due_at=s.due, warn_at=s.warn, warned=False, breach_level=0)
        p["deadline_cycle"] += 1

    def _watch(self, s: Story, until: float) -> None:
        """The beat sweep's warning and breaches while the clock runs (watch.py)."""
        p = s.p
        while s.status in CLOCK_STATUSES:
            last = s.events[-1]["created_at"] + 1
            if not s.warned and p["breach_level"] == 0 and max(s.warn + WATCH_LAG, last) < s.due:
                at, level = max(s.warn + WATCH_LAG, last), 0
            elif p["breach_level"] == 0:
                at, level = max(s.due + WATCH_LAG, last), 1
            elif p["breach_level"] == 1:
                rung = min(max((s.due - s.warn) * 4, HOUR), SECOND_RUNG_AFTER.total_seconds())
                at, level = max(s.due + rung + WATCH_LAG, last), 2
            else:
                return
            if at >= until:
                return
            data: dict[str, Any] = {"due": _iso(s.due)}
            if level:
                data = {"level": level, **data}
                p["breach_level"] = level
                self._event(s, at, A.BREACH, None, Desk.SYSTEM, data=data)
                secretary = s.p["_ctx_secretary"] if "_ctx_secretary" in p else None
                if secretary:
                    title = f"诉求 {p['reference']} 已超期"
                    self._tell(s, secretary, "petition.breach", title, at)
            else:
                s.warned = True
                p["warned"] = True
                self._event(s, at, A.DEADLINE_NEAR, None, Desk.SYSTEM, data=data)

    def _step(self, s: Story, c: _Ctx, action: str, t: float) -> None:
        p, rng = s.p, self.rng
        p["_ctx_secretary"] = c.place.secretary
        S = Status
        if action == A.ACCEPT:
            p.update(accepted_at=t, accepted_by_id=c.worker)
            self._event(s, t, action, c.worker, Desk.GRID, to=S.ACCEPTED)
            if c.requester:
                title = f"您的诉求“{p['description'][:20]}”已被网格员受理"
                self._tell(s, c.requester, "petition.accept", title, t)
        elif action == A.RETURN:
            self._event(
                s, t, action, c.worker, Desk.GRID, to=S.RETURNED, reason=rng.choice(texts.RETURN)
            )
        elif action == A.AMEND:
            note = c.fill(texts.AMEND)
            p["description"] = f"{p['description']}\n{note}"
            self._event(s, t, action, c.requester, Desk.REQUESTER, to=S.SUBMITTED)
        elif action == A.WITHDRAW:
            p["closed_at"] = t
            reason = rng.choice(texts.WITHDRAW)
            self._event(s, t, action, c.requester, Desk.REQUESTER, to=S.WITHDRAWN, reason=reason)
        elif action == A.MERGE:
            original, reference = p.pop("_merge")
            p.update(merged_into_id=original, closed_at=t)
            self._event(
                s, t, action, c.worker, Desk.GRID, to=S.MERGED, data={"original": reference}
            )
        elif action == A.ASSIGN:
            p["assignee_id"] = c.worker
            self._start_clock(s, t, c.hours)
            data = {"assignee": self.d.names.get(c.worker, ""), "due": _iso(s.due)}
            self._event(
                s, t, action, c.place.secretary, Desk.COMMUNITY, to=S.IN_COMMUNITY, data=data
            )
        elif action == A.ESCALATE:
            reason = texts.ESCALATE.get(c.matter.dept, texts.ESCALATE["city"])
            self._event(
                s, t, action, c.place.secretary, Desk.COMMUNITY, to=S.ESCALATED, reason=reason
            )
        elif action == A.STREET_RETURN:
            reason = rng.choice(texts.STREET_RETURN)
            self._event(
                s, t, action, c.street.dispatcher, Desk.STREET, to=S.ACCEPTED, reason=reason
            )
        elif action == A.DISPATCH:
            dept = c.department
            assert dept is not None
            p.update(department_id=dept, signed_at=None, sign_by=t + RESPOND[p["priority"]])
            self._start_clock(s, t, c.hours)
            data = {"department": c.street.department_name[dept], "due": _iso(s.due)}
            self._event(s, t, action, c.street.dispatcher, Desk.STREET, to=S.DISPATCHED, data=data)
            handler = c.street.handler_of.get(dept)
            if handler:
                title = f"新工单 {p['reference']}：{CATEGORY_ZH[p['category']]}"
                self._tell(s, handler, "petition.dispatch", title, t)
        elif action == A.SIGN:
            p["signed_at"] = t
            self._event(s, t, action, c.handler, Desk.DEPARTMENT, to=S.IN_PROGRESS)
        elif action == A.DECLINE:
            reason = texts.DECLINE.format(other="其他部门")
            self._event(s, t, action, c.handler, Desk.DEPARTMENT, to=S.ESCALATED, reason=reason)
        elif action == A.REPLY:
            result = c.fill(c.matter.department) or "已处理完毕。"
            p["result"] = result
            self._event(
                s, t, action, c.handler, Desk.DEPARTMENT, to=S.REPLIED, data={"result": result}
            )
        elif action == A.APPROVE:
            p["resolved_at"] = t
            self._event(s, t, action, c.street.dispatcher, Desk.STREET, to=S.RESOLVED)
            self._resolved_notice(s, c, t)
        elif action == A.RESOLVE:
            result = c.fill(c.matter.community) or "已处理完毕。"
            if p["round"] > 1:
                result = texts.ROUND_TWO + result
            p.update(result=result, resolved_at=t)
            self._event(
                s, t, action, c.worker, Desk.ASSIGNEE, to=S.RESOLVED, data={"result": result}
            )
            self._resolved_notice(s, c, t)
        elif action == A.CALLBACK:
            said = c.matter.callback or "问题已解决。"
            note = rng.choice(texts.CALLBACK).format(name=p["requester_name"], said=said)
            self._event(s, t, action, c.worker, Desk.GRID, to=S.CALLED_BACK, note=note)
        elif action in (A.RATE, "rate_unsatisfied"):
            if action == A.RATE:
                rating = Rating.SATISFIED if rng.random() < 0.8 else Rating.BASIC
            else:
                rating = Rating.UNSATISFIED
            comment = rng.choice(texts.COMMENTS[rating])
            by_phone = c.requester is None
            actor, desk = (c.worker, Desk.GRID) if by_phone else (c.requester, Desk.REQUESTER)
            p.update(rating=rating, rating_comment=comment)
            data = {"rating": rating, "by_phone": by_phone}
            if rating == Rating.UNSATISFIED:
                p["round"] += 1
                p.update(resolved_at=None, assignee_id=None)
                self._event(s, t, A.RATE, actor, desk, to=S.ACCEPTED, data=data)
            else:
                p["closed_at"] = t
                self._event(s, t, A.RATE, actor, desk, to=S.CLOSED, data=data)
        elif action == A.CLOSE_UNRATED:
            p["closed_at"] = t
            self._event(s, t, action, None, Desk.SYSTEM, to=S.CLOSED)
        else:  # pragma: no cover - a path names a move this player does not know
            raise ValueError(action)

    @staticmethod
    def _tell(s: Story, recipient: int, kind: str, title: str, t: float) -> None:
        """An in-portal notice of the step just taken (the service skips the actor)."""
        if recipient != s.events[-1]["actor_id"]:
            s.notices.append((recipient, kind, title, t, s.events[-1]["id"]))

    def _resolved_notice(self, s: Story, c: _Ctx, t: float) -> None:
        if c.requester:
            title = f"您的诉求“{s.p['description'][:20]}”已办结"
            self._tell(s, c.requester, "petition.resolve", title, t)

    @staticmethod
    def _new_title(p: dict[str, Any], number: int) -> str:
        return f"新诉求 {p['reference']}：{CATEGORY_ZH[p['category']]} · {number}号楼"

    def _notices(self, stories: list[Story]) -> Iterator[dict[str, Any]]:
        """In-portal notices of the steps (read within hours, unless very recent)."""
        for s in stories:
            s.p.pop("_ctx_secretary", None)
            pk = s.p["id"]
            for recipient, kind, title, t, event in s.notices:
                nid = self.next_notice
                self.next_notice += 1
                read = t + 3 * HOUR
                yield {
                    "id": nid,
                    "recipient_id": recipient,
                    "kind": kind,
                    "channel": "in_app",
                    "title": title[:200],
                    "body": s.p["description"][:200],
                    "link": f"/requests/{pk}/",
                    "dedupe_key": f"petition:{pk}:event:{event}:{recipient}:in_app",
                    "status": "sent",
                    "created_at": t,
                    "next_attempt_at": t,
                    "sent_at": t,
                    "read_at": read if read < self.now else None,
                }


@dataclass
class _Ctx:
    place: Place
    street: Desks
    worker: int
    requester: int | None
    department: int | None
    matter: texts.Matter
    hours: int
    number: int
    unit: int

    def fill(self, text: str) -> str:
        return text.format_map(_Fill(b=self.number, u=self.unit, f=self.number % 11 + 1))

    @property
    def handler(self) -> int | None:
        return self.street.handler_of.get(self.department) if self.department else None


class _Fill(dict[str, Any]):
    """The demo texts' placeholders ({b} building, {u} unit, {f} floor); others blank."""

    def __missing__(self, key: str) -> str:
        return ""


def _daytime(t: float, rng: random.Random, now: float) -> float:
    """Most requests come in between 7:00 and 21:00 Beijing time."""
    hour = ((t + 8 * HOUR) % DAY) / HOUR
    if 7 <= hour < 21 or rng.random() < 0.1:
        return t
    return min(t - hour * HOUR + rng.uniform(7, 21) * HOUR, now - 60)


class _bar:
    """tqdm when it is there, on stderr; nothing otherwise."""

    def __init__(self, total: int, what: str) -> None:
        try:
            from tqdm import tqdm

            self.bar: Any = tqdm(total=total, desc=what, unit=" rows", mininterval=1.0)
        except ImportError:  # pragma: no cover
            self.bar = None

    def __enter__(self) -> _bar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)


# --- The whole ------------------------------------------------------------------------


def grow(size: Size, *, seed: int = 13, demo_share: float = 0.25, stdout: TextIO) -> dict[str, Any]:
    """Grow the seeded demo to ``size``; returns what was written and how long it took."""
    if not Street.objects.filter(name=STREET).exists():
        raise RuntimeError("Run seed_demo first: the district grows from the demo.")
    started = time.monotonic()
    grower = Grower(size, seed=seed, demo_share=demo_share, stdout=stdout)
    with transaction.atomic():
        district = grower.organisation()
    org = time.monotonic() - started
    requests = Requests(grower, district)
    made = requests.run(size.requests)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    took = time.monotonic() - started
    report = {
        "requests": made[0],
        "events": made[1],
        "notifications": made[2],
        "streets": Street.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.filter(kind=GridKind.BASIC).count(),
        "residents": Resident.objects.count(),
        "organisation_seconds": round(org, 1),
        "seconds": round(took, 1),
    }
    return report


# --- Checking what was grown -----------------------------------------------------------

CLOSED_STATUSES = {Status.CLOSED, Status.MERGED, Status.WITHDRAWN}
RESOLVED_STATUSES = {Status.RESOLVED, Status.CALLED_BACK}


def check(petitions: Iterable[Petition]) -> list[str]:
    """What in these requests disagrees with the state machine or its dates.

    Each request's events are replayed: every step from a status its move
    allows, to a status it leads to, from one of its desks, in time order, the
    request's status, level, version and round the last step's; a running
    clock has a deadline, a department order its department, a closed request
    its closing time, a merged one an original of its community.
    """
    problems: list[str] = []
    rows = list(petitions)
    events: dict[int, list[PetitionEvent]] = {}
    for e in PetitionEvent.objects.filter(petition__in=[p.pk for p in rows]).order_by("id"):
        events.setdefault(e.petition_id, []).append(e)
    now = timezone.now()
    for p in rows:
        said = problems.append
        steps = events.get(p.pk, [])
        if not steps or steps[0].action != Action.SUBMIT:
            said(f"{p.reference}: does not start with a submission")
            continue
        status, version, rnd = "", 1, 1
        last = p.created_at
        for e in steps:
            where = f"{p.reference} {e.action}"
            if e.from_status != status:
                said(f"{where}: from {e.from_status}, but it was {status}")
            if e.created_at < last or e.created_at > now:
                said(f"{where}: out of time order")
            last = e.created_at
            if e.action != Action.SUBMIT:
                move = MOVES[e.action]
                if status not in move.sources:
                    said(f"{where}: not allowed from {status}")
                if e.desk not in move.desks:
                    said(f"{where}: from the {e.desk} desk")
                if (move.targets or (status,))[0] != e.to_status and e.to_status not in (
                    move.targets
                ):
                    said(f"{where}: to {e.to_status}")
                if e.action not in QUIET:
                    version += 1
                if e.action == Action.RATE and e.data.get("rating") == Rating.UNSATISFIED:
                    rnd += 1
            if e.level != LEVEL_OF[e.to_status] or e.round != rnd:
                said(f"{where}: level {e.level} round {e.round}")
            status = e.to_status
        if p.status != status or p.level != LEVEL_OF[status]:
            said(f"{p.reference}: status {p.status}, its events say {status}")
        if p.version != version or p.round != rnd:
            said(f"{p.reference}: version {p.version}/{version}, round {p.round}/{rnd}")
        if p.accept_by is None or p.accept_by <= p.created_at:
            said(f"{p.reference}: accept_by")
        if p.status in CLOCK_STATUSES and (p.due_at is None or p.warn_at is None):
            said(f"{p.reference}: a running clock without a deadline")
        if p.status in {Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED} and not (
            p.department_id and p.sign_by
        ):
            said(f"{p.reference}: a department order without its department")
        if p.status == Status.IN_COMMUNITY and not p.assignee_id:
            said(f"{p.reference}: handled in the community by nobody")
        if (p.status in CLOSED_STATUSES) != (p.closed_at is not None):
            said(f"{p.reference}: closed_at {p.closed_at} at {p.status}")
        if p.status in RESOLVED_STATUSES and p.resolved_at is None:
            said(f"{p.reference}: resolved without resolved_at")
        if p.status == Status.MERGED and (
            p.merged_into is None or p.merged_into.community_id != p.community_id
        ):
            said(f"{p.reference}: merged into nothing of its community")
        if p.reference != f"{timezone.localdate(p.created_at):%Y%m%d}-{p.pk:05d}":
            said(f"{p.reference}: reference of another day or number")
    return problems
