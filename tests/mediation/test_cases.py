"""The mediation case's state machine, the beat watch and the room's statistics."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.errors import Conflict, DomainError, NotAllowed
from community.models import Channel as NoticeChannel
from community.models import DeliveryStatus, Notification, Role
from mediation import services
from mediation.models import (
    MOVES,
    Agreement,
    CaseAction,
    CaseEvent,
    CaseParty,
    CaseStatus,
    FollowUp,
    MediationCase,
    MediationSession,
)
from mediation.selectors import room_stats
from tests.community.factories import person
from tests.mediation.conftest import RoomWorld


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched on their English text (the catalogue makes them Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def today() -> date:
    return timezone.localdate()


def move(case: MediationCase, actor, action: str, **kwargs) -> MediationCase:
    return services.case_move(case=case, actor=actor, action=action, **kwargs)


def session_fields(**kwargs) -> dict:
    fields = {
        "held_on": today(),
        "place": "远亲不如近邻调解室",
        "attendees": "赵先生、李师傅、调解员",
        "record": "双方陈述了刮车经过，李师傅承认夜间停车时刮伤车门。",
        "proposals": "李师傅承担维修费用",
    }
    fields.update(kwargs)
    return fields


def agreement_fields(**kwargs) -> dict:
    fields = {
        "kind": "written",
        "terms": "李师傅赔偿赵先生维修费人民币八百元。",
        "performance": "微信转账，于社区调解室当面确认",
        "perform_by": today() + timedelta(days=7),
    }
    fields.update(kwargs)
    return fields


def at(rw: RoomWorld, status: str) -> MediationCase:
    """The tenant's case with 李师傅, brought to ``status`` by mediator_x."""
    m = rw.mediator_x
    case = rw.open_case()
    if status == CaseStatus.OPEN:
        return case
    if status == CaseStatus.REFERRED:
        return move(case, m, CaseAction.REFER, note="转交派出所处理")
    case = move(case, m, CaseAction.SESSION, **session_fields())
    if status == CaseStatus.IN_MEDIATION:
        return case
    if status == CaseStatus.NO_AGREEMENT:
        return move(case, m, CaseAction.NO_AGREEMENT, note="建议向人民法院起诉")
    case = move(case, m, CaseAction.AGREE, **agreement_fields())
    if status == CaseStatus.AGREEMENT:
        return case
    case = move(case, m, CaseAction.FOLLOW_UP, note="已转账", carried_out=True)
    if status == CaseStatus.FOLLOWED_UP:
        return case
    assert status == CaseStatus.CLOSED
    return move(case, m, CaseAction.CLOSE)


@dataclass
class Move:
    action: str
    start: str
    to: str
    told: set[str]  # usernames given an in-portal message
    wrong_start: str  # a status this move is not allowed from
    fields: Callable[[RoomWorld], dict] = field(default=lambda rw: {})
    actor: str = "mediator_x"


MOVES_TESTED = [
    Move(
        "session",
        "open",
        "in_mediation",
        set(),
        "closed",
        lambda rw: session_fields(),
    ),
    Move(
        "session",
        "in_mediation",
        "in_mediation",
        set(),
        "agreement",
        lambda rw: session_fields(record="第二次调解，双方对金额仍有分歧。"),
        actor="secretary_x",
    ),
    Move("agree", "in_mediation", "agreement", set(), "open", lambda rw: agreement_fields()),
    Move(
        "no_agreement",
        "in_mediation",
        "no_agreement",
        set(),
        "open",
        lambda rw: {"note": "建议向人民法院起诉"},
    ),
    Move("refer", "open", "referred", set(), "agreement", lambda rw: {"note": "转交派出所"}),
    Move(
        "follow_up",
        "agreement",
        "followed_up",
        set(),
        "in_mediation",
        lambda rw: {"note": "已按约定转账", "carried_out": True},
    ),
    Move("close", "followed_up", "closed", set(), "open"),
    Move("close", "no_agreement", "closed", set(), "in_mediation"),
    Move("close", "referred", "closed", set(), "in_mediation"),
    Move(
        "extend",
        "in_mediation",
        "in_mediation",
        set(),
        "agreement",
        lambda rw: {"note": "当事人外出务工", "until": today() + timedelta(days=45)},
    ),
    Move(
        "flag_risk",
        "open",
        "open",
        {"secretary_x"},
        "closed",
        lambda rw: {"note": "双方在楼道发生推搡"},
    ),
    Move(
        "confirmation",
        "agreement",
        "agreement",
        set(),
        "in_mediation",
        lambda rw: {"applied": True, "result": "区人民法院已裁定确认"},
    ),
]


