"""When each step of a demo request happens, and what the deadline watch adds.

``set_in_time`` dates a story's steps: old ones finished weeks ago, open ones
recent, overdue ones with their deadline really behind them, some filed
today; nothing before the sixty days of history, nothing after now. ``Clock``
follows a story as ``petition_move`` would (the handling deadline set on
assignment, or promised on dispatch and the clock once the department signs
for the order; paused on hold; each waiting desk's time limit, the
department's sign-for limit among them) and
``schedule`` adds the deadline watch's steps where the beat sweep would have
taken them: a warning before the deadline, a breach after it, the second rung
later. The clock's dates are the ones the
request is given in the end (see ``playback.retime``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from petitions.demo.stories import HOUR, Step, Story
from petitions.models import (
    CLOCK_STATUSES,
    HANDLING_STATUSES,
    MOVES,
    OPEN_STATUSES,
    STAGE_STATUSES,
    Action,
    Rating,
    Status,
)
from petitions.services import stage_hours
from petitions.services.watch import SECOND_RUNG_AFTER

S = Status
DAY = timedelta(days=1)
HISTORY = timedelta(days=60)
# The beat sweep runs every minute: the watch acts within a minute of its time.
WATCH_LAG = timedelta(seconds=30)
# How long ago an open request in this status last moved (hours).
RECENT: dict[str, tuple[float, float]] = {
    S.SUBMITTED: (0.3, 30),
    S.RETURNED: (3, 96),
    S.ACCEPTED: (1, 72),
    S.ESCALATED: (1, 48),
    S.REPLIED: (1, 48),
    S.RESOLVED: (2, 96),
    S.CALLED_BACK: (3, 150),  # under a week: the sweep would have closed it
}


def _rung_gap(hours: float) -> timedelta:
    """From the deadline to the watch's second rung (see watch._second_rung_at)."""
    window = min(timedelta(hours=hours) / 4, timedelta(hours=24)) * 4
    return min(max(window, HOUR), SECOND_RUNG_AFTER)


def set_in_time(
    story: Story,
    stop: str,
    flags: frozenset[str],
    *,
    now: datetime,
    today: datetime,
    rng: Random,
    hours: float,
) -> None:
    """Date the steps of a story that ends in ``stop`` (see outcomes.OUTCOMES)."""
    steps = story.steps
    clocks = [i for i, s in enumerate(steps) if s.action in (Action.ASSIGN, Action.DISPATCH)]
    late = "late1" in flags or "late2" in flags
    if stop == S.DISPATCHED:
        # A work order not yet signed for runs on the sign-for limit (see Clock).
        hours = min(hours, float(stage_hours(S.DISPATCHED, story.priority)))
    if "today" in flags:  # came in between midnight and now
        k, at = 0, today + (now - today) * rng.uniform(0.05, 0.6)
    elif late or stop in HANDLING_STATUSES:
        k = clocks[-1]
        if late:
            # The deadline passed less than the second rung's wait ago (late1:
            # one breach), or longer (late2: escalated to the second rung).
            rung = _rung_gap(hours)
            overdue = (
                rung * rng.uniform(0.15, 0.85)
                if "late1" in flags
                else rung + timedelta(hours=rng.uniform(3, 96))
            )
            at = now - timedelta(hours=hours) - overdue
        else:
            at = now - timedelta(hours=hours * rng.uniform(0.1, 0.75))
    elif stop in RECENT:
        k, at = len(steps) - 1, now - timedelta(hours=rng.uniform(*RECENT[stop]))
    else:
        # Closed, merged, withdrawn: any time in the last weeks.
        k, at = len(steps) - 1, now - timedelta(days=rng.uniform(1, 52))
    place_steps(steps, k, at, now, rng)


def place_steps(steps: list[Step], k: int, at: datetime, now: datetime, rng: Random) -> None:
    """Put step ``k`` at ``at``, the rest around it; nothing before the history
    starts, nothing after ``now`` (squeezing the steps after ``k`` if need be)."""
    # Both drawn every time, so that the random stream (and so the rest of the
    # demo) does not depend on the hour it is seeded at.
    later, squeeze = rng.uniform(0, 48), rng.uniform(0.4, 0.95)
    start = at - timedelta(hours=steps[k].offset)
    floor = now - HISTORY - 2 * DAY
    if start < floor:
        start = floor + timedelta(hours=later)
    times = [start + timedelta(hours=s.offset) for s in steps]
    # A minute before now; less just after midnight, for what came in today.
    cap = now - min(timedelta(minutes=1), (now - start) / 4)
    if times[-1] > cap:
        pivot = k if times[k] < cap else 0
        base, span = times[pivot], times[-1] - times[pivot]
        # The last step lands somewhere before now, not all of them a minute ago.
        end = base + (cap - base) * squeeze
        for i in range(pivot + 1, len(times)):
            times[i] = base + (times[i] - base) * ((end - base) / span)
    for step, when in zip(steps, times, strict=True):
        step.at = when


