"""The demo requests: every status, the seed stories, work on every desk, honest dates."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from community.models import Community, Notification, Role, User
from petitions import selectors
from petitions.models import (
    CLOCK_STATUSES,
    Action,
    Petition,
    PetitionEvent,
    PetitionPhoto,
    Rating,
    Status,
)
from petitions.services import petitions_deadline_sweep

pytestmark = pytest.mark.django_db

YUJING = "御景花园社区"


@pytest.fixture
def demo(demo_module, db):
    """The demo, seeded once for this module (see tests.conftest.demo_module);
    the folder its photos went to."""
    return demo_module.media


def _user(username: str) -> User:
    return User.objects.get(username=username)


def test_every_status_has_requests(demo):
    assert set(Petition.objects.values_list("status", flat=True)) == set(Status.values)
    assert 250 <= Petition.objects.count() <= 350
    communities = set(Petition.objects.values_list("community__name", flat=True))
    assert communities == {YUJING, "京杭佳苑社区"}


def test_closed_ones_carry_every_rating_and_some_went_round_twice(demo):
    closed = Petition.objects.filter(status=Status.CLOSED)
    assert set(closed.values_list("rating", flat=True)) == {Rating.SATISFIED, Rating.BASIC, ""}
    # Unsatisfied reopens: closed after a second round, or back at the community's desk.
    assert closed.filter(round=2).exists()
    assert Petition.objects.filter(status=Status.ACCEPTED, round=2).exists()
    assert PetitionEvent.objects.filter(action=Action.RATE, data__rating="unsatisfied").exists()
    assert PetitionEvent.objects.filter(action=Action.CLOSE_UNRATED).exists()


def test_some_wait_on_hold_and_some_are_overdue_at_both_levels(demo):
    running = Petition.objects.filter(status__in=CLOCK_STATUSES)
    assert running.filter(on_hold_since__isnull=False).exists()
    overdue = running.filter(selectors.overdue_q())
    assert set(overdue.values_list("breach_level", flat=True)) == {1, 2}
    late_department = overdue.filter(status__in=[Status.DISPATCHED, Status.IN_PROGRESS])
    assert late_department.exists()
    assert overdue.filter(status=Status.IN_COMMUNITY).exists()


def test_the_seed_stories_are_there_with_their_results(demo):
    wires = Petition.objects.get(result__contains="85个惠民充电桩")
    assert wires.status == Status.CLOSED
    assert wires.rating == Rating.SATISFIED
    assert wires.department.kind == "power_supply"
    assert wires.merged_from.count() == 2
    actions = list(wires.events.values_list("action", flat=True))
    assert {Action.ESCALATE, Action.DISPATCH, Action.HOLD, Action.RESUME} <= set(actions)

    pigeons = Petition.objects.get(description__contains="鸽子")
    assert pigeons.status == Status.CLOSED
    assert pigeons.round == 2
    assert "渔网" in pigeons.result
    assert pigeons.rating == Rating.SATISFIED
    nets = PetitionPhoto.objects.get(petition=pigeons)
    assert nets.event.action == Action.RESOLVE

    strip = Petition.objects.get(description__contains="插线板")
    assert strip.status == Status.CLOSED
    assert "防水" in strip.result
    photos = {p.event.action: p for p in PetitionPhoto.objects.filter(petition=strip)}
    assert set(photos) == {Action.SUBMIT, Action.RESOLVE}
    # The secretary fixed it and posted the photo back.
    assert photos[Action.RESOLVE].uploaded_by == _user("shuji")
    assert (demo / photos[Action.RESOLVE].image.name).is_file()

    car = Petition.objects.get(requester_name="何先生")
    assert "找到车主" in car.result
    # Photos only where the stories have them: the strip before and after, the nets.
    assert PetitionPhoto.objects.count() == 3


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("wangge", Role.GRID_WORKER),
        ("wangge_jh", Role.GRID_WORKER),
        ("shuji", Role.SECRETARY),
        ("shuji_jh", Role.SECRETARY),
        ("jiedao", Role.STREET_DISPATCHER),
        ("jiedao_lead", Role.STREET_LEAD),
        ("chengguan", Role.DEPARTMENT_HANDLER),
        ("jumin", Role.RESIDENT),
    ],
)
def test_every_desk_has_work_waiting(demo, username, role):
    rows = selectors.desk(_user(username), role)
    assert rows
    assert rows[0].count > 0, [(str(r.label), r.count) for r in rows]


def test_the_dispatcher_has_requests_to_dispatch_and_the_handler_work_orders(demo):
    jiedao, chengguan = _user("jiedao"), _user("chengguan")
    assert Petition.objects.visible_to(jiedao).filter(status=Status.ESCALATED).count() >= 3
    orders = Petition.objects.visible_to(chengguan)
    assert orders.filter(status=Status.DISPATCHED).exists()
    assert orders.filter(status=Status.IN_PROGRESS).exists()
    assert orders.filter(status=Status.CLOSED).exists()


def test_every_rates_table_has_rows(demo):
    street, secretary = _user("jiedao"), _user("shuji")
    for by in ("community", "grid", "department"):
        rows = selectors.rates(street, by)
        assert rows
        assert all(r.total and r.resolution_rate is not None for r in rows)
    assert len(selectors.rates(street, "department")) >= 5
    assert selectors.rates(secretary, "worker")


def test_the_daily_sheet_has_today_and_the_days_before(demo):
    yujing = Community.objects.get(name=YUJING)
    today = timezone.localdate()
    sheet = selectors.daily_summary(yujing, today)
    assert sheet.came_in
    assert sheet.open_total > 0
    week = [selectors.daily_summary(yujing, today - timedelta(days=d)) for d in range(1, 8)]
    assert all(day.came_in for day in week)
    assert any(day.kept for day in week)
    assert any(day.went_up for day in week)


def test_history_spans_two_months_and_events_run_in_time_order(demo):
    now = timezone.now()
    first = Petition.objects.order_by("created_at").first()
    assert first.created_at < now - timedelta(days=55)
    for p in Petition.objects.prefetch_related("events"):
        events = sorted(p.events.all(), key=lambda e: e.pk)
        times = [e.created_at for e in events]
        assert times == sorted(times), p.reference
        assert times[0] == p.created_at
        assert times[-1] <= now
        assert p.updated_at == times[-1]
        assert p.reference.startswith(f"{timezone.localdate(p.created_at):%Y%m%d}-")
        if p.status in CLOCK_STATUSES and p.on_hold_since is None and p.breach_level:
            assert p.due_at < now, p.reference


def test_the_deadline_watch_finds_nothing_left_undone(demo):
    # As of the last step, every warning, breach and unrated close was taken.
    last = PetitionEvent.objects.aggregate(at=Max("created_at"))["at"]
    counts = petitions_deadline_sweep(now=last - timedelta(seconds=31))
    assert (counts.warned, counts.breached, counts.escalated, counts.closed) == (0, 0, 0, 0)


def test_notices_are_dated_by_their_step_and_name_the_dated_reference(demo):
    references = set(Petition.objects.values_list("reference", flat=True))
    notices = Notification.objects.filter(kind__startswith="petition.")
    assert notices.count() > 500
    assert not notices.filter(created_at__gt=timezone.now()).exists()
    # History, read by now: the bell lights up for what happens after seeding.
    assert not notices.filter(recipient__isnull=False, read_at__isnull=True).exists()
    for title in notices.values_list("title", flat=True):
        named = set(re.findall(r"\d{8}-\d{5,}", title))
        assert named <= references, title
    # A work order's notice names the planned sign-for limit and promised date.
    from petitions.services.notices import due_text

    for order in Petition.objects.filter(status=Status.DISPATCHED, on_hold_since__isnull=True):
        dispatch = order.events.filter(action=Action.DISPATCH).last()
        sent = notices.filter(dedupe_key__startswith=f"petition:{order.pk}:event:{dispatch.pk}:")
        handlers = sent.filter(recipient__memberships__department=order.department)
        title = handlers.filter(channel="in_app").first().title
        assert due_text(order.sign_by) in title, title
        assert due_text(order.promised_at) in title, title


@pytest.mark.parametrize("username", ["wangge", "shuji", "jiedao", "chengguan", "jumin"])
def test_each_role_opens_its_list_and_a_request_from_it(demo, client, username):
    user = _user(username)
    client.force_login(user)
    page = client.get(reverse("petitions:list"))
    assert page.status_code == 200
    first = Petition.objects.visible_to(user).order_by("-created_at", "-id").first()
    assert first.reference in page.content.decode()
    assert client.get(reverse("petitions:detail", args=[first.pk])).status_code == 200


def test_the_street_reads_the_sheets_and_rates(demo, client):
    client.force_login(_user("jiedao"))
    yujing = Community.objects.get(name=YUJING)
    sheet = client.get(reverse("petitions:summary"), {"community": yujing.pk})
    assert sheet.status_code == 200
    wires = Petition.objects.get(result__contains="85个惠民充电桩")
    day = {"community": yujing.pk, "day": timezone.localdate(wires.created_at).isoformat()}
    assert wires.reference in client.get(reverse("petitions:summary"), day).content.decode()
    rates = client.get(reverse("petitions:rates")).content.decode()
    assert "许庄街道综合执法中队" in rates
    assert "京杭佳苑社区" in rates


def test_seeding_again_adds_nothing(demo):
    def counts() -> tuple[int, ...]:
        return (
            Petition.objects.count(),
            PetitionEvent.objects.count(),
            Notification.objects.count(),
            User.objects.count(),
            PetitionPhoto.objects.count(),
        )

    before = counts()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == before


def test_every_request_waiting_at_a_desk_has_a_time_limit_and_the_late_ones_show(demo):
    from petitions.models import STAGE_STATUSES

    waiting = Petition.objects.filter(status__in=STAGE_STATUSES)
    assert not waiting.filter(due_at__isnull=True).exists()
    # The secretary's "to decide" queue and the street's "to dispatch" have late ones.
    late = waiting.filter(selectors.overdue_q())
    assert late.filter(status=Status.ACCEPTED).exists()
    assert PetitionEvent.objects.filter(action=Action.BREACH, to_status=Status.ESCALATED).exists()
    # Work orders not yet signed for run on the department's sign-for limit,
    # some of them past it; the handling deadline is what was promised.
    orders = list(Petition.objects.filter(status=Status.DISPATCHED))
    assert orders
    for order in orders:
        assert order.due_at == order.sign_by <= order.promised_at, order.reference
    assert any(o.is_overdue for o in orders)
    # Signed for late now and then: the sign-for clock was breached on the way.
    assert PetitionEvent.objects.filter(action=Action.BREACH, to_status=Status.DISPATCHED).exists()