def _id(m: Move) -> str:
    return f"{m.action}-from-{m.start}"


def staff(rw: RoomWorld, name: str):
    return getattr(rw, name, None) or getattr(rw.gw, name)


def told_since(before: set[int]) -> set[str]:
    return set(
        Notification.objects.exclude(pk__in=before)
        .filter(channel=NoticeChannel.IN_APP)
        .values_list("recipient__username", flat=True)
    )


@pytest.mark.parametrize("m", MOVES_TESTED, ids=_id)
def test_allowed_move_changes_status_writes_event_and_tells_whom_it_concerns(rw, m):
    case = at(rw, m.start)
    actor = staff(rw, m.actor)
    version = case.version
    before = set(Notification.objects.values_list("pk", flat=True))
    case = move(case, actor, m.action, version=version, **m.fields(rw))
    assert case.status == m.to
    event = case.events.order_by("-id").first()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        m.action,
        actor,
        m.start,
        m.to,
    )
    assert event.note == m.fields(rw).get("note", "")
    assert told_since(before) == m.told
    assert case.version == version + 1


@pytest.mark.parametrize("m", MOVES_TESTED, ids=_id)
def test_move_from_a_status_that_does_not_allow_it_is_a_conflict(rw, m):
    case = at(rw, m.wrong_start)
    events = case.events.count()
    with pytest.raises(Conflict, match="is not possible while the case is"):
        move(case, rw.mediator_x, m.action, **m.fields(rw))
    case.refresh_from_db()
    assert case.status == m.wrong_start
    assert case.events.count() == events


@pytest.mark.parametrize("outsider", ["worker_1", "mediator_y", "secretary_y", "tenant"])
@pytest.mark.parametrize("m", MOVES_TESTED, ids=_id)
def test_move_by_someone_outside_the_room_is_refused_and_changes_nothing(rw, m, outsider):
    case = at(rw, m.start)
    events, version = case.events.count(), case.version
    with pytest.raises(NotAllowed):
        move(case, staff(rw, outsider), m.action, **m.fields(rw))
    case.refresh_from_db()
    assert (case.status, case.version, case.events.count()) == (m.start, version, events)


def test_every_move_of_the_table_but_the_watch_is_tested():
    assert {m.action for m in MOVES_TESTED} == set(MOVES) - {CaseAction.LIMIT_NEAR}


def test_the_whole_road_is_on_the_timeline(rw):
    case = at(rw, CaseStatus.CLOSED)
    rows = list(case.events.values_list("action", "from_status", "to_status"))
    assert rows == [
        ("open", "", "open"),
        ("session", "open", "in_mediation"),
        ("agree", "in_mediation", "agreement"),
        ("follow_up", "agreement", "followed_up"),
        ("close", "followed_up", "closed"),
    ]
    assert case.closed_on == today()


def test_opening_a_case_finds_the_party_with_a_portal_account_by_phone(rw):
    case = rw.open_case()
    assert case.number == f"TJ{today():%Y}-{case.pk:04d}"
    assert (case.status, case.due_on) == (CaseStatus.OPEN, today() + timedelta(days=30))
    tenant, outsider = case.parties.all()
    assert (tenant.name, tenant.user, tenant.resident) == ("赵先生", rw.tenant, rw.gw.tenant)
    assert (outsider.name, outsider.user) == ("李师傅", None)
    assert list(case.mediators.all()) == [rw.mediator_x]
    event = case.events.get()
    assert (event.action, event.actor, event.to_status) == ("open", rw.mediator_x, "open")


