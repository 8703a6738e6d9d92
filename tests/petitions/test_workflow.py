"""Every move of the request's state machine: allowed, refused, the event, the messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Channel as NoticeChannel
from community.models import DeliveryStatus, Notification
from petitions.models import MOVES, Action, Desk, Petition, PetitionEvent, Status
from tests.petitions.conftest import PetitionWorld, move, walk_to


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English text (the catalogue makes them Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def at(pw: PetitionWorld, status: str) -> Petition:
    """A request of the tenant's, brought to ``status`` along the usual road."""
    g = pw.gw
    p = pw.submit()
    if status == Status.RETURNED:
        return move(p, g.worker_1, Action.RETURN, reason="请补充具体楼层")
    if status == Status.IN_COMMUNITY:
        p = move(p, g.worker_1, Action.ACCEPT)
        return move(p, g.secretary_x, Action.ASSIGN, assignee=g.worker_1)
    if status == Status.WITHDRAWN:
        return move(p, pw.tenant, Action.WITHDRAW)
    return walk_to(pw, p, status)


@dataclass
class Case:
    action: str
    start: str
    actor: str  # a PetitionWorld or GridWorld attribute
    to: str
    told: set[str]  # usernames given an in-portal message
    outsider: str  # someone who may not make this move
    fields: Callable[[PetitionWorld], dict] = field(default=lambda pw: {})


def person(pw: PetitionWorld, name: str):
    return getattr(pw, name, None) or getattr(pw.gw, name)


CASES = [
    # The next desk hears of the hand-over: the secretary reviews what the grid accepted.
    Case("accept", "submitted", "worker_1", "accepted", {"tenant", "secretary_x"}, "tenant"),
    Case(
        "return",
        "submitted",
        "worker_1",
        "returned",
        {"tenant"},
        "dispatcher",
        lambda pw: {"reason": "请补充具体楼层"},
    ),
    Case(
        "amend",
        "returned",
        "tenant",
        "submitted",
        {"worker_1"},
        "worker_1",
        lambda pw: {"description": "5楼楼道，晚上九点以后"},
    ),
    Case("withdraw", "accepted", "tenant", "withdrawn", set(), "secretary_x"),
    Case(
        "assign",
        "accepted",
        "secretary_x",
        "in_community",
        {"worker_1"},
        "worker_1",
        lambda pw: {"assignee": pw.gw.worker_1},
    ),
    Case(
        "escalate",
        "accepted",
        "secretary_x",
        "escalated",
        {"dispatcher", "tenant"},
        "worker_1",
        lambda pw: {"reason": "需要城管执法"},
    ),
    Case(
        "street_return",
        "escalated",
        "dispatcher",
        "accepted",
        {"secretary_x"},
        "secretary_x",
        lambda pw: {"reason": "社区可自行处理"},
    ),
    Case(
        "dispatch",
        "escalated",
        "dispatcher",
        "dispatched",
        {"handler", "tenant"},
        "handler",
        lambda pw: {"department": pw.city},
    ),
    Case("sign", "dispatched", "handler", "in_progress", set(), "dispatcher"),
    Case(
        "decline",
        "dispatched",
        "handler",
        "escalated",
        {"dispatcher"},
        "dispatcher",
        lambda pw: {"reason": "不属于城管职责"},
    ),
    Case(
        "reply",
        "in_progress",
        "handler",
        "replied",
        {"dispatcher", "secretary_x"},
        "dispatcher",
        lambda pw: {"result": "已拆除飞线"},
    ),
    Case("approve", "replied", "dispatcher", "resolved", {"tenant", "worker_1"}, "handler"),
    Case(
        "send_back",
        "replied",
        "dispatcher",
        "in_progress",
        {"handler"},
        "secretary_x",
        lambda pw: {"reason": "缺少整改后照片"},
    ),
    Case(
        "resolve",
        "in_community",
        "worker_1",
        "resolved",
        {"tenant"},
        "dispatcher",
        lambda pw: {"result": "已清理楼道杂物"},
    ),
    Case(
        "callback",
        "resolved",
        "worker_1",
        "called_back",
        {"tenant"},
        "handler",
        lambda pw: {"note": "居民表示满意"},
    ),
    Case(
        "rate",
        "called_back",
        "tenant",
        "closed",
        set(),
        "worker_1",
        lambda pw: {"rating": "satisfied"},
    ),
    Case(
        "hold",
        "in_progress",
        "handler",
        "in_progress",
        {"dispatcher"},
        "tenant",
        lambda pw: {"reason": "等待配件"},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.action)
def test_allowed_move_changes_status_writes_event_and_tells_the_next_desk(
    pw, case, django_capture_on_commit_callbacks
):
    p = at(pw, case.start)
    actor = person(pw, case.actor)
    version = p.version
    before = set(Notification.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        p = move(p, actor, case.action, version=version, **case.fields(pw))
    assert p.status == case.to
    event = p.events.order_by("-id").first()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        case.action,
        actor,
        case.start,
        case.to,
    )
    told = set(
        Notification.objects.exclude(pk__in=before)
        .filter(channel=NoticeChannel.IN_APP)
        .values_list("recipient__username", flat=True)
    )
    assert told == case.told
    assert p.version == version + 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.action)
