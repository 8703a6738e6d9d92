"""The seed stories of the reports, step by step, with the times they took."""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from django.utils import timezone

from community.models import User
from grids.models import Resident
from petitions.demo.outcomes import duplicate
from petitions.demo.stories import Story, Walk
from petitions.demo.texts import Matter
from petitions.demo.timing import place_steps, schedule
from petitions.demo.world import Place, World
from petitions.models import Action, Category, Channel, Priority, Rating

FLYING_WIRES = Matter(
    Category.SAFETY,
    Priority.COMPLEX,
    (
        "7号楼、8号楼不少住户从窗户往下吊电线给电动车充电，电线横七竖八挂在单元门口和绿化带上，"
        "雨天怕漏电，夜里怕起火。小区虽然有固定车棚，但充电口少、排队久，大家只好私拉电线。"
        "希望社区想办法从根本上解决充电难的问题。",
    ),
    community="",
    dept="power",
    department=(
        "经街道协调，供电所完成小区配电增容，在各单元楼前安装85个惠民充电桩，居民刷卡即可充电，"
        "每度电0.66元，与家用电价基本一致；同时会同执法中队拆除窗外和楼道飞线37处。"
    ),
    callback="",
)
PIGEONS = Matter(
    Category.SANITATION,
    Priority.NORMAL,
    (
        "居民来电：家住3号楼2单元{room}室，窗台上天天落满鸽子，晒太阳、排便，窗台和空调外机上"
        "全是鸽子粪，一开窗户气味熏人。驱赶过、摆过植物、也装了防护窗，都没用。请社区帮帮忙。",
    ),
    community="",
    dept="",
    department="",
    callback="",
)
POWER_STRIP = Matter(
    Category.SAFETY,
    Priority.URGENT,
    (
        "下雪了，2号楼1单元门口有辆电动车正在充电，插线板就裸露在雪地上，雪一化很容易进水漏电，"
        "太危险了！照片已经发到业主群里了，请尽快处理。",
    ),
    community="",
    dept="",
    department="",
    callback="",
)
SCRAPED_CAR = Matter(
    Category.NEIGHBOURS,
    Priority.NORMAL,
    (
        "昨晚家里客人临时有事着急走，不小心把停在9号楼楼门口的一辆新能源车剐了。当时联系不上车主，"
        "客人把电话写在纸条上夹在雨刷器上，到现在也没人联系。想请社区帮忙找找车主，"
        "我们好给人家修车。",
    ),
    community="",
    dept="",
    department="",
    callback="",
)


def _j(rng: Random, hours: float) -> float:
    """A gap as people keep it: roughly, never to the minute."""
    return hours * rng.uniform(0.85, 1.15)


def _at(now: datetime, days: int, hour: int, minute: int) -> datetime:
    day = timezone.localtime(now) - timedelta(days=days)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def _story(
    n: int,
    place: Place,
    number: int,
    matter: Matter,
    channel: str,
    name: str = "",
    phone: str = "",
) -> Story:
    building = next(b for b in place.buildings if b.number == number)
    worker = place.worker_of[building.grid_id]
    requester: User | None = None
    if channel == Channel.ONLINE:
        requester = next((u for u, home in place.accounts if home == building), None)
        if requester is None:  # no login there: the grid worker takes it down by phone
            channel = Channel.PHONE
    return Story(
        n=n,
        place=place,
        building=building,
        matter=matter,
        category=matter.category,
        priority=matter.priority,
        channel=channel,
        filer=requester or worker,
        requester=requester,
        resident=None,
        name=requester.name if requester else name,
        phone=phone,
        b=number,
        u=1,
        f=12,
        description=matter.texts[0],
    )