@pytest.mark.parametrize("who", ["worker_1", "mediator_y", "dispatcher", "tenant"])
def test_only_the_communitys_mediators_and_secretary_open_cases(rw, who):
    with pytest.raises(NotAllowed):
        rw.open_case(actor=staff(rw, who))
    assert not MediationCase.objects.exists()


def test_the_secretary_opens_a_case_for_two_mediators(rw):
    other = person(Role.MEDIATOR, rw.gw.grid_1.community, username="mediator_x2")
    case = rw.open_case(actor=rw.gw.secretary_x, mediators=[rw.mediator_x, other])
    assert set(case.mediators.values_list("username", flat=True)) == {"mediator_x", "mediator_x2"}


def test_a_mediator_of_another_community_cannot_be_named_on_a_case(rw):
    with pytest.raises(DomainError, match="community's mediators or its secretary"):
        rw.open_case(mediators=[rw.mediator_x, rw.mediator_y])
    assert not MediationCase.objects.exists()


# --- Bad input: a clear message, nothing half-saved ----------------------------------------


@pytest.mark.parametrize(
    "parties",
    [
        [services.PartyInput(role="applicant", name="赵先生")],
        [
            services.PartyInput(role="applicant", name="赵先生"),
            services.PartyInput(role="respondent", name="   "),
        ],
    ],
    ids=["one", "one-and-a-blank"],
)
def test_a_case_with_fewer_than_two_named_parties_is_refused(rw, parties):
    with pytest.raises(DomainError, match="at least two parties"):
        rw.open_case(parties=parties)
    assert not MediationCase.objects.exists()
    assert not CaseParty.objects.exists()
    assert not CaseEvent.objects.exists()


def test_the_same_open_case_token_twice_makes_one_case(rw):
    token = uuid.uuid4()
    first = rw.open_case(token=token)
    second = rw.open_case(token=token)
    assert first.pk == second.pk
    assert MediationCase.objects.count() == 1
    assert CaseParty.objects.count() == 2
    assert CaseEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        (lambda case: case.opened_on - timedelta(days=1), "before the case was opened"),
        (lambda case: today() + timedelta(days=1), "cannot be in the future"),
    ],
    ids=["before-opening", "in-the-future"],
)
def test_a_session_dated_outside_the_case_is_refused_and_nothing_is_saved(rw, held_on, message):
    case = at(rw, CaseStatus.OPEN)
    with pytest.raises(DomainError, match=message):
        move(case, rw.mediator_x, CaseAction.SESSION, **session_fields(held_on=held_on(case)))
    case.refresh_from_db()
    assert (case.status, case.version) == (CaseStatus.OPEN, 1)
    assert not MediationSession.objects.exists()
    assert case.events.count() == 1


def test_an_agreement_without_a_performance_deadline_is_refused_and_nothing_is_saved(rw):
    case = at(rw, CaseStatus.IN_MEDIATION)
    fields = agreement_fields()
    del fields["perform_by"]
    with pytest.raises(DomainError, match="date by which it is carried out"):
        move(case, rw.mediator_x, CaseAction.AGREE, **fields)
    case.refresh_from_db()
    assert (case.status, case.outcome_note) == (CaseStatus.IN_MEDIATION, "")
    assert not Agreement.objects.exists()
    assert not FollowUp.objects.exists()


def test_an_agreement_carried_out_before_it_was_made_is_refused(rw):
    case = at(rw, CaseStatus.IN_MEDIATION)
    with pytest.raises(DomainError, match="before it was agreed"):
        move(
            case,
            rw.mediator_x,
            CaseAction.AGREE,
            **agreement_fields(perform_by=today() - timedelta(days=1)),
        )
    assert not Agreement.objects.exists()


def test_an_agreement_plans_the_first_follow_up_visit_and_becomes_the_outcome(rw):
    case = at(rw, CaseStatus.AGREEMENT)
    visit = case.follow_ups.get()
    assert visit.due_on == today() + timedelta(days=8)  # the day after it is carried out
    assert case.outcome_note == "李师傅赔偿赵先生维修费人民币八百元。"
    assert case.agreement.confirm_by == today() + timedelta(days=30)