def test_move_by_someone_at_the_wrong_desk_is_refused_and_changes_nothing(pw, case):
    p = at(pw, case.start)
    events = p.events.count()
    with pytest.raises(NotAllowed):
        move(p, person(pw, case.outsider), case.action, **case.fields(pw))
    p.refresh_from_db()
    assert p.status == case.start
    assert p.events.count() == events


@pytest.mark.parametrize(
    "action", [a for a, m in MOVES.items() if Desk.SYSTEM not in m.desks], ids=str
)
def test_no_person_can_move_a_withdrawn_request(pw, action):
    p = at(pw, Status.WITHDRAWN)
    with pytest.raises(Conflict, match="not possible while the request is"):
        move(p, pw.gw.secretary_x, action, reason="x", result="x", note="x")
    assert p.events.count() == 2  # submitted, withdrawn


def test_the_whole_street_road_is_on_the_timeline_with_levels(pw):
    p = walk_to(pw, pw.submit(), Status.CALLED_BACK)
    p = move(p, pw.tenant, Action.RATE, rating="basic", comment="处理及时")
    rows = list(p.events.values_list("action", "desk", "level"))
    assert rows == [
        ("submit", "requester", "grid"),
        ("accept", "grid", "community"),
        ("escalate", "community", "street"),
        ("dispatch", "street", "department"),
        ("sign", "department", "department"),
        ("reply", "department", "street"),
        ("approve", "street", "community"),
        ("callback", "grid", "community"),
        ("rate", "requester", "community"),
    ]
    assert p.status == Status.CLOSED
    assert p.closed_at is not None


def test_messages_are_queued_only_when_the_move_commits(pw, django_capture_on_commit_callbacks):
    pw.gw.worker_1.email = "wangge@example.cn"
    pw.gw.worker_1.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        p = pw.submit()
    email = Notification.objects.get(recipient=pw.gw.worker_1, channel=NoticeChannel.EMAIL)
    assert email.status == DeliveryStatus.PENDING
    assert p.reference in email.title
    assert len(callbacks) == 1  # the hand-off to Celery waits for the commit


def test_same_move_twice_by_the_same_person_is_one_step(pw):
    p = pw.submit()
    version = p.version
    move(p, pw.gw.worker_1, Action.ACCEPT, version=version)
    again = move(p, pw.gw.worker_1, Action.ACCEPT, version=version)  # the double click
    assert again.status == Status.ACCEPTED
    assert p.events.filter(action=Action.ACCEPT).count() == 1


def test_move_from_a_page_older_than_the_request_is_refused(pw):
    p = pw.submit()
    seen = p.version
    move(p, pw.gw.worker_1, Action.RETURN, version=seen, reason="请补充")
    move(p, pw.tenant, Action.AMEND, description="5楼")
    with pytest.raises(Conflict, match="Reload"):
        move(p, pw.gw.secretary_x, Action.ACCEPT, version=seen)
    p.refresh_from_db()
    assert p.status == Status.SUBMITTED


