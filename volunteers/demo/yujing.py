"""御景花园's "运河情" team: its volunteers, the vaccination days every three days."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from community.models import Community, User
from grids.models import CareTag, Resident
from volunteers import services
from volunteers.demo.common import at, enrol, from_residents
from volunteers.demo.past import Past, Roll
from volunteers.models import (
    Audience,
    MemberStatus,
    ServiceProject,
    Team,
    TeamMember,
    Volunteer,
    VolunteerKind,
)

YUJING = "御景花园社区"


def seed_yujing(past: Past, rng: random.Random, community: Community, leader: User) -> None:
    team = Team.objects.create(
        community=community,
        name="运河情志愿服务队",
        leader=leader,
        description="御景花园社区“运河情”志愿服务队：党员志愿者和热心居民，"
        "开展疫苗接种服务日、邻里帮扶、楼道环境整治等志愿服务。",
    )
    adults = list(
        Resident.objects.filter(
            household__unit__building__community=community, birth_year__lte=1995, user=None
        )
        .exclude(phone="")
        .order_by("pk")[:16]
    )
    homes = list(Resident.objects.filter(user__username__in=["zhiyuan", "jumin"]))
    volunteers = from_residents(
        community,
        homes + adults,
        [VolunteerKind.PARTY_MEMBER] * (len(homes) + 6) + [VolunteerKind.RESIDENT] * 10,
    )
    for user in User.objects.filter(username__in=["zhiyuan", "jumin"]).exclude(
        pk__in=[v.user_id for v in volunteers if v.user_id]
    ):
        volunteers.insert(
            0, Volunteer.objects.create(community=community, name=user.name, user=user)
        )
    skills = ["量体温、登记", "推轮椅、搀扶老人", "电脑录入", "家电小修", "理发", "组织协调"]
    for v in volunteers:
        v.skills, v.availability = (
            rng.choice(skills),
            rng.choice(["工作日上午", "周末全天", "工作日下午"]),
        )
    Volunteer.objects.bulk_update(volunteers, ["skills", "availability"])
    enrol(team, volunteers, leader)
    # One neighbour asked at the desk last week; the leader has yet to decide.
    asking = Resident.objects.filter(household__unit__building__community=community, user=None)
    for newcomer in from_residents(community, list(asking.order_by("-pk")[:1]), ["resident"]):
        TeamMember.objects.create(team=team, volunteer=newcomer, status=MemberStatus.PENDING)

    vaccination = ServiceProject.objects.create(
        team=team,
        name="疫苗接种服务日",
        category="health",
        description="社区服务中心每三天一次，9:00–17:00；行动不便的居民可预约上门接种。",
    )
    elderly = ServiceProject.objects.create(team=team, name="邻里帮扶·助老", category="elderly")
    stairs = ServiceProject.objects.create(team=team, name="楼道环境整治", category="environment")
    jumin = next(v for v in volunteers if v.user and v.user.username == "jumin")
    housebound = list(
        Resident.objects.filter(
            household__unit__building__community=community, tags__tag=CareTag.LIMITED_MOBILITY
        ).select_related("household__unit__building")[:40]
    )
    others = rng.sample(
        list(
            Resident.objects.filter(household__unit__building__community=community, user=None)
            .exclude(pk__in=[r.pk for r in housebound])
            .order_by("pk")
        ),
        120,
    )
    today = timezone.localdate()
    for n, day in enumerate(today - timedelta(days=d) for d in range(88, 0, -3)):
        roll = Roll()
        crew = rng.sample(volunteers, 4)
        if n % 3 == 0 and jumin not in crew:
            crew[0] = jumin
        for v in crew:
            roll.serve(v, attended=rng.random() > 0.05)
        for r in rng.sample(housebound, 3):
            roll.attend(r.name, resident=r, note=f"行动不便，预约上门接种（{r.household}）")
        for r in rng.sample(others, rng.randint(8, 16)):
            roll.attend(r.name, resident=r, attended=rng.random() > 0.08)
        past.add(
            vaccination,
            f"疫苗接种服务日（{day:%m月%d日}）",
            "社区服务中心一楼",
            at(day, 9),
            at(day, 17),
            30,
            Audience.RESIDENTS,
            Decimal(4),
            roll,
            leader,
            walk_ins=rng.randint(10, 30),
        )
    for day in (today - timedelta(days=d) for d in (75, 47, 19)):
        roll = Roll()
        for v in rng.sample(volunteers, 6):
            roll.serve(v, attended=True)
        past.add(
            stairs,
            "楼道杂物清理",
            "1—11号楼楼道",
            at(day, 9),
            at(day, 11),
            10,
            Audience.TEAM,
            Decimal(2),
            roll,
            leader,
        )
    past.correct(jumin, "提前一小时到场布置接种区", Decimal(1), leader)

    # What is coming: the next vaccination days, a clean-up with places left, and
    # meal deliveries with a waiting list.
    for d in (2, 5):  # every three days from the last one, yesterday
        day = today + timedelta(days=d)
        a = services.activity_create(
            actor=leader,
            project=vaccination,
            title=f"疫苗接种服务日（{day:%m月%d日}）",
            place="社区服务中心一楼",
            starts_at=at(day, 9),
            ends_at=at(day, 17),
            capacity=30,
            audience=Audience.RESIDENTS,
            hours=Decimal(4),
        )
        for v in [jumin, *rng.sample(volunteers[2:], 2)] if d < 3 else rng.sample(volunteers, 2):
            services.signup_create(activity=a, actor=leader, kind="serve", volunteer=v)
        for r in rng.sample(housebound, 2):
            services.signup_create(
                activity=a, actor=leader, resident=r, note=f"预约上门接种（{r.household}）"
            )
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    clean = services.activity_create(
        actor=leader,
        project=stairs,
        title="楼道杂物清理",
        place="5—8号楼楼道",
        starts_at=at(saturday, 9),
        ends_at=at(saturday, 11),
        capacity=10,
        audience=Audience.TEAM,
    )
    for v in rng.sample(volunteers[2:], 4):
        services.signup_create(activity=clean, actor=leader, volunteer=v)
    meals = services.activity_create(
        actor=leader,
        project=elderly,
        title="为独居老人送午餐",
        place="社区长者食堂",
        starts_at=at(saturday + timedelta(days=1), 11),
        ends_at=at(saturday + timedelta(days=1), 13),
        capacity=4,
        audience=Audience.TEAM,
    )
    for v in rng.sample(volunteers[2:], 6):
        services.signup_create(activity=meals, actor=leader, volunteer=v)
