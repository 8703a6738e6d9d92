"""The deadline watch, run by beat every minute (possibly by two beats at once).

Each step goes through ``petition_move``, which locks the request: the move's
own check (warned already? this level reached already? same deadline cycle?)
runs on the locked row, so two sweeps racing on one request make one event
and one set of messages per level, never two.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from community.errors import DomainError
from petitions.models import CLOCK_STATUSES, Action, Petition, Status
from petitions.services.workflow import petition_step

# The second rung (street lead, or the street for a community matter) hears
# of a breach this long after the first, at most a day.
SECOND_RUNG_AFTER = timedelta(hours=24)
# A resident who was called back has a week to rate before the request closes.
RATE_WITHIN = timedelta(days=7)
BATCH = 200


@dataclass
class SweepCounts:
    warned: int = 0
    breached: int = 0
    escalated: int = 0
    closed: int = 0


def _second_rung_at(p: Petition) -> datetime:
    assert p.due_at is not None
    assert p.warn_at is not None
    window = (p.due_at - p.warn_at) * 4  # see workflow._start_clock
    return p.due_at + min(max(window, timedelta(hours=1)), SECOND_RUNG_AFTER)


def _step(p: Petition, action: str, level: int = 0) -> bool:
    """One move by the watch; False if another sweep or a person got there first."""
    try:
        _p, event = petition_step(
            petition=p, actor=None, action=action, cycle=p.deadline_cycle, level=level
        )
    except DomainError:
        return False  # the request moved on meanwhile (a Conflict): nothing to watch
    return event is not None


def petitions_deadline_sweep(now: datetime | None = None) -> SweepCounts:
    """Warn before deadlines, mark breaches, climb the ladder, close unrated requests."""
    now = now or timezone.now()
    counts = SweepCounts()
    running = Petition.objects.filter(status__in=CLOCK_STATUSES, on_hold_since__isnull=True)
    for p in running.filter(warned=False, warn_at__lte=now, due_at__gt=now)[:BATCH]:
        counts.warned += _step(p, Action.DEADLINE_NEAR)
    for p in running.filter(breach_level=0, due_at__lte=now)[:BATCH]:
        counts.breached += _step(p, Action.BREACH, level=1)
    for p in running.filter(breach_level=1, due_at__lte=now)[:BATCH]:
        if now >= _second_rung_at(p):
            counts.escalated += _step(p, Action.BREACH, level=2)
    unrated = Petition.objects.filter(
        status=Status.CALLED_BACK,
        updated_at__lte=now - RATE_WITHIN,
    )
    for p in unrated[:BATCH]:
        counts.closed += _step(p, Action.CLOSE_UNRATED)
    return counts