def test_move_that_needs_a_reason_is_refused_without_one(pw):
    p = at(pw, Status.ACCEPTED)
    with pytest.raises(DomainError, match="reason"):
        move(p, pw.gw.secretary_x, Action.ESCALATE, reason="  ")
    p.refresh_from_db()
    assert p.status == Status.ACCEPTED


def test_dispatch_with_a_deadline_in_the_past_is_refused_and_nothing_is_saved(pw):
    from django.utils import timezone

    p = at(pw, Status.ESCALATED)
    street_due = p.due_at  # the street's time limit to dispatch
    messages = Notification.objects.count()
    with pytest.raises(DomainError, match="future"):
        move(
            p,
            pw.gw.dispatcher,
            Action.DISPATCH,
            department=pw.city,
            due_at=timezone.now() - timedelta(hours=1),
        )
    p.refresh_from_db()
    assert (p.status, p.department, p.due_at) == (Status.ESCALATED, None, street_due)
    assert Notification.objects.count() == messages


def test_dispatch_to_a_department_of_another_street_is_refused(pw):
    p = at(pw, Status.ESCALATED)
    with pytest.raises(DomainError, match="department of this street"):
        move(p, pw.gw.dispatcher, Action.DISPATCH, department=pw.far_department)


def test_dispatch_without_a_deadline_takes_it_from_the_rules(pw):
    from petitions.models import DeadlineRule

    DeadlineRule.objects.create(category="safety", priority="normal", hours=48)
    p = at(pw, Status.ESCALATED)
    p = move(p, pw.gw.dispatcher, Action.DISPATCH, department=pw.city)
    sent = p.events.order_by("-id").first().created_at
    # The handling deadline is promised; the clock is the department's sign-for limit.
    assert p.promised_at == sent + timedelta(hours=48)
    assert p.due_at == p.sign_by == sent + timedelta(hours=24)


@pytest.mark.django_db
def test_the_default_rules_give_urgent_safety_two_hours_and_complex_fifteen_days():
    from petitions.services import deadline_hours

    assert deadline_hours("safety", "urgent") == 2
    assert deadline_hours("utilities", "normal") == 24
    assert deadline_hours("sanitation", "normal") == 7 * 24
    assert deadline_hours("other", "complex") == 15 * 24


def test_rating_someone_elses_request_is_refused(pw):
    p = at(pw, Status.CALLED_BACK)
    with pytest.raises(NotAllowed):
        move(p, pw.neighbour, Action.RATE, rating="unsatisfied")
    p.refresh_from_db()
    assert p.rating == ""


def test_staff_cannot_rate_for_a_resident_who_has_an_account(pw):
    p = at(pw, Status.CALLED_BACK)
    with pytest.raises(NotAllowed, match="own account"):
        move(p, pw.gw.worker_1, Action.RATE, rating="satisfied")


def test_staff_record_a_rating_given_by_phone_when_the_requester_has_no_account(pw):
    p = services_record(pw)
    p = walk_to(pw, p, Status.CALLED_BACK)
    p = move(p, pw.gw.worker_1, Action.RATE, rating="satisfied")
    assert p.status == Status.CLOSED
    assert p.events.order_by("-id").first().data == {"rating": "satisfied", "by_phone": True}


def services_record(pw: PetitionWorld) -> Petition:
    from petitions import services

    return services.petition_submit(
        actor=pw.gw.worker_1,
        building=pw.gw.building_1,
        category="sanitation",
        description="张奶奶反映楼下垃圾桶满溢",
        channel="walk_in",
        resident=pw.gw.elder_1,
    )


def test_unsatisfied_rating_reopens_the_request_for_another_round(pw):
    p = at(pw, Status.CALLED_BACK)
    p = move(p, pw.tenant, Action.RATE, rating="unsatisfied", comment="充电桩太少")
    assert (p.status, p.round, p.resolved_at) == (Status.ACCEPTED, 2, None)
    told = set(
        Notification.objects.filter(kind="petition.rate").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"secretary_x", "worker_1"}