def _flying_wires(n: int, world: World, place: Place, rng: Random, now: datetime) -> Story:
    s = _story(n, place, 7, FLYING_WIRES, Channel.WALK_IN, "王勇", "13953700126")
    w = Walk(s, world, rng)
    worker, secretary = w.worker, w.secretary
    power = world.departments["power"]
    handler = world.handlers[power.pk]
    w.add(_j(rng, 2.5), Action.ACCEPT, worker)
    reason = "涉及充电设施统一规划建设和配电增容，社区无法单独解决，申请街道协调供电所处理。"
    w.add(_j(rng, 20), Action.ESCALATE, secretary, reason=reason)
    # A month for building the charging points, not the default fortnight.
    fields = {"department": power, "due_hours": 30 * 24}
    w.add(
        _j(rng, 4),
        Action.DISPATCH,
        world.dispatcher,
        fields=fields,
        note="请制定充电设施建设方案。",
    )
    w.add(_j(rng, 3), Action.SIGN, handler)
    w.add(_j(rng, 5 * 24), Action.HOLD, handler, reason="充电桩设备招标采购中，待设备到货后施工。")
    w.add(_j(rng, 9 * 24), Action.RESUME, handler, note="设备已到货，开始安装。")
    w.add(_j(rng, 8 * 24), Action.REPLY, handler, fields={"result": FLYING_WIRES.department})
    w.add(_j(rng, 20), Action.APPROVE, world.dispatcher)
    said = (
        "上门回访居民王勇：“以前私拉电线充电，现在单元楼前就有充电桩，有了固定的充电地点，"
        "小区环境井然有序，我们对社区网格员的工作效率很满意。”"
    )
    w.add(_j(rng, 28), Action.CALLBACK, worker, note=said)
    comment = "充电桩装到了家门口，刷卡就能充，又方便又安全。"
    w.add(_j(rng, 2), Action.RATE, worker, fields={"rating": Rating.SATISFIED, "comment": comment})
    place_steps(s.steps, 0, _at(now, 57, 9, 30), now, rng)
    schedule(s, w.hours, now)
    return s


def _high_up(place: Place, number: int, unit: int, floor: int) -> Resident | None:
    """A resident of that floor (whose windowsill the pigeons like)."""
    building = next(b for b in place.buildings if b.number == number)
    for r in place.residents.get(building.pk, []):
        if r.household.unit.number == unit and r.household.room[:-2] == str(floor):
            return r
    return None


def _pigeons(n: int, world: World, place: Place, rng: Random, now: datetime) -> Story:
    s = _story(n, place, 3, PIGEONS, Channel.PHONE, "居民")
    s.resident = _high_up(place, 3, 2, 12)
    room = s.resident.household.room if s.resident else "1202"
    s.name = s.resident.name if s.resident else s.name
    s.u, s.description = 2, PIGEONS.texts[0].format(room=room)
    w = Walk(s, world, rng)
    # Rated by phone: the grid worker writes down what the resident said.
    worker, secretary, resident = w.worker, w.secretary, w.worker
    w.add(_j(rng, 1.5), Action.ACCEPT, worker)
    w.assign(secretary, gap=_j(rng, 3))
    first = "书记上门查看，清理了窗台和空调外机上的鸽粪，建议在窗台加装防鸟刺。"
    w.add(_j(rng, 30), Action.RESOLVE, secretary, fields={"result": first})
    w.add(
        _j(rng, 48), Action.CALLBACK, worker, note=f"电话回访{s.name}：清理后没两天鸽子又回来了。"
    )
    comment = "驱赶、摆植物、装防护窗都试过了，防鸟刺也不管用，鸽子照样来。"
    w.add(
        _j(rng, 3), Action.RATE, resident, fields={"rating": Rating.UNSATISFIED, "comment": comment}
    )
    w.assign(secretary, gap=_j(rng, 2))
    nets = (
        "书记琢磨多日想出办法：在窗外悬挂渔网，让鸽子误以为会被捕捉。从厨房到卧室再到书房，"
        "每扇窗户书记都亲自上门测量，按尺寸裁剪渔网后挂好。挂网后鸽子不再落脚。"
    )
    w.add(_j(rng, 6 * 24), Action.RESOLVE, secretary, fields={"result": nets}, photo="window_nets")
    said = f"上门回访{s.name}：挂网一周，鸽子没再来过，窗台干干净净，终于能开窗通风了。"
    w.add(_j(rng, 7 * 24), Action.CALLBACK, worker, note=said)
    comment = "书记亲自量尺寸、裁渔网、上门挂好，鸽子再也不来了，太感谢了！"
    w.add(
        _j(rng, 5), Action.RATE, resident, fields={"rating": Rating.SATISFIED, "comment": comment}
    )
    place_steps(s.steps, 0, _at(now, 41, 19, 20), now, rng)
    schedule(s, w.hours, now)
    return s


