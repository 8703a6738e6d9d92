"""Demo field work: the last four weeks of patrols, hazards and the work log.

Called by ``grids.demo`` for each community it builds, after its grids,
buildings and visits exist. Every basic grid's worker walks their grid most
weekday mornings (and some Saturdays), checking in at each building on the
way, now and then skipping one, with a note where something was found and the
phone's position on most check-ins. The hazards of the reports (wires hung
out of windows to charge e-bikes, a power strip in the snow, a blocked fire
exit, a broken charging pile) were found on those patrols and go through
``hazard_report`` and ``hazard_fix`` with small drawn photos, so their files
take the same road as a phone's. The work log holds the rest of the five
diligences (五勤) day by day.

Dates are relative to the seeding time; the random choices come from a
generator seeded with the community's name, so every run draws the same
weeks. Patrols, check-ins and log entries are written in bulk (a few hundred
rows): the services would stamp them "now", one at a time.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from community.models import Community, User
from grids.models import (
    Building,
    Duty,
    Grid,
    GridKind,
    Hazard,
    HazardPhoto,
    Patrol,
    PatrolCheckIn,
    PatrolStatus,
    PhotoStage,
    Resident,
    WorkCategory,
    WorkLogEntry,
)
from grids.services.hazards import hazard_fix, hazard_report

DAYS = 28  # how far back the demo's field work reaches

# Roughly where the communities lie, 太白湖新区, Jining (demo positions, not surveyed).
ORIGIN = {
    "御景花园社区": (Decimal("35.371200"), Decimal("116.593100")),
    "京杭佳苑社区": (Decimal("35.384500"), Decimal("116.602000")),
}

CHECK_IN_NOTES = [
    "单元门口有电动车飞线充电，已劝导",
    "楼道堆放纸箱，已提醒住户清理",
    "消防通道被私家车占用，已联系车主挪车",
    "楼道灯不亮，已报物业维修",
    "垃圾桶满溢，已联系物业清运",
    "充电桩一处插座松动",
    "单元门禁损坏，已报物业",
]
SUMMARIES = [
    "巡查正常",
    "发现问题已现场处理",
    "楼道杂物已督促清理",
    "一处隐患已登记上报",
    "",
]
WORK_NOTES: dict[str, list[str]] = {
    WorkCategory.PATROL: [
        "夜间巡查小区车棚和充电区",
        "雨后巡查地下车库积水情况",
        "陪同物业检查各楼消防设施",
    ],
    WorkCategory.PREVENT: [
        "入户提醒住户不要飞线充电",
        "张贴防诈骗宣传海报",
        "检查独居老人家中燃气阀门",
        "发放消防安全明白纸",
    ],
    WorkCategory.TALK: [
        "在楼下和居民说事，收集停车意见",
        "调解楼上楼下漏水纠纷",
        "宣讲医保缴费政策",
        "召开楼栋长议事会",
    ],
    WorkCategory.VISIT: [
        "走访新搬来的住户，发放便民联系卡",
        "走访困难家庭，了解就业需求",
        "看望住院返家的老人",
    ],
    WorkCategory.SERVE: [
        "帮老人代缴水电费",
        "为居民代办老年证",
        "帮腿脚不便的老人代取药品",
        "协助居民开具居住证明",
    ],
}
# How often each kind is logged (patrols and visits have records of their own).
WORK_WEIGHTS = {
    WorkCategory.PATROL: 1,
    WorkCategory.PREVENT: 3,
    WorkCategory.TALK: 3,
    WorkCategory.VISIT: 1,
    WorkCategory.SERVE: 4,
}


@dataclass(frozen=True)
class DemoHazard:
    building: int
    kind: str
    severity: str
    description: str
    photo: str
    fix_note: str = ""  # fixed, with a photo of the fix, when set


HAZARDS = {
    "御景花园社区": [
        DemoHazard(
            3,
            "flying_wire",
            "high",
            "三楼窗口飞线给电动车充电，电线垂到一楼单元门口",
            "wire",
            "已劝导住户改用楼前充电桩，电线已拆除",
        ),
        DemoHazard(
            6,
            "blocked_exit",
            "medium",
            "一单元消防通道堆放纸箱和旧家具",
            "boxes",
            "住户已清走杂物，通道畅通",
        ),
        DemoHazard(9, "exposed_wiring", "high", "单元门口插线板裸露在雪地里", "strip"),
        DemoHazard(2, "broken_facility", "medium", "一单元门前充电桩两个插座损坏", "pile"),
        DemoHazard(11, "blocked_exit", "low", "二单元楼道内停放电动车两辆", "boxes"),
    ],
    "京杭佳苑社区": [
        DemoHazard(
            4,
            "flying_wire",
            "high",
            "二楼窗口飞线充电",
            "wire",
            "已与住户沟通，电线已收回",
        ),
        DemoHazard(1, "broken_facility", "low", "楼前充电桩显示屏不亮", "pile"),
    ],
}


def seed_fieldwork(community: Community) -> str:
    """Four weeks of one community's field work; returns a line for the log."""
    rng = random.Random(f"fieldwork:{community.name}")  # noqa: S311 - demo data
    now = timezone.now()
    days = _working_days(timezone.localdate(now), now, rng)
    walks: list[tuple[Patrol, list[PatrolCheckIn]]] = []
    entries: list[WorkLogEntry] = []
    grids = (
        Grid.objects.filter(community=community, kind=GridKind.BASIC)
        .prefetch_related("buildings")
        .order_by("pk")
    )
    for grid in grids:
        worker = grid.staff.get(duty=Duty.GRID_WORKER).user
        buildings = sorted(grid.buildings.all(), key=lambda b: b.number)
        for day in days:
            walks.append(_walk(grid, worker, buildings, day, community, rng))
        entries.extend(_work_log(grid, worker, days, rng))

    patrols = Patrol.objects.bulk_create([patrol for patrol, _ in walks])
    for patrol, check_ins in walks:
        for check_in in check_ins:
            check_in.patrol = patrol
    PatrolCheckIn.objects.bulk_create([c for _, stops in walks for c in stops])
    WorkLogEntry.objects.bulk_create(entries)
    hazards = _hazards(community, walks, rng)
    return (
        f"  {community}: {len(patrols)} patrols, "
        f"{sum(len(stops) for _, stops in walks)} check-ins, {hazards} hazards, "
        f"{len(entries)} work-log entries"
    )