def test_hold_pauses_the_clock_and_resume_moves_the_deadline_by_the_pause(pw):
    from datetime import timedelta

    import time_machine

    p = at(pw, Status.IN_PROGRESS)
    due = p.due_at
    with time_machine.travel(p.events.last().created_at + timedelta(hours=1), tick=False):
        p = move(p, pw.handler, Action.HOLD, reason="等待供电所停电检修")
        assert p.on_hold_since is not None
        assert (
            move(p, pw.handler, Action.HOLD, reason="again")
            .events.filter(action=Action.HOLD)
            .count()
            == 1
        )  # on hold already: nothing new
    with time_machine.travel(p.on_hold_since + timedelta(hours=5), tick=False):
        p = move(p, pw.handler, Action.RESUME)
    assert p.on_hold_since is None
    assert p.due_at == due + timedelta(hours=5)
    assert p.events.order_by("-id").first().data == {"paused_minutes": 300}


def test_a_community_matter_is_held_by_its_handler_not_the_department(pw):
    p = at(pw, Status.IN_COMMUNITY)
    with pytest.raises(NotAllowed):
        move(p, pw.gw.dispatcher, Action.HOLD, reason="x")
    p = move(p, pw.gw.worker_1, Action.HOLD, reason="等业主回家")
    assert p.on_hold_since is not None


def test_assign_only_to_staff_of_the_community(pw):
    p = at(pw, Status.ACCEPTED)
    with pytest.raises(DomainError, match="grid worker or cadre of this community"):
        move(p, pw.gw.secretary_x, Action.ASSIGN, assignee=pw.gw.secretary_y)
    p = move(p, pw.gw.secretary_x, Action.ASSIGN, assignee=pw.gw.worker_2)
    assert p.assignee == pw.gw.worker_2
    assert p.due_at is not None


