"""The deadline watch: warn before, mark the breach, climb the ladder once per level."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from community.models import Notification
from petitions.models import Action, Petition, Status
from petitions.services import petitions_deadline_sweep
from tests.petitions.conftest import PetitionWorld, move, walk_to


def dispatched(pw: PetitionWorld, hours: int = 24) -> Petition:
    """A work order at city management due ``hours`` after dispatch."""
    from django.utils import timezone

    p = walk_to(pw, pw.submit(), Status.ESCALATED)
    return move(
        p,
        pw.gw.dispatcher,
        Action.DISPATCH,
        department=pw.city,
        due_at=timezone.now() + timedelta(hours=hours),
    )


def told(kind: str) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind, channel="in_app").values_list(
            "recipient__username", flat=True
        )
    )


def test_nothing_happens_while_the_deadline_is_far(pw):
    dispatched(pw)
    counts = petitions_deadline_sweep()
    assert (counts.warned, counts.breached, counts.escalated) == (0, 0, 0)


def test_the_department_is_warned_once_before_the_deadline(pw):
    p = dispatched(pw, hours=24)
    # A 24-hour order is warned in its last quarter: 6 hours before.
    with time_machine.travel(p.due_at - timedelta(hours=5)):
        assert petitions_deadline_sweep().warned == 1
        assert petitions_deadline_sweep().warned == 0
    assert told("petition.deadline_near") == ["handler"]
    event = p.events.get(action=Action.DEADLINE_NEAR)
    assert (event.actor, event.desk, event.public) == (None, "system", False)


def test_a_breach_goes_to_the_dispatcher_then_to_the_street_lead_once_each(pw):
    p = dispatched(pw, hours=24)
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        first = petitions_deadline_sweep()
        again = petitions_deadline_sweep()
    assert (first.breached, again.breached, first.escalated) == (1, 0, 0)
    assert told("petition.breach") == ["dispatcher", "handler"]
    with time_machine.travel(p.due_at + timedelta(hours=25)):
        assert petitions_deadline_sweep().escalated == 1
        assert petitions_deadline_sweep().escalated == 0
    assert told("petition.breach") == ["dispatcher", "handler", "lead"]
    levels = list(p.events.filter(action=Action.BREACH).values_list("data__level", flat=True))
    assert levels == [1, 2]
    p.refresh_from_db()
    assert p.breach_level == 2
    with time_machine.travel(p.due_at + timedelta(hours=25)):
        assert p.is_overdue


def test_a_request_on_hold_is_not_breached(pw):
    p = dispatched(pw, hours=2)
    p = move(p, pw.handler, Action.SIGN)
    move(p, pw.handler, Action.HOLD, reason="等待停电窗口")
    with time_machine.travel(p.due_at + timedelta(hours=3)):
        assert petitions_deadline_sweep().breached == 0


def test_a_new_dispatch_starts_a_new_deadline_cycle(pw):
    from django.utils import timezone

    p = dispatched(pw, hours=2)
    cycle = p.deadline_cycle
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
        p = move(p, pw.handler, Action.DECLINE, reason="不属于城管")
        p = move(
            p,
            pw.gw.dispatcher,
            Action.DISPATCH,
            department=pw.power,
            due_at=timezone.now() + timedelta(hours=1),
        )
    # Declined: the street's clock to dispatch again; dispatched: the new order's.
    assert (p.breach_level, p.warned, p.deadline_cycle) == (0, False, cycle + 2)
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
    assert "power_handler" in told("petition.breach")


def test_a_community_matter_past_its_deadline_goes_to_the_secretary_then_the_street(pw):
    g = pw.gw
    p = move(pw.submit(), g.worker_1, Action.ACCEPT)
    p = move(p, g.secretary_x, Action.ASSIGN, assignee=g.worker_2)
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        petitions_deadline_sweep()
    assert told("petition.breach") == ["secretary_x", "worker_2"]
    with time_machine.travel(p.due_at + timedelta(days=2)):
        petitions_deadline_sweep()
    assert told("petition.breach") == ["dispatcher", "secretary_x", "worker_2"]


def test_a_request_left_unrated_closes_a_week_after_the_callback(pw):
    p = walk_to(pw, pw.submit(), Status.CALLED_BACK)
    with time_machine.travel(p.updated_at + timedelta(days=6)):
        assert petitions_deadline_sweep().closed == 0
    with time_machine.travel(p.updated_at + timedelta(days=7, minutes=1)):
        assert petitions_deadline_sweep().closed == 1
    p.refresh_from_db()
    assert (p.status, p.rating) == (Status.CLOSED, "")


@pytest.mark.usefixtures("pw")
def test_the_beat_schedule_runs_the_watch_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["watch-petition-deadlines"]
    assert (entry["task"], entry["schedule"]) == ("petitions.watch_deadlines", 60.0)
    from petitions.tasks import watch_deadlines

    assert watch_deadlines.name == entry["task"]


# --- The desks that sign for, review, dispatch and call back ----------------------------


def test_an_accepted_request_waits_for_the_secretary_with_a_limit_and_a_ladder(
    pw, django_capture_on_commit_callbacks
):
    g = pw.gw
    with django_capture_on_commit_callbacks(execute=True):
        p = move(pw.submit(), g.worker_1, Action.ACCEPT)
    # The hand-over: the secretary is told there is one to decide.
    assert told("petition.accept") == ["secretary_x", "tenant"]
    # A normal request: the community decides within a day (STAGE_HOURS).
    accepted_at = p.events.get(action=Action.ACCEPT).created_at
    assert p.due_at == accepted_at + timedelta(hours=24)
    assert not p.is_overdue
    with time_machine.travel(p.due_at - timedelta(hours=5)):
        assert petitions_deadline_sweep().warned == 1
    assert told("petition.deadline_near") == ["secretary_x"]
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
        p.refresh_from_db()
        assert p.is_overdue
    assert told("petition.breach") == ["secretary_x"]
    with time_machine.travel(p.due_at + timedelta(hours=25)):
        assert petitions_deadline_sweep().escalated == 1
    # The second rung of a community desk is the street.
    assert told("petition.breach") == ["dispatcher", "secretary_x"]


def test_an_escalated_request_is_watched_until_the_street_dispatches(pw):
    p = walk_to(pw, pw.submit(), Status.ESCALATED)
    assert p.due_at is not None
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
    assert told("petition.breach") == ["dispatcher"]
    with time_machine.travel(p.due_at + timedelta(hours=25)):
        assert petitions_deadline_sweep().escalated == 1
    assert told("petition.breach") == ["dispatcher", "lead"]
    # Dispatching starts the department's clock: a new cycle, nothing overdue.
    with time_machine.travel(p.due_at + timedelta(hours=26)):
        p = move(p, pw.gw.dispatcher, Action.DISPATCH, department=pw.city)
        assert (p.breach_level, p.is_overdue) == (0, False)


def test_a_new_request_not_accepted_in_time_goes_to_the_grid_worker_then_the_secretary(pw):
    p = pw.submit()
    # Filing starts the grid's sign-for limit: the same as the response rate's accept_by.
    assert p.due_at == p.accept_by == p.created_at + timedelta(hours=24)
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
    assert told("petition.breach") == ["secretary_x", "worker_1"]


def test_a_resolved_request_not_called_back_in_time_is_breached(pw):
    p = walk_to(pw, pw.submit(), Status.RESOLVED)
    approved = p.events.get(action=Action.APPROVE).created_at
    assert p.due_at == approved + timedelta(hours=72)
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
    assert "worker_1" in told("petition.breach")


def test_the_desk_limits_are_the_admins_rules_where_set(pw):
    from petitions.models import StageLimit

    StageLimit.objects.create(stage=Status.ACCEPTED, priority="", hours=4)
    StageLimit.objects.create(stage=Status.ACCEPTED, priority="urgent", hours=1)
    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    at = p.events.get(action=Action.ACCEPT).created_at
    assert p.due_at == at + timedelta(hours=4)
    q = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT, priority="urgent")
    at = q.events.get(action=Action.ACCEPT).created_at
    assert q.due_at == at + timedelta(hours=1)


def test_a_reply_sent_back_is_worked_against_the_promised_date_again(pw):
    p = dispatched(pw, hours=48)
    promised = p.promised_at
    p = move(p, pw.handler, Action.SIGN)
    assert p.due_at == promised
    p = move(p, pw.handler, Action.REPLY, result="已处理")
    # The street reviews the reply within its own limit; the promise stays.
    assert p.due_at != promised
    assert p.promised_at == promised
    p = move(p, pw.gw.dispatcher, Action.SEND_BACK, reason="缺少照片")
    assert (p.status, p.due_at, p.breach_level) == (Status.IN_PROGRESS, promised, 0)


def test_review_desks_cannot_put_a_request_on_hold(pw):
    from community.errors import Conflict

    p = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT)
    with pytest.raises(Conflict):
        move(p, pw.gw.secretary_x, Action.HOLD, reason="等一等")


# --- The department's sign-for limit (签收时限) ----------------------------------------------


def test_an_order_not_signed_for_in_time_is_warned_then_breached_up_the_street_ladder(pw):
    p = dispatched(pw, hours=7 * 24)
    at = p.events.get(action=Action.DISPATCH).created_at
    # The department's clock is its sign-for limit; the week is what the resident is promised.
    assert p.due_at == p.sign_by == at + timedelta(hours=24)
    assert round((p.promised_at - at) / timedelta(hours=1)) == 7 * 24
    with time_machine.travel(p.due_at - timedelta(hours=5)):
        assert petitions_deadline_sweep().warned == 1
    assert told("petition.deadline_near") == ["handler"]
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
        p.refresh_from_db()
        assert p.is_overdue
    # The first rung: the department that did not sign, and the dispatcher who sent it.
    assert told("petition.breach") == ["dispatcher", "handler"]
    with time_machine.travel(p.due_at + timedelta(hours=25)):
        assert petitions_deadline_sweep().escalated == 1
    assert told("petition.breach") == ["dispatcher", "handler", "lead"]
    event = p.events.filter(action=Action.BREACH).last()
    assert (event.from_status, event.data["level"]) == (Status.DISPATCHED, 2)


def test_the_order_tells_the_department_when_to_sign_and_when_it_is_due(pw):
    p = dispatched(pw, hours=72)
    title = Notification.objects.get(kind="petition.dispatch", recipient=pw.handler).title
    from petitions.services.notices import due_text

    assert due_text(p.sign_by) in title
    assert due_text(p.promised_at) in title


def test_signing_for_the_order_starts_the_promised_deadline_as_a_new_cycle(pw):
    p = dispatched(pw, hours=72)
    promised, cycle = p.promised_at, p.deadline_cycle
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
        p = move(p, pw.handler, Action.SIGN)
    # Late to sign (the response rate counts it), but the handling clock is fresh.
    assert p.signed_at > p.sign_by
    assert (p.due_at, p.promised_at) == (promised, promised)
    assert (p.breach_level, p.warned, p.deadline_cycle) == (0, False, cycle + 1)
    assert not p.is_overdue
    sign = p.events.get(action=Action.SIGN)
    assert sign.data["due"] == promised.isoformat()
    with time_machine.travel(promised + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1


def test_an_order_due_before_the_sign_for_limit_must_be_signed_for_by_then(pw):
    p = dispatched(pw, hours=3)
    assert p.due_at == p.sign_by == p.promised_at


def test_the_admins_sign_for_limit_is_used(pw):
    from petitions.models import StageLimit

    StageLimit.objects.create(stage=Status.DISPATCHED, priority="", hours=4)
    StageLimit.objects.create(stage=Status.DISPATCHED, priority="urgent", hours=1)
    p = dispatched(pw, hours=72)
    at = p.events.get(action=Action.DISPATCH).created_at
    assert p.due_at == p.sign_by == at + timedelta(hours=4)
    q = move(pw.submit(), pw.gw.worker_1, Action.ACCEPT, priority="urgent")
    q = walk_to(pw, q, Status.DISPATCHED)
    at = q.events.get(action=Action.DISPATCH).created_at
    assert q.due_at == q.sign_by == at + timedelta(hours=1)


def test_a_hold_before_signing_moves_the_sign_for_limit_and_the_promise_alike(pw):
    p = dispatched(pw, hours=72)
    due, sign_by, promised = p.due_at, p.sign_by, p.promised_at
    start = p.events.get(action=Action.DISPATCH).created_at
    with time_machine.travel(start + timedelta(hours=2)):
        p = move(p, pw.gw.dispatcher, Action.HOLD, reason="等待停电窗口")
    # On hold past the sign-for limit: nothing is breached.
    with time_machine.travel(due + timedelta(hours=1)):
        assert petitions_deadline_sweep().breached == 0
    with time_machine.travel(start + timedelta(hours=5)):
        p = move(p, pw.gw.dispatcher, Action.RESUME)
    pause = timedelta(hours=3)
    assert (p.due_at, p.sign_by, p.promised_at) == (due + pause, sign_by + pause, promised + pause)


def test_signing_for_an_order_on_hold_keeps_it_on_hold_and_the_resume_moves_the_promise(pw):
    p = dispatched(pw, hours=72)
    sign_by, promised = p.sign_by, p.promised_at
    start = p.events.get(action=Action.DISPATCH).created_at
    with time_machine.travel(start + timedelta(hours=2)):
        p = move(p, pw.handler, Action.HOLD, reason="等待停电窗口")
    with time_machine.travel(start + timedelta(hours=3)):
        p = move(p, pw.handler, Action.SIGN)
    assert p.on_hold_since is not None
    # The hour on hold before signing did not count against the sign-for limit.
    assert p.sign_by == sign_by + timedelta(hours=1)
    with time_machine.travel(start + timedelta(hours=5)):
        p = move(p, pw.handler, Action.RESUME)
    assert p.due_at == p.promised_at == promised + timedelta(hours=3)


# --- The street's group bot -------------------------------------------------------------


def bot_breaches() -> int:
    return Notification.objects.filter(kind="petition.breach", channel="webhook").count()


def test_the_group_bot_hears_street_and_department_breaches_and_second_rungs_only(pw):
    street = pw.gw.grid_1.community.street
    street.bot_webhook_url = "https://bot.example.invalid/hook"
    street.save(update_fields=["bot_webhook_url"])
    # A grid's late acceptance: its people hear, the street's group does not.
    p = pw.submit()
    with time_machine.travel(p.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
    assert told("petition.breach") == ["secretary_x", "worker_1"]
    assert bot_breaches() == 0
    # Still late a day on: the second rung, and the group hears of it.
    with time_machine.travel(p.due_at + timedelta(hours=25)):
        assert petitions_deadline_sweep().escalated == 1
    assert bot_breaches() == 1
    # A work order not signed for: the department's side, the group hears at once.
    q = dispatched(pw, hours=72)
    with time_machine.travel(q.due_at + timedelta(minutes=1)):
        assert petitions_deadline_sweep().breached == 1
    assert bot_breaches() == 2
    bot = Notification.objects.filter(kind="petition.breach", channel="webhook").last()
    assert q.reference in bot.title


def test_the_migration_puts_waiting_orders_on_their_sign_for_limit_unless_past_it(pw):
    import importlib

    from django.apps import apps
    from django.db.models import F
    from django.utils import timezone

    migration = importlib.import_module("petitions.migrations.0008_department_sign_for_clock")
    waiting, late = dispatched(pw, hours=72), dispatched(pw, hours=72)
    # As the orders stood before: the clock was the handling deadline.
    Petition.objects.filter(pk__in=[waiting.pk, late.pk]).update(due_at=F("promised_at"))
    Petition.objects.filter(pk=late.pk).update(sign_by=timezone.now() - timedelta(hours=1))
    before = {p.pk: p for p in Petition.objects.filter(pk__in=[waiting.pk, late.pk])}
    migration.forwards(apps, None)
    waiting.refresh_from_db()
    late.refresh_from_db()
    assert waiting.due_at == waiting.sign_by < waiting.promised_at
    assert waiting.warn_at == waiting.sign_by - timedelta(hours=6)  # a day's window: a quarter
    assert waiting.deadline_cycle == before[waiting.pk].deadline_cycle + 1
    # Already late to sign: left on its handling clock, not breached on the next sweep.
    assert (late.due_at, late.deadline_cycle) == (late.promised_at, before[late.pk].deadline_cycle)
    assert petitions_deadline_sweep().breached == 0
