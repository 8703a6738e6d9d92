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
    promised = p.due_at
    assert p.promised_at == promised
    p = move(p, pw.handler, Action.SIGN)
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