def test_a_follow_up_on_a_closed_case_is_refused(rw):
    case = at(rw, CaseStatus.CLOSED)
    with pytest.raises(Conflict, match="“Closed”"):
        move(case, rw.mediator_x, CaseAction.FOLLOW_UP, note="再次回访", carried_out=True)
    assert case.follow_ups.filter(done_on__isnull=False).count() == 1


def test_a_follow_up_done_marks_the_planned_visit_and_may_plan_the_next(rw):
    case = at(rw, CaseStatus.AGREEMENT)
    case = move(
        case,
        rw.mediator_x,
        CaseAction.FOLLOW_UP,
        note="只付了一半",
        carried_out=False,
        next_due=today() + timedelta(days=14),
    )
    done, planned = case.follow_ups.all()
    assert (done.done_on, done.carried_out, done.visited_by) == (today(), False, rw.mediator_x)
    assert (planned.due_on, planned.done_on) == (today() + timedelta(days=14), None)


def test_closing_drops_the_visits_not_made(rw):
    case = at(rw, CaseStatus.AGREEMENT)
    case = move(case, rw.mediator_x, CaseAction.CLOSE, note="双方已和解")
    assert not case.follow_ups.exists()


def test_extending_without_a_reason_is_refused(rw):
    case = at(rw, CaseStatus.OPEN)
    due = case.due_on
    with pytest.raises(DomainError, match="reason for more time"):
        move(case, rw.mediator_x, CaseAction.EXTEND, note="  ", until=due + timedelta(days=15))
    case.refresh_from_db()
    assert (case.due_on, case.events.count()) == (due, 1)


def test_extending_to_a_date_not_later_than_the_limit_is_refused(rw):
    case = at(rw, CaseStatus.OPEN)
    due = case.due_on
    with pytest.raises(DomainError, match="must be later than"):
        move(case, rw.mediator_x, CaseAction.EXTEND, note="当事人住院", until=due)
    case.refresh_from_db()
    assert case.due_on == due


def test_extending_moves_the_limit_and_lets_the_watch_warn_again(rw):
    case = at(rw, CaseStatus.OPEN)
    MediationCase.objects.filter(pk=case.pk).update(limit_warned=True)
    until = case.due_on + timedelta(days=15)
    case = move(case, rw.mediator_x, CaseAction.EXTEND, note="当事人住院", until=until)
    assert (case.due_on, case.limit_warned) == (until, False)


def test_flagging_a_risk_tells_the_secretary_at_once_and_queues_the_email_on_commit(
    rw, django_capture_on_commit_callbacks
):
    rw.gw.secretary_x.email = "shuji@example.cn"
    rw.gw.secretary_x.save(update_fields=["email"])
    case = at(rw, CaseStatus.IN_MEDIATION)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = move(case, rw.mediator_x, CaseAction.FLAG_RISK, note="双方在楼道发生推搡")
    assert (case.risk, case.risk_note) == (True, "双方在楼道发生推搡")
    in_app = Notification.objects.get(recipient=rw.gw.secretary_x, channel=NoticeChannel.IN_APP)
    assert case.number in in_app.title
    assert in_app.status == DeliveryStatus.SENT  # in the portal now, no broker needed
    email = Notification.objects.get(recipient=rw.gw.secretary_x, channel=NoticeChannel.EMAIL)
    assert email.status == DeliveryStatus.PENDING
    assert len(callbacks) == 1  # the hand-off to Celery waits for the commit
    assert not Notification.objects.filter(recipient=rw.mediator_x).exists()


def test_a_risk_flagged_once_is_not_offered_again(rw):
    case = move(at(rw, CaseStatus.OPEN), rw.mediator_x, CaseAction.FLAG_RISK, note="推搡")
    assert CaseAction.FLAG_RISK not in services.allowed_actions(case, rw.mediator_x)