def test_a_move_with_a_photo_that_is_not_an_image_saves_nothing(pw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    p = at(pw, Status.IN_COMMUNITY)
    fake = SimpleUploadedFile("fix.jpg", b"not really a photo", "image/jpeg")
    with pytest.raises(DomainError, match="not a photo that can be read"):
        move(p, pw.gw.worker_1, Action.RESOLVE, result="已修好", photos=[fake])
    p.refresh_from_db()
    assert p.status == Status.IN_COMMUNITY
    assert not PetitionEvent.objects.filter(petition=p, action=Action.RESOLVE).exists()


def test_result_photos_are_kept_on_the_step(pw, django_capture_on_commit_callbacks):
    from tests.photos import phone_jpeg

    p = at(pw, Status.IN_COMMUNITY)
    with django_capture_on_commit_callbacks(execute=True):
        p = move(p, pw.gw.worker_1, Action.RESOLVE, result="已更换插线板", photos=[phone_jpeg()])
    event = p.events.get(action=Action.RESOLVE)
    assert event.photos.count() == 1
    assert event.photos.get().thumbnail  # made by the (eager) task after commit


def test_merge_keeps_every_requester_informed(pw):
    original = pw.submit()
    duplicate = pw.submit(actor=pw.neighbour, building=pw.gw.building_1)
    g = pw.gw
    duplicate = move(duplicate, g.worker_1, Action.MERGE, original=original)
    assert (duplicate.status, duplicate.merged_into) == (Status.MERGED, original)
    assert Notification.objects.filter(
        recipient=pw.neighbour, kind="petition.merge", body__contains=original.reference
    ).exists()
    walk_to(pw, original, Status.RESOLVED)
    resolved_for = set(
        Notification.objects.filter(kind="petition.approve").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"tenant", "neighbour"} <= resolved_for


def test_merge_into_a_request_of_another_community_is_refused(pw):
    mine = pw.submit()
    theirs = pw.submit(actor=pw.resident_y, building=pw.gw.outsider.household.unit.building)
    with pytest.raises(DomainError, match="same community"):
        move(mine, pw.gw.secretary_x, Action.MERGE, original=theirs)


# --- Who accepted, in the words the resident reads --------------------------------------


@pytest.mark.parametrize(("name", "role"), [("secretary_x", "社区书记"), ("worker_1", "网格员")])
def test_the_resident_is_told_the_real_role_of_whoever_accepted(pw, name, role):
    from django.utils import translation

    actor = person(pw, name)
    with translation.override("zh-hans"):
        move(pw.submit(), actor, Action.ACCEPT)
    title = Notification.objects.get(
        recipient=pw.tenant, kind="petition.accept", channel=NoticeChannel.IN_APP
    ).title
    assert role in title
    assert actor.name in title
    other = {"社区书记": "网格员", "网格员": "社区书记"}[role]
    assert other not in title


# --- What the resident reads of the handling --------------------------------------------


def _tenant_reads(pw: PetitionWorld, p: Petition) -> list[tuple[str, str, str]]:
    from petitions import selectors

    return [
        (e.action, e.reason, e.public_note)
        for e in selectors.timeline(p, viewer=pw.tenant, staff=False)
    ]


def test_a_callback_note_stays_with_staff_unless_shared(pw):
    p = at(pw, Status.RESOLVED)
    p = move(p, pw.gw.worker_1, Action.CALLBACK, note="居民说楼道还有点味道")
    event = p.events.get(action=Action.CALLBACK)
    assert (event.public_note, event.internal_note) == ("", "居民说楼道还有点味道")
    assert ("callback", "", "") in _tenant_reads(pw, p)


def test_a_shared_hold_reason_is_read_by_the_resident_an_unshared_one_not(pw):
    p = at(pw, Status.IN_PROGRESS)
    p = move(p, pw.handler, Action.HOLD, reason="等待配件")
    assert ("hold", "", "") in _tenant_reads(pw, p)
    p = move(p, pw.handler, Action.RESUME)
    p = move(p, pw.handler, Action.HOLD, reason="等待供电所停电", share=True)
    assert ("hold", "等待供电所停电", "") in _tenant_reads(pw, p)


def test_a_return_reason_and_a_note_for_the_resident_are_always_read(pw):
    p = move(pw.submit(), pw.gw.worker_1, Action.RETURN, reason="请补充具体楼层")
    assert ("return", "请补充具体楼层", "") in _tenant_reads(pw, p)
    p = move(p, pw.tenant, Action.AMEND, description="5楼")
    p = move(p, pw.gw.worker_1, Action.ACCEPT, note="今天下午去看")
    assert ("accept", "", "今天下午去看") in _tenant_reads(pw, p)


# --- 催办 ---------------------------------------------------------------------------------


def _overdue(pw: PetitionWorld) -> Petition:
    """Accepted by the grid, and left at the secretary's desk past its limit."""
    return move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)


def test_the_resident_urges_an_overdue_request_once_a_day_and_the_desk_is_told(
    pw, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    import time_machine

    p = _overdue(pw)
    with pytest.raises(DomainError, match="past its time limit"):
        move(p, pw.tenant, Action.URGE)
    with time_machine.travel(p.due_at + timedelta(hours=1), tick=False):
        version = p.version
        with django_capture_on_commit_callbacks(execute=True):
            p = move(p, pw.tenant, Action.URGE)
        event = p.events.order_by("-id").first()
        assert (event.action, event.actor, event.desk, event.public) == (
            Action.URGE,
            pw.tenant,
            Desk.REQUESTER,
            True,
        )
        assert p.version == version  # nothing a desk decides on changed
        told = set(
            Notification.objects.filter(
                kind="petition.urge", channel=NoticeChannel.IN_APP
            ).values_list("recipient__username", flat=True)
        )
        assert told == {"secretary_x"}  # the desk holding it
        with pytest.raises(DomainError, match="today already"):
            move(p, pw.tenant, Action.URGE)
    with time_machine.travel(p.due_at + timedelta(days=1), tick=False):
        move(p, pw.tenant, Action.URGE)
    assert p.events.filter(action=Action.URGE).count() == 2


def test_only_the_requester_may_urge(pw):
    from datetime import timedelta

    import time_machine

    p = _overdue(pw)
    with time_machine.travel(p.due_at + timedelta(hours=1), tick=False):
        for outsider in (pw.neighbour, pw.gw.worker_1):
            with pytest.raises(NotAllowed):
                move(p, outsider, Action.URGE)