def _power_strip(n: int, world: World, place: Place, rng: Random, now: datetime) -> Story:
    s = _story(n, place, 2, POWER_STRIP, Channel.ONLINE, "业主", "")
    s.u, s.photo = 1, "strip_before"
    w = Walk(s, world, rng)
    worker, secretary = w.worker, w.secretary
    w.add(_j(rng, 0.15), Action.ACCEPT, secretary)
    w.assign(secretary, gap=_j(rng, 0.03))
    fixed = (
        "书记带着塑料袋和皮筋冒雪赶到现场，把插线板严严实实包好做了防水，确认不会进水后拍照发到"
        "业主群，让大家放心；同时提醒车主改用单元楼前的充电桩。"
    )
    w.add(_j(rng, 0.4), Action.RESOLVE, secretary, fields={"result": fixed}, photo="strip_after")
    said = f"电话回访{s.name}：车主已把电动车挪到充电桩充电，插线板收回家了，业主群里大家都点赞。"
    w.add(_j(rng, 3), Action.CALLBACK, worker, note=said)
    comment = "书记冒着雪就来了，处理得又快又细心！"
    rater = s.requester or worker
    w.add(_j(rng, 1.5), Action.RATE, rater, fields={"rating": Rating.SATISFIED, "comment": comment})
    place_steps(s.steps, 0, _at(now, 9, 7, 40), now, rng)
    schedule(s, w.hours, now)
    return s


def _scraped_car(n: int, world: World, place: Place, rng: Random, now: datetime) -> Story:
    s = _story(n, place, 9, SCRAPED_CAR, Channel.PHONE, "何先生", "13953700418")
    w = Walk(s, world, rng)
    worker, secretary = w.worker, w.secretary
    w.add(_j(rng, 0.5), Action.ACCEPT, worker)
    w.assign(secretary, gap=_j(rng, 1))
    found = (
        "书记通过物业车辆登记找到车主，了解双方诉求后约双方见面，提出由客人承担修车费用的方案，"
        "双方达成一致，车已修好，邻里关系也更和睦了。"
    )
    w.add(_j(rng, 26), Action.RESOLVE, secretary, fields={"result": found})
    said = "电话回访何先生：车主已联系上，修车费已经赔了，邻里之间没伤和气。"
    w.add(_j(rng, 24), Action.CALLBACK, worker, note=said)
    comment = "谢谢书记，小事不出小区！"
    w.add(_j(rng, 1), Action.RATE, worker, fields={"rating": Rating.SATISFIED, "comment": comment})
    place_steps(s.steps, 0, _at(now, 23, 8, 50), now, rng)
    schedule(s, w.hours, now)
    return s


def examples(world: World, rng: Random, now: datetime) -> list[Story]:
    """The flying wires (with two neighbours' reports merged into it), the
    pigeons (unsatisfied once, then the nets), the power strip, the scraped car."""
    yujing = world.places[0]
    wires = _flying_wires(0, world, yujing, rng, now)
    stories = [wires]
    for text in (
        "7号楼2单元有人从五楼窗户吊电线下来给电动车充电，电线就挂在单元门口，孩子进出很危险。",
        "晚上看到7号楼前又有飞线充电，插头泡在雨水里，太吓人了，社区管管吧。",
    ):
        stories.append(duplicate(len(stories), world, rng, wires, now, text=text))
    for make in (_pigeons, _power_strip, _scraped_car):
        stories.append(make(len(stories), world, yujing, rng, now))
    return stories