def test_judicial_confirmation_of_an_oral_agreement_is_refused(rw):
    case = at(rw, CaseStatus.IN_MEDIATION)
    case = move(case, rw.mediator_x, CaseAction.AGREE, **agreement_fields(kind="oral"))
    assert CaseAction.CONFIRMATION not in services.allowed_actions(case, rw.mediator_x)
    with pytest.raises(DomainError, match="Only a written agreement"):
        move(case, rw.mediator_x, CaseAction.CONFIRMATION, applied=True)
    case.agreement.refresh_from_db()
    assert case.agreement.confirmation_applied is False


def test_judicial_confirmation_is_recorded_on_the_written_agreement_even_when_closed(rw):
    case = at(rw, CaseStatus.CLOSED)
    move(case, rw.mediator_x, CaseAction.CONFIRMATION, applied=True, result="已裁定确认")
    agreement = Agreement.objects.get(case=case)
    assert (agreement.confirmation_applied, agreement.confirmation_result) == (True, "已裁定确认")


def test_a_move_from_a_page_older_than_the_case_is_refused(rw):
    case = at(rw, CaseStatus.OPEN)
    seen = case.version
    move(case, rw.mediator_x, CaseAction.SESSION, version=seen, **session_fields())
    with pytest.raises(Conflict, match="Reload"):
        move(case, rw.gw.secretary_x, CaseAction.REFER, version=seen, note="转交派出所")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_MEDIATION


def test_the_page_offers_staff_the_moves_of_the_table_and_parties_none(rw):
    case = at(rw, CaseStatus.IN_MEDIATION)
    assert services.allowed_actions(case, rw.mediator_x) == [
        "session",
        "agree",
        "no_agreement",
        "refer",
        "extend",
        "flag_risk",
    ]
    assert services.allowed_actions(case, rw.tenant) == []
    assert services.allowed_actions(case, rw.mediator_y) == []


def test_only_the_watch_gives_the_time_limit_warning(rw):
    with pytest.raises(NotAllowed):
        services.case_move(case=rw.open_case(), actor=None, action=CaseAction.SESSION)


# --- The beat watch --------------------------------------------------------------------------


def mediation_notes() -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(kind="mediation", channel=NoticeChannel.IN_APP)
        .order_by("recipient__username")
        .values_list("recipient__username", "title")
    )


def test_the_watch_tells_the_mediators_five_days_before_the_limit_once(rw):
    other = person(Role.MEDIATOR, rw.gw.grid_1.community, username="mediator_x2")
    case = rw.open_case(mediators=[rw.mediator_x, other])
    assert services.mediation_watch(today=case.due_on - timedelta(days=6)).limits == 0
    assert mediation_notes() == []

    counts = services.mediation_watch(today=case.due_on - timedelta(days=5))
    again = services.mediation_watch(today=case.due_on - timedelta(days=4))

    assert (counts.limits, again.limits) == (1, 0)
    notes = mediation_notes()
    assert [who for who, _title in notes] == ["mediator_x", "mediator_x2"]
    assert case.number in notes[0][1]
    event = case.events.get(action=CaseAction.LIMIT_NEAR)
    assert (event.actor, event.from_status, event.to_status) == (None, "open", "open")
    case.refresh_from_db()
    assert (case.limit_warned, case.version) == (True, 1)  # a page open meanwhile stays good


def test_the_watch_warns_again_after_an_extension(rw):
    case = rw.open_case()
    services.mediation_watch(today=case.due_on - timedelta(days=5))
    until = case.due_on + timedelta(days=20)
    move(case, rw.mediator_x, CaseAction.EXTEND, note="当事人外出", until=until)
    assert services.mediation_watch(today=until - timedelta(days=5)).limits == 1
    assert case.events.filter(action=CaseAction.LIMIT_NEAR).count() == 2


def test_the_watch_leaves_decided_cases_alone(rw):
    agreed = at(rw, CaseStatus.AGREEMENT)
    counts = services.mediation_watch(today=agreed.due_on)
    assert counts.limits == 0
    assert not agreed.events.filter(action=CaseAction.LIMIT_NEAR).exists()


