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