class Clock:
    """One request's deadline as ``petition_move`` keeps it, in planned time."""

    def __init__(self, story: Story, hours: float) -> None:
        self.story = story
        self.hours = hours
        self.status = ""
        self.created: datetime | None = None
        self.accept_by: datetime | None = None
        self.accepted: datetime | None = None
        self.sign_by: datetime | None = None
        self.signed: datetime | None = None
        self.due: datetime | None = None
        self.warn: datetime | None = None
        self.warned = False
        self.breach = 0
        self.hold: datetime | None = None
        self.promised: datetime | None = None
        self.resolved: datetime | None = None
        self.closed: datetime | None = None
        self.last: datetime | None = None

    def _start(self, t: datetime, hours: float) -> None:
        self._start_due(t, t + timedelta(hours=hours))

    def _start_due(self, t: datetime, due: datetime) -> None:
        """As workflow._start_clock: a new deadline, a new warning and ladder."""
        self.due = due
        self.warn = due - min((due - t) / 4, timedelta(hours=24))
        self.warned = False
        self.breach = 0
        self.hold = None

    def _desk(self, t: datetime, before: str) -> bool:
        """As workflow._start_stage: the desk's time limit on entering a waiting
        status (the sign-for limit for a work order), the promised date once the
        department signs or its reply is sent back. True if started."""
        if self.status == Status.IN_PROGRESS and before in (Status.DISPATCHED, Status.REPLIED):
            assert self.promised is not None
            hold = self.hold if before == Status.DISPATCHED else None
            self._start_due(t, self.promised)
            self.hold = hold  # signed for while on hold: still on hold
        elif self.status == Status.DISPATCHED and self.sign_by is not None:
            self._start_due(t, self.sign_by)
        elif self.status in STAGE_STATUSES:
            self._start(t, stage_hours(self.status, self.story.priority))
        else:
            return False
        return True

    def apply(self, step: Step) -> None:
        t, a = step.at, step.action
        priority = self.story.priority
        if a == Action.SUBMIT:
            self.created = t
            self.accept_by = t + timedelta(hours=stage_hours(Status.SUBMITTED, priority))
        elif a == Action.ACCEPT:
            self.accepted = t
        elif a == Action.ASSIGN:
            self._start(t, self.hours)
            self.promised = self.due
        elif a == Action.DISPATCH:
            # As workflow._dispatch: the promise now, the sign-for limit the clock.
            self.promised = t + timedelta(hours=step.fields.get("due_hours") or self.hours)
            limit = t + timedelta(hours=stage_hours(Status.DISPATCHED, priority))
            self.sign_by = min(limit, self.promised)
            self.signed = None
            step.promised = self.promised
        elif a == Action.SIGN:
            self.signed = t
            if self.hold is not None:
                assert self.sign_by is not None
                self.sign_by += t - self.hold
        elif a in (Action.RESOLVE, Action.APPROVE):
            self.resolved = t
        elif a == Action.RATE and step.fields["rating"] == Rating.UNSATISFIED:
            self.resolved = None
        elif a in (Action.RATE, Action.CLOSE_UNRATED, Action.WITHDRAW, Action.MERGE):
            self.closed = t
        elif a == Action.HOLD:
            self.hold = t
        elif a == Action.RESUME:
            assert self.hold is not None
            assert self.due is not None
            assert self.warn is not None
            step.paused = t - self.hold
            self.due += step.paused
            self.warn += step.paused
            if self.promised is not None:
                self.promised += step.paused
            if self.status == Status.DISPATCHED and self.sign_by is not None:
                self.sign_by += step.paused
            self.hold = None
        elif a == Action.DEADLINE_NEAR:
            self.warned = True
        elif a == Action.BREACH:
            self.breach = step.fields["level"]
        before, self.status = self.status, _after(step, self.status)
        started = self.status != before and self._desk(t, before) and a != Action.SUBMIT
        if self.status not in HANDLING_STATUSES:
            self.hold = None
        if started or a in (Action.ASSIGN, Action.DISPATCH, Action.DEADLINE_NEAR, Action.BREACH):
            step.due = self.due
        self.last = t

    def watch(self, until: datetime) -> list[Step]:
        """The sweep's steps from the last step up to ``until``, applied."""
        found = []
        while self.status in CLOCK_STATUSES and self.hold is None:
            assert self.due is not None
            assert self.warn is not None
            assert self.last is not None
            soonest = self.last + timedelta(seconds=1)
            near = max(self.warn + WATCH_LAG, soonest)
            if not self.warned and self.breach == 0 and near < self.due:
                step = Step(Action.DEADLINE_NEAR, None, at=near)
            elif self.breach == 0:
                at = max(self.due + WATCH_LAG, soonest)
                step = Step(Action.BREACH, None, at=at, fields={"level": 1})
            elif self.breach == 1:
                # As watch._second_rung_at.
                rung = min(max((self.due - self.warn) * 4, HOUR), SECOND_RUNG_AFTER)
                at = max(self.due + rung + WATCH_LAG, soonest)
                step = Step(Action.BREACH, None, at=at, fields={"level": 2})
            else:
                break
            if step.at >= until:
                break
            self.apply(step)
            found.append(step)
        return found


def _after(step: Step, status: str) -> str:
    """The status a step leads to (a rating chooses)."""
    if step.action == Action.SUBMIT:
        return S.SUBMITTED
    if step.action == Action.RATE:
        return S.ACCEPTED if step.fields["rating"] == Rating.UNSATISFIED else S.CLOSED
    targets = MOVES[step.action].targets
    return targets[0] if targets else status


def schedule(story: Story, hours: float, now: datetime) -> None:
    """Add the deadline watch's steps to a story set in time; keep its clock."""
    clock = Clock(story, hours)
    steps: list[Step] = []
    for step in story.steps:
        steps.extend(clock.watch(step.at))
        clock.apply(step)
        steps.append(step)
    steps.extend(clock.watch(now - timedelta(seconds=5)))
    story.steps = steps
    story.clock = clock


def open_until(story: Story, now: datetime) -> datetime:
    """When the request stopped being open (a merge needs an open original)."""
    status = ""
    for step in story.steps:
        status = _after(step, status)
        if status not in OPEN_STATUSES:
            return step.at
    return now
