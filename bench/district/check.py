"""Checking grown requests against the state machine (the tests and the benchmark use it)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from bench.district.requests import QUIET
from petitions.models import (
    CLOCK_STATUSES,
    LEVEL_OF,
    MOVES,
    Action,
    Petition,
    PetitionEvent,
    Rating,
    Status,
)

# --- Checking what was grown -----------------------------------------------------------

CLOSED_STATUSES = {Status.CLOSED, Status.MERGED, Status.WITHDRAWN}
RESOLVED_STATUSES = {Status.RESOLVED, Status.CALLED_BACK}


def check(petitions: Iterable[Petition]) -> list[str]:
    """What in these requests disagrees with the state machine or its dates.

    Each request's events are replayed: every step from a status its move
    allows, to a status it leads to, from one of its desks, in time order, the
    request's status, level, version and round the last step's; a running
    clock has a deadline, a department order its department, a closed request
    its closing time, a merged one an original of its community.
    """
    problems: list[str] = []
    rows = list(petitions)
    events: dict[int, list[PetitionEvent]] = {}
    for e in PetitionEvent.objects.filter(petition__in=[p.pk for p in rows]).order_by("id"):
        events.setdefault(e.petition_id, []).append(e)
    now = timezone.now()
    for p in rows:
        said = problems.append
        steps = events.get(p.pk, [])
        if not steps or steps[0].action != Action.SUBMIT:
            said(f"{p.reference}: does not start with a submission")
            continue
        status, version, rnd = "", 1, 1
        last = p.created_at
        for e in steps:
            where = f"{p.reference} {e.action}"
            if e.from_status != status:
                said(f"{where}: from {e.from_status}, but it was {status}")
            if e.created_at < last or e.created_at > now:
                said(f"{where}: out of time order")
            last = e.created_at
            if e.action != Action.SUBMIT:
                move = MOVES[e.action]
                if status not in move.sources:
                    said(f"{where}: not allowed from {status}")
                if e.desk not in move.desks:
                    said(f"{where}: from the {e.desk} desk")
                if (move.targets or (status,))[0] != e.to_status and e.to_status not in (
                    move.targets
                ):
                    said(f"{where}: to {e.to_status}")
                if e.action not in QUIET:
                    version += 1
                if e.action == Action.RATE and e.data.get("rating") == Rating.UNSATISFIED:
                    rnd += 1
            if e.level != LEVEL_OF[e.to_status] or e.round != rnd:
                said(f"{where}: level {e.level} round {e.round}")
            status = e.to_status
        if p.status != status or p.level != LEVEL_OF[status]:
            said(f"{p.reference}: status {p.status}, its events say {status}")
        if p.version != version or p.round != rnd:
            said(f"{p.reference}: version {p.version}/{version}, round {p.round}/{rnd}")
        if p.accept_by is None or p.accept_by <= p.created_at:
            said(f"{p.reference}: accept_by")
        if p.status in CLOCK_STATUSES and (p.due_at is None or p.warn_at is None):
            said(f"{p.reference}: a running clock without a deadline")
        if p.status in {Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED} and not (
            p.department_id and p.sign_by
        ):
            said(f"{p.reference}: a department order without its department")
        if p.status == Status.IN_COMMUNITY and not p.assignee_id:
            said(f"{p.reference}: handled in the community by nobody")
        if (p.status in CLOSED_STATUSES) != (p.closed_at is not None):
            said(f"{p.reference}: closed_at {p.closed_at} at {p.status}")
        if p.status in RESOLVED_STATUSES and p.resolved_at is None:
            said(f"{p.reference}: resolved without resolved_at")
        if p.status == Status.MERGED and (
            p.merged_into is None or p.merged_into.community_id != p.community_id
        ):
            said(f"{p.reference}: merged into nothing of its community")
        if p.reference != f"{timezone.localdate(p.created_at):%Y%m%d}-{p.pk:05d}":
            said(f"{p.reference}: reference of another day or number")
    return problems