def test_a_follow_up_visit_due_tells_the_mediators_once(rw):
    case = at(rw, CaseStatus.AGREEMENT)
    due = case.follow_ups.get().due_on
    assert services.mediation_watch(today=due - timedelta(days=1)).follow_ups == 0

    counts = services.mediation_watch(today=due)
    again = services.mediation_watch(today=due + timedelta(days=1))

    assert (counts.follow_ups, again.follow_ups) == (1, 0)
    notes = mediation_notes()
    assert [who for who, _title in notes] == ["mediator_x"]
    assert case.number in notes[0][1]
    assert str(due) in notes[0][1]
    assert case.follow_ups.get().reminded is True


def test_follow_ups_due_together_reach_a_mediator_as_one_digest(rw):
    first, second = at(rw, CaseStatus.AGREEMENT), at(rw, CaseStatus.AGREEMENT)
    due = max(first.follow_ups.get().due_on, second.follow_ups.get().due_on)
    before = Notification.objects.filter(recipient=rw.mediator_x).count()

    assert services.mediation_watch(today=due).follow_ups == 2
    assert services.mediation_watch(today=due + timedelta(days=1)).follow_ups == 0

    told = Notification.objects.filter(recipient=rw.mediator_x).order_by("-id")
    assert told.count() == before + 1
    digest = told.first()
    assert first.number in digest.body
    assert second.number in digest.body
    assert len(digest.body.splitlines()) == 2
    assert digest.link == reverse("mediation:list")


def test_the_watch_says_nothing_of_closed_cases(rw):
    case = at(rw, CaseStatus.CLOSED)
    # A visit left planned on a closed case (e.g. by the admin) is not a reminder.
    FollowUp.objects.create(case=case, due_on=today())
    counts = services.mediation_watch(today=today() + timedelta(days=60))
    assert (counts.limits, counts.follow_ups) == (0, 0)
    assert mediation_notes() == []


def test_the_beat_schedule_runs_the_watch_task(rw, settings):
    from mediation.tasks import watch_cases

    names = {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert watch_cases.name in names
    case = rw.open_case()
    MediationCase.objects.filter(pk=case.pk).update(due_on=today() + timedelta(days=2))
    watch_cases()  # the task body, run here; the broker's part is the services phase's
    assert case.events.filter(action=CaseAction.LIMIT_NEAR).exists()


# --- Statistics ------------------------------------------------------------------------------


def test_room_stats_count_types_the_agreement_rate_and_the_median_days_to_close(rw):
    x = rw.gw.grid_1.community
    agreed = at(rw, CaseStatus.CLOSED)  # damages, agreement, followed up, closed
    failed = move(
        rw.open_case(dispute_type="neighbours"),
        rw.mediator_x,
        CaseAction.SESSION,
        **session_fields(),
    )
    failed = move(failed, rw.mediator_x, CaseAction.NO_AGREEMENT, note="建议起诉")
    failed = move(failed, rw.mediator_x, CaseAction.CLOSE)
    referred = move(
        rw.open_case(dispute_type="neighbours"), rw.mediator_x, CaseAction.REFER, note="转派出所"
    )
    rw.open_case(dispute_type="family")  # still open: not decided, not closed
    rw.open_case(actor=rw.mediator_y, community=rw.mediator_y.memberships.get().community)

    opened = date(2025, 3, 1)
    MediationCase.objects.filter(pk=agreed.pk).update(
        opened_on=opened, closed_on=opened + timedelta(days=10)
    )
    MediationCase.objects.filter(pk=failed.pk).update(
        opened_on=opened, closed_on=opened + timedelta(days=21)
    )
    MediationCase.objects.filter(pk=referred.pk).update(opened_on=opened)

    stats = room_stats(x)

    assert (stats.total, stats.open) == (4, 2)
    assert stats.by_type == [("Neighbours", 2), ("Family", 1), ("Damage compensation", 1)]
    assert (stats.decided, stats.agreed, stats.agreement_rate) == (3, 1, 33)
    assert stats.median_days_to_close == 15.5


def test_room_stats_of_an_empty_room_have_no_rates(rw):
    stats = room_stats(rw.gw.grid_1.community)
    assert (stats.total, stats.by_type, stats.agreement_rate, stats.median_days_to_close) == (
        0,
        [],
        None,
        None,
    )
