"""京杭佳苑: 42 volunteers, 12 projects, the art troupe, the four-thirty and holiday classes."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from community.models import Community, Membership, Role, User
from community.sorting import pinyin_key
from grids.models import Resident
from volunteers import services
from volunteers.demo.common import at, enrol, from_residents, names
from volunteers.demo.past import Past, Roll
from volunteers.models import Audience, ServiceProject, Team, Volunteer, VolunteerKind

JINGHANG = "京杭佳苑社区"
# 京杭佳苑's team leader: a person with the role but no demo login of their own.
JH_LEADER = ("zhiyuan_jh", "孔繁英")

JH_PROJECTS = [
    ("磨剪子戗菜刀", "knives"),
    ("缝补衣物", "mending"),
    ("电动车自行车维修", "vehicles"),
    ("修鞋", "shoes"),
    ("小家电维修", "appliances"),
    ("义务理发", "haircuts"),
    ("测血压", "health"),
    ("法律咨询", "advice"),
    ("助老助残", "elderly"),
    ("四点半课堂", "classes"),
    ("寒暑假托管班", "classes"),
    ("环境整治", "environment"),
]
STALLS = JH_PROJECTS[:8]  # at the monthly public-service day
TROUPE_GROUPS = [
    ("舞蹈队", "广场舞展演"),
    ("走秀队", "旗袍走秀"),
    ("器乐队", "民乐合奏"),
    ("戏曲队", "戏曲清唱"),
]
CLASS_CHILDREN = 158
CLASS_PERSON_TIMES = 4630


def seed_jinghang(past: Past, rng: random.Random, community: Community) -> None:
    leader, _created = User.objects.get_or_create(
        username=JH_LEADER[0], defaults={"name": JH_LEADER[1], "password": make_password(None)}
    )
    Membership.objects.get_or_create(user=leader, role=Role.VOLUNTEER_LEADER, community=community)
    team = Team.objects.create(
        community=community,
        name="京杭佳苑志愿服务队",
        leader=leader,
        description="“党员志愿者+社工+居民自组织”：42名志愿者，12个公益服务项目。",
    )
    adults = list(
        Resident.objects.filter(
            household__unit__building__community=community, birth_year__lte=2000
        ).order_by("pk")[:38]
    )
    volunteers = from_residents(
        community, adults, [VolunteerKind.PARTY_MEMBER] * 14 + [VolunteerKind.RESIDENT] * 24
    )
    taken = {v.name for v in volunteers}
    volunteers += Volunteer.objects.bulk_create(
        Volunteer(
            community=community,
            name=name,
            name_sort=pinyin_key(name),  # bulk_create skips Volunteer.save
            kind=VolunteerKind.SOCIAL_WORKER,
            skills="社会工作",
        )
        for name in names(rng, 4, taken)
    )
    enrol(team, volunteers, leader)
    projects = {
        name: ServiceProject.objects.create(team=team, name=name, category=category)
        for name, category in JH_PROJECTS
    }
    troupe = Team.objects.create(
        community=community,
        name="京杭佳苑艺术团",
        leader=leader,
        description="居民自组织的艺术团，舞蹈、走秀、器乐、戏曲四个分队，累计演出500余场。",
    )
    enrol(troupe, volunteers[10:34], leader)
    today = timezone.localdate()
    for i, (group_name, show) in enumerate(TROUPE_GROUPS):
        group = Team.objects.create(
            community=community, name=group_name, leader=leader, parent=troupe
        )
        dancers = volunteers[10 + 6 * i : 16 + 6 * i]
        enrol(group, dancers, leader)
        project = ServiceProject.objects.create(team=group, name=show, category="arts")
        for d in (70 - 7 * i, 28 - 5 * i):
            roll = Roll()
            for v in dancers:
                roll.serve(v, attended=rng.random() > 0.1)
            day = today - timedelta(days=d)
            past.add(
                project,
                f"{show}·社区文化广场",
                "京杭佳苑文化广场",
                at(day, 19),
                at(day, 20, 30),
                8,
                Audience.TEAM,
                Decimal("1.5"),
                roll,
                leader,
                walk_ins=rng.randint(60, 150),
            )

    # The monthly public-service day: every stall, three volunteers each, a queue of walk-ins.
    for months in (3, 2, 1):
        day = today - timedelta(days=30 * months - 4)
        for name, _category in STALLS:
            roll = Roll()
            for v in rng.sample(volunteers, 3):
                roll.serve(v, attended=True)
            past.add(
                projects[name],
                f"公益服务日·{name}",
                "小区北门广场",
                at(day, 8, 30),
                at(day, 11, 30),
                5,
                Audience.TEAM,
                Decimal(3),
                roll,
                leader,
                walk_ins=rng.randint(12, 40),
            )
    _classes(past, rng, projects, volunteers, leader, taken)
    next_day = today + timedelta(days=26 - today.day % 30 or 1)
    for name, _category in STALLS[:4]:
        a = services.activity_create(
            actor=leader,
            project=projects[name],
            title=f"公益服务日·{name}",
            place="小区北门广场",
            starts_at=at(next_day, 8, 30),
            ends_at=at(next_day, 11, 30),
            capacity=5,
            audience=Audience.TEAM,
        )
        for v in rng.sample(volunteers, 2):
            services.signup_create(activity=a, actor=leader, volunteer=v)


def _winter(day: date) -> bool:
    return (1, 19) <= (day.month, day.day) <= (2, 20)


def _is_break(day: date) -> bool:
    """Winter (mid-January to mid-February) and summer (July and August) holidays."""
    return _winter(day) or day.month in (7, 8)


def _classes(
    past: Past,
    rng: random.Random,
    projects: dict[str, ServiceProject],
    volunteers: list[Volunteer],
    leader: User,
    taken: set[str],
) -> None:
    """四点半课堂 on every school day of the last twelve months: 158 children, 4,630
    person-times; the winter-break class: twenty days of forty children, 800."""
    today = timezone.localdate()
    children = names(rng, CLASS_CHILDREN, taken)
    rng.shuffle(children)
    days = [
        d
        for d in (today - timedelta(days=n) for n in range(364, 0, -1))
        if d.weekday() < 5 and not _is_break(d)
    ]
    base, extra = divmod(CLASS_PERSON_TIMES, len(days))
    teachers = volunteers[:12]
    start = 0
    for i, day in enumerate(days):
        count = base + (i < extra)
        roll = Roll()
        for v in rng.sample(teachers, 2):
            roll.serve(v, attended=True)
        # A sliding window over the children: everyone comes, most come often.
        for k in range(count):
            roll.attend(children[(start + k) % CLASS_CHILDREN])
        start += count
        past.add(
            projects["四点半课堂"],
            "四点半课堂",
            "社区党群服务中心二楼",
            at(day, 16, 30),
            at(day, 18),
            30,
            Audience.RESIDENTS,
            Decimal("1.5"),
            roll,
            leader,
        )
    winter = [
        d
        for d in (today - timedelta(days=n) for n in range(400, 0, -1))
        if d.weekday() < 5 and _winter(d)
    ][-20:]
    pupils = names(rng, 40, taken)
    for day in winter:
        roll = Roll()
        for v in rng.sample(teachers, 3):
            roll.serve(v, attended=True)
        for child in pupils:
            roll.attend(child)
        past.add(
            projects["寒暑假托管班"],
            "寒假托管班",
            "社区党群服务中心二楼",
            at(day, 8, 30),
            at(day, 11, 30),
            40,
            Audience.RESIDENTS,
            Decimal(3),
            roll,
            leader,
        )