def _working_days(today: date, now: datetime, rng: random.Random) -> list[datetime]:
    """The mornings of the last four weeks a worker was out (and this morning's,
    once the morning round is over): most weekdays, some Saturdays."""
    starts = []
    for back in range(DAYS, -1, -1):
        day = today - timedelta(days=back)
        chance = {5: 0.3, 6: 0.0}.get(day.weekday(), 0.9)
        if rng.random() >= chance:
            continue
        start = timezone.make_aware(datetime.combine(day, time(8, 20))) + timedelta(
            minutes=rng.randint(0, 70)
        )
        if start + timedelta(hours=2) < now:
            starts.append(start)
    return starts


def _walk(
    grid: Grid,
    worker: User,
    buildings: list[Building],
    start: datetime,
    community: Community,
    rng: random.Random,
) -> tuple[Patrol, list[PatrolCheckIn]]:
    """One morning's round: a check-in at each building, one skipped now and then."""
    order = buildings if rng.random() < 0.6 else list(reversed(buildings))
    at = start + timedelta(minutes=rng.randint(3, 8))
    check_ins = []
    for building in order:
        if len(order) > 1 and rng.random() < 0.1:
            continue  # not reached today: the coverage page shows it missed
        latitude = longitude = None
        if rng.random() < 0.9:  # the rest: the phone gave no position
            latitude, longitude = _position(community, building, rng)
        check_ins.append(
            PatrolCheckIn(
                building=building,
                at=at,
                latitude=latitude,
                longitude=longitude,
                note=rng.choice(CHECK_IN_NOTES) if rng.random() < 0.15 else "",
            )
        )
        at += timedelta(minutes=rng.randint(6, 14))
    ended = at + timedelta(minutes=rng.randint(2, 10))
    patrol = Patrol(
        grid=grid,
        worker=worker,
        status=PatrolStatus.ENDED,
        started_at=start,
        ended_at=ended,
        summary=rng.choice(SUMMARIES),
        created_at=start,
    )
    return patrol, check_ins


def _position(
    community: Community, building: Building, rng: random.Random
) -> tuple[Decimal, Decimal]:
    """Near the building's door: buildings stand in rows of four, 60-80 m apart."""
    lat, lng = ORIGIN.get(community.name, (Decimal("35.38"), Decimal("116.60")))
    row, column = divmod(building.number - 1, 4)
    jitter = Decimal(rng.randint(-60, 60)) / 1_000_000
    return (
        (lat + Decimal("0.0006") * row + jitter).quantize(Decimal("0.000001")),
        (lng + Decimal("0.0008") * column - jitter).quantize(Decimal("0.000001")),
    )


def _work_log(
    grid: Grid, worker: User, days: list[datetime], rng: random.Random
) -> list[WorkLogEntry]:
    """One or two pieces of work on most days out; every kind in the first days."""
    residents = list(
        Resident.objects.filter(household__unit__building__grid=grid).order_by("pk")[:300]
    )
    kinds = list(WORK_WEIGHTS)
    weights = list(WORK_WEIGHTS.values())
    entries = []
    for n, start in enumerate(days):
        count = rng.choice([0, 1, 1, 2])
        picked = [kinds[n]] if n < len(kinds) else rng.choices(kinds, weights, k=count)
        for kind in picked:
            entries.append(
                WorkLogEntry(
                    worker=worker,
                    grid=grid,
                    category=kind,
                    done_on=timezone.localdate(start),
                    note=rng.choice(WORK_NOTES[kind]),
                    resident=(
                        rng.choice(residents)
                        if kind == WorkCategory.SERVE and residents and rng.random() < 0.5
                        else None
                    ),
                    created_at=start + timedelta(hours=rng.randint(3, 8)),
                )
            )
    return entries


