"""Checking grown requests against the state machine (the tests and the benchmark use it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.utils import timezone

from bench.district.requests import QUIET
from petitions.models import (
    CLOCK_STATUSES,
    HANDLING_STATUSES,
    LEVEL_OF,
    MOVES,
    STAGE_STATUSES,
    Action,
    Petition,
    PetitionEvent,
    Rating,
    Status,
)
from petitions.services import deadline_hours, stage_hours
from petitions.services.watch import SECOND_RUNG_AFTER

# --- Checking what was grown -----------------------------------------------------------

CLOSED_STATUSES = {Status.CLOSED, Status.MERGED, Status.WITHDRAWN}
RESOLVED_STATUSES = {Status.RESOLVED, Status.CALLED_BACK}


def check(petitions: Iterable[Petition]) -> list[str]:
    """What in these requests disagrees with the state machine or its dates.

    Each request's events are replayed: every step from a status its move
    allows, to a status it leads to, from one of its desks, in time order, the
    request's status, level, version and round the last step's; a running
    clock has a deadline, a department order its department, a closed request
    its closing time, a merged one an original of its community. The deadline
    clock is replayed too (``Clock``): each desk's cycle, its warning and
    breach rungs in their time and none missed, holds, the promised date.
    """
    problems: list[str] = []
    rows = list(petitions)
    events: dict[int, list[PetitionEvent]] = {}
    for e in PetitionEvent.objects.filter(petition__in=[p.pk for p in rows]).order_by("id"):
        events.setdefault(e.petition_id, []).append(e)
    now = timezone.now()
    limits: dict[tuple[str, str, str], int] = {}  # the deadline rules, read once
    for p in rows:
        said = problems.append
        steps = events.get(p.pk, [])
        if not steps or steps[0].action != Action.SUBMIT:
            said(f"{p.reference}: does not start with a submission")
            continue
        status, version, rnd = "", 1, 1
        last = p.created_at
        clock = Clock(p, said, limits)
        for e in steps:
            where = f"{p.reference} {e.action}"
            clock.step(e, status, where)
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
        clock.end(now)
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


# --- The deadline clock --------------------------------------------------------------

SLACK = timedelta(milliseconds=5)  # times go through floats and back
WATCH_EVERY = timedelta(minutes=1)  # the beat sweep's period


class Clock:
    """A request's deadline clock replayed from its events (workflow._start_stage,
    _start_clock, hold and resume; watch.petitions_deadline_sweep)."""

    def __init__(
        self, p: Petition, said: Callable[[str], None], limits: dict[tuple[str, str, str], int]
    ) -> None:
        self.p, self.said, self.limits = p, said, limits
        self.status = ""
        self.cycle = 0
        self.due = self.warn = p.created_at
        self.warned, self.breach = False, 0
        self.hold: datetime | None = None
        self.promised: datetime | None = None
        self.sign_by: datetime | None = None
        self.last = p.created_at

    def _stage(self, status: str) -> int:
        key = (status, "", self.p.priority)
        if key not in self.limits:
            self.limits[key] = stage_hours(status, self.p.priority)
        return self.limits[key]

    def _start(self, t: datetime, due: datetime, *, keep_hold: bool = False) -> None:
        self.cycle += 1
        self.due, self.warn = due, due - min((due - t) / 4, timedelta(hours=24))
        self.warned, self.breach = False, 0
        if not keep_hold:
            self.hold = None

    def _next_watch(self) -> tuple[datetime, int] | None:
        """When the sweep acts next on this clock, and at what level (0: warning)."""
        if self.status not in CLOCK_STATUSES or self.hold is not None:
            return None
        if not self.warned and self.breach == 0 and self.warn < self.due:
            return self.warn, 0
        if self.breach == 0:
            return self.due, 1
        if self.breach == 1:
            rung = min(max((self.due - self.warn) * 4, timedelta(hours=1)), SECOND_RUNG_AFTER)
            return self.due + rung, 2
        return None

    def _missed(self, until: datetime, where: str) -> None:
        watch = self._next_watch()
        # The sweep runs every minute: due a minute before, it would have acted.
        if watch and max(watch[0], self.last) + WATCH_EVERY < until:
            self.said(f"{where}: the watch missed level {watch[1]} due at {watch[0]}")

    def _same(self, when: datetime | str | None, expected: datetime | None) -> bool:
        if isinstance(when, str):
            when = datetime.fromisoformat(when)
        if when is None or expected is None:
            return when is expected
        return abs(when - expected) <= SLACK

    def step(self, e: PetitionEvent, before: str, where: str) -> None:
        p, t, said = self.p, e.created_at, self.said
        action, data = e.action, e.data or {}
        if action == Action.SUBMIT:
            self.status = Status.SUBMITTED
            self._start(t, p.accept_by)
            self.last = t
            return
        if action in (Action.DEADLINE_NEAR, Action.BREACH):
            watch = self._next_watch()
            level = int(data.get("level", 0))
            if watch is None or watch[1] != level or t + SLACK < watch[0]:
                said(f"{where}: level {level} at {t}, the watch says {watch}")
            elif not self._same(data.get("due"), self.due):
                said(f"{where}: due {data.get('due')}, the clock says {self.due}")
            if level:
                self.breach = level
            else:
                self.warned = True
            self.last = t
            return
        self._missed(t, where)
        move = MOVES[action]
        if move.public_text and not e.reason_public:
            said(f"{where}: a text the resident reads, kept from them")
        if not e.reason_public and e.public_note:
            said(f"{where}: an internal text on the resident's timeline")
        hours = (
            self.limits.setdefault(
                ("", p.category, p.priority), deadline_hours(p.category, p.priority)
            )
            if action == Action.ASSIGN
            else 0
        )
        if action == Action.ASSIGN:
            self._start(t, t + timedelta(hours=hours))
            self.promised = self.due
            if not self._same(data.get("due"), self.due):
                said(f"{where}: assigned due {data.get('due')}")
        elif action == Action.DISPATCH:
            # The dispatcher may promise another date than the rule's (a later one).
            promised = data.get("promised")
            self.promised = datetime.fromisoformat(promised) if promised else None
            if self.promised is None or self.promised <= t:
                said(f"{where}: promised {promised}")
            limit = t + timedelta(hours=self._stage(Status.DISPATCHED))
            self.sign_by = min(limit, self.promised or limit)
        elif action == Action.SIGN and self.hold is not None and self.sign_by is not None:
            self.sign_by += t - self.hold
        elif action == Action.HOLD:
            self.hold = t
        elif action == Action.RESUME and self.hold is not None:
            paused = t - self.hold
            self.due, self.warn = self.due + paused, self.warn + paused
            if self.promised is not None:
                self.promised += paused
            if self.status == Status.DISPATCHED and self.sign_by is not None:
                self.sign_by += paused
            self.hold = None
        self.status = e.to_status
        if e.to_status != before:
            due: datetime | None = None
            if e.to_status == Status.IN_PROGRESS and before in (
                Status.DISPATCHED,
                Status.REPLIED,
            ):
                due = self.promised
                self._start(t, due or t, keep_hold=before == Status.DISPATCHED)
            elif e.to_status == Status.DISPATCHED:
                due = self.sign_by
                self._start(t, due or t)
            elif e.to_status in STAGE_STATUSES:
                due = t + timedelta(hours=self._stage(e.to_status))
                self._start(t, due)
            if due is not None and not self._same(data.get("due"), due):
                said(f"{where}: the next desk due {data.get('due')}, its limit says {due}")
            if due is None and "due" in data and action != Action.ASSIGN:
                said(f"{where}: a deadline where no clock starts")
        if e.to_status not in HANDLING_STATUSES:
            self.hold = None
        self.last = t

    def end(self, now: datetime) -> None:
        p, said = self.p, self.said
        self._missed(now, p.reference)
        if p.deadline_cycle != self.cycle:
            said(f"{p.reference}: deadline cycle {p.deadline_cycle}, its events say {self.cycle}")
        if p.status in CLOCK_STATUSES and not (
            self._same(p.due_at, self.due)
            and self._same(p.warn_at, self.warn)
            and (p.warned, p.breach_level) == (self.warned, self.breach)
            and self._same(p.on_hold_since, self.hold)
        ):
            said(f"{p.reference}: its clock (due {p.due_at}), its events say {self.due}")
        if p.status in HANDLING_STATUSES and not self._same(p.promised_at, self.promised):
            said(f"{p.reference}: promised {p.promised_at}, its events say {self.promised}")
        if p.department_id and not self._same(p.sign_by, self.sign_by):
            said(f"{p.reference}: sign by {p.sign_by}, its events say {self.sign_by}")
