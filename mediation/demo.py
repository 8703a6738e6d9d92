"""Demo cases of 御景花园's mediation room, the seed case first.

The seed case (from the reports): a guest scratched a neighbour's parked electric
car at night and left a phone number on the wiper; by the next day nobody had
called; the secretary found the owner and both sides agreed on the repair.
Every case is made through the services (events and messages as in real use),
then moved back in time. Called by ``manage.py seed_demo``; a second run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from community.models import Community, Notification, User
from grids.models import Resident
from mediation import services
from mediation.models import CaseAction, CaseEvent, FollowUp, MediationCase, MediationSession
from mediation.services import PartyInput

COMMUNITY = "御景花园社区"


@dataclass
class Story:
    days_ago: int
    dispute_type: str
    facts: str
    other_party: tuple[str, str, str]  # role, name, phone (an outsider)
    # (action, note, fields) in order, each a day after the last
    steps: list[tuple[str, str, dict]] = field(default_factory=list)
    source: str = "walk_in"


SEED = Story(
    days_ago=40,
    dispute_type="damages",
    facts=(
        "晚上访客孙女士开车来看亲戚，倒车时刮伤了停在楼下的王先生的电动汽车，"
        "在雨刮器上留了电话号码，第二天仍没有人联系她。孙女士来社区求助，"
        "书记李书华通过网格员找到了车主王先生。"
    ),
    other_party=("respondent", "孙女士（访客）", "13912340001"),
    steps=[
        (
            CaseAction.SESSION,
            "",
            {
                "place": "调解室（远亲不如近邻）",
                "attendees": "王先生、孙女士、调解员吴秀英、书记李书华",
                "record": "孙女士说明当晚经过并道歉；王先生表示理解，希望尽快修好。"
                "调解员请双方将心比心、换位思考。",
                "proposals": "由孙女士承担维修费用，到4S店修复后凭发票结算。",
            },
        ),
        (
            CaseAction.AGREE,
            "",
            {
                "kind": "written",
                "facts": "孙女士倒车刮伤王先生电动汽车左后门，对此负全部责任。",
                "terms": "孙女士承担左后门喷漆维修费用人民币1200元；王先生不再追究其他责任。",
                "performance": "孙女士于维修完成后凭发票当面支付给王先生，社区调解室见证",
                "perform_in": 7,
            },
        ),
        (CaseAction.FOLLOW_UP, "车已修好，费用已当面付清，双方满意。", {"carried_out": True}),
        (CaseAction.CLOSE, "协议已履行完毕。", {}),
    ],
)

OTHERS = [
    Story(
        days_ago=3,
        dispute_type="neighbours",
        facts="楼上住户晚上十一点后经常拖动桌椅，楼下老人睡不好，多次敲门未果。",
        other_party=("respondent", "楼上住户刘先生", "13912340002"),
    ),
    Story(
        days_ago=12,
        dispute_type="housing",
        facts="楼上卫生间漏水，楼下厨房吊顶发霉脱落，双方对维修费用分担有争议。",
        other_party=("respondent", "楼上业主陈女士", "13912340003"),
        steps=[
            (
                CaseAction.SESSION,
                "",
                {
                    "attendees": "双方当事人、物业维修工",
                    "record": "物业确认漏水点在楼上防水层；陈女士同意维修防水，吊顶费用未谈拢。",
                },
            ),
        ],
    ),
    Story(
        days_ago=27,
        dispute_type="neighbours",
        facts="两户为地面车位反复争吵，一方在车位上放置地锁，另一方扬言要砸锁。",
        other_party=("respondent", "邻居周先生", "13912340004"),
        steps=[(CaseAction.FLAG_RISK, "一方扬言砸锁，情绪激动，需民警参与。", {})],
    ),
    Story(
        days_ago=35,
        dispute_type="family",
        facts="兄妹三人对父母留下的房屋如何分配意见不一，老母亲由谁赡养也有争议。",
        other_party=("respondent", "哥哥马先生", "13912340005"),
        steps=[
            (
                CaseAction.SESSION,
                "",
                {"attendees": "兄妹三人", "record": "三人各自陈述，分歧较大。"},
            ),
            (CaseAction.NO_AGREEMENT, "已告知可向人民法院起诉，并介绍法律援助中心。", {}),
            (CaseAction.CLOSE, "", {}),
        ],
    ),
    Story(
        days_ago=20,
        dispute_type="property_management",
        facts="业主认为物业费上涨未经业主大会同意，拒交物业费，物业要停其门禁卡。",
        other_party=("respondent", "物业公司项目经理", "13912340006"),
        steps=[(CaseAction.REFER, "涉及物业收费标准，已转区住房和城乡建设局物业科。", {})],
    ),
    Story(
        days_ago=15,
        dispute_type="neighbours",
        facts="楼下住户养的狗夜间吠叫，楼上住户多次反映。",
        other_party=("respondent", "养犬户赵女士", "13912340007"),
        steps=[
            (
                CaseAction.SESSION,
                "",
                {"attendees": "双方当事人", "record": "赵女士同意晚上把狗牵进室内。"},
            ),
            (
                CaseAction.AGREE,
                "",
                {
                    "kind": "oral",
                    "terms": "赵女士晚九点后将狗带入室内，并为狗佩戴止吠器。",
                    "performance": "赵女士自行落实，网格员回访",
                    "perform_in": 5,
                },
            ),
        ],
    ),
]


def seed(*, stdout: TextIO) -> None:
    community = Community.objects.filter(name=COMMUNITY).first()
    mediator = User.objects.filter(username="tiaojie").first()
    secretary = User.objects.filter(username="shuji").first()
    if community is None or mediator is None or secretary is None:
        return
    if MediationCase.objects.filter(community=community).exists():
        return
    residents = list(
        Resident.objects.filter(household__unit__building__community=community, user=None)
        .exclude(phone="")
        .order_by("pk")[:20]
    )
    with transaction.atomic():
        for i, story in enumerate([SEED, *OTHERS]):
            _play(story, community, mediator, secretary, residents[i * 2])
    stdout.write(f"  {community}: {1 + len(OTHERS)} mediation cases")


def _play(
    story: Story, community: Community, mediator: User, secretary: User, neighbour: Resident
) -> None:
    today = timezone.localdate()
    start = today - timedelta(days=story.days_ago)
    role, name, phone = story.other_party
    case = services.case_open(
        actor=secretary,
        community=community,
        source=story.source,
        dispute_type=story.dispute_type,
        facts=story.facts,
        parties=[
            PartyInput(role="applicant", name=neighbour.name, phone=neighbour.phone),
            PartyInput(role=role, name=name, phone=phone),
        ],
        mediators=[mediator, secretary],
    )
    # Open the case on its day, then replay each step two days after the last.
    MediationCase.objects.filter(pk=case.pk).update(
        opened_on=start, due_on=start + timedelta(days=30)
    )
    case.refresh_from_db()
    for step, (action, note, fields) in enumerate(story.steps, start=1):
        on = min(start + timedelta(days=2 * step), today)
        extra = dict(fields)
        if action == CaseAction.SESSION:
            extra.setdefault("place", "调解室")
            extra["held_on"] = on
        if action == CaseAction.AGREE:
            extra["agreed_on"] = on
            extra["perform_by"] = on + timedelta(days=extra.pop("perform_in"))
        case = services.case_move(case=case, actor=mediator, action=action, note=note, **extra)
        if action == CaseAction.CLOSE:
            MediationCase.objects.filter(pk=case.pk).update(closed_on=on)
        if action == CaseAction.FOLLOW_UP:
            FollowUp.objects.filter(case=case, done_on__isnull=False).update(done_on=on)
    opened_at = timezone.now() - timedelta(days=story.days_ago)
    for i, event in enumerate(CaseEvent.objects.filter(case=case).order_by("id")):
        at = min(opened_at + timedelta(days=2 * i), timezone.now())
        CaseEvent.objects.filter(pk=event.pk).update(created_at=at)
    MediationSession.objects.filter(case=case).update(created_at=opened_at)
    # Messages of the past are old and read: the bell lights up for what comes next.
    Notification.objects.filter(link=reverse("mediation:detail", args=[case.pk])).update(
        created_at=opened_at, read_at=opened_at
    )