def _hazards(
    community: Community,
    walks: list[tuple[Patrol, list[PatrolCheckIn]]],
    rng: random.Random,
) -> int:
    """The community's hazards, each found at a check-in of a patrol that passed
    its building, reported (and some fixed) through the services with photos."""
    made = 0
    for plan in HAZARDS.get(community.name, []):
        stops = [
            (patrol, c)
            for patrol, check_ins in walks
            for c in check_ins
            if c.building.number == plan.building
        ]
        if not stops:
            continue
        patrol, stop = rng.choice(stops)
        hazard = hazard_report(
            actor=patrol.worker,
            building=stop.building,
            kind=plan.kind,
            severity=plan.severity,
            description=plan.description,
            photos=[_photo(plan.photo, rng)],
            patrol=patrol,
        )
        found = stop.at + timedelta(minutes=2)
        Hazard.objects.filter(pk=hazard.pk).update(created_at=found, updated_at=found)
        HazardPhoto.objects.filter(hazard=hazard).update(created_at=found)
        if plan.fix_note:
            hazard_fix(
                hazard=hazard,
                actor=patrol.worker,
                note=plan.fix_note,
                photos=[_photo("fixed", rng)],
            )
            fixed = min(found + timedelta(days=rng.randint(1, 3), hours=2), timezone.now())
            Hazard.objects.filter(pk=hazard.pk).update(fixed_at=fixed, updated_at=fixed)
            HazardPhoto.objects.filter(hazard=hazard, stage=PhotoStage.FIXED).update(
                created_at=fixed
            )
        made += 1
    return made


# --- Drawn photos (small JPEGs, no camera and no files on disk) -----------------------

SIZE = (320, 240)


def _photo(name: str, rng: random.Random) -> UploadedFile:
    image = Image.new("RGB", SIZE, (206, 212, 218))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 170, SIZE[0], SIZE[1]), fill=(150, 150, 145))  # the ground
    DRAWINGS[name](draw, rng)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=75)
    return SimpleUploadedFile(f"{name}.jpg", out.getvalue(), content_type="image/jpeg")


def _wall(draw: ImageDraw.ImageDraw) -> None:
    draw.rectangle((40, 10, 280, 170), fill=(222, 196, 160))
    for x in (70, 190):
        for y in (25, 95):
            draw.rectangle((x, y, x + 60, y + 45), fill=(120, 160, 200), outline=(90, 90, 90))


def _wire(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """A cable from a window down to an e-bike by the door."""
    _wall(draw)
    drop = rng.randint(-10, 10)
    draw.line((100, 140, 110 + drop, 175, 150, 205), fill=(25, 25, 25), width=4)
    draw.ellipse((150, 190, 180, 220), outline=(30, 30, 30), width=4)  # wheels
    draw.ellipse((215, 190, 245, 220), outline=(30, 30, 30), width=4)
    draw.line((165, 205, 200, 185, 230, 205), fill=(200, 40, 40), width=5)  # frame


def _boxes(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """A stairwell door with boxes piled in front of it."""
    draw.rectangle((110, 40, 210, 170), fill=(70, 120, 80))  # the green exit door
    for i in range(rng.randint(3, 5)):
        x, y = 80 + i * 35, 140 - (i % 2) * 30
        draw.rectangle((x, y, x + 50, y + 40), fill=(190, 150, 100), outline=(120, 90, 60))


def _strip(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """A power strip lying bare in the snow."""
    draw.rectangle((0, 170, SIZE[0], SIZE[1]), fill=(236, 240, 246))
    draw.line((0, 120, 100, 195), fill=(30, 30, 30), width=4)
    draw.rounded_rectangle((100, 185, 240, 215), radius=6, fill=(240, 240, 232))
    for x in range(115, 225, 28):
        draw.rectangle((x, 195, x + 14, 205), fill=(60, 60, 60))
    for i in range(60):
        x, y = (i * 97 + rng.randint(0, 9)) % SIZE[0], (i * 53) % SIZE[1]
        draw.ellipse((x, y, x + 2, y + 2), fill=(250, 252, 255))


def _pile(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """A charging pile with two broken sockets."""
    draw.rectangle((130, 50, 190, 175), fill=(40, 110, 170))
    draw.rectangle((140, 65, 180, 85), fill=(20, 20, 20))  # its screen
    for y in (100, 125, 150):
        draw.rectangle((145, y, 175, y + 15), fill=(230, 230, 230))
    draw.line((145, 125, 175, 140), fill=(200, 30, 30), width=3)
    draw.line((145, 150, 175, 165), fill=(200, 30, 30), width=3)


def _fixed(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    """The same place, cleared: a wall and a clean doorway."""
    _wall(draw)
    draw.rectangle((135, 110, 185, 170), fill=(70, 120, 80))
    draw.line((120, 200, 150, 225, 210, 180), fill=(25, 135, 84), width=8)  # a tick


DRAWINGS = {"wire": _wire, "boxes": _boxes, "strip": _strip, "pile": _pile, "fixed": _fixed}
