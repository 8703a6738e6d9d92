"""The requests: each one's story along the state machine, played up to now, and written
in chunks with its events and the in-portal notices of its steps.

The player does what ``petition_move`` and the deadline watch would write, without
calling them (a million requests in minutes): each move's fields and event data
(``workflow.APPLY``), the deadline clock of every desk (``workflow._start_stage``:
a new cycle on entering a waiting desk, the handling deadline on assignment, the
sign-for limit on dispatch and the promised deadline once signed for or sent
back), pauses on hold, the sweep's warning and breach rungs (``watch``), the
texts that stay with staff unless shared (``Move.public_text``), and the
messages of each step to the people ``notices.NOTICES`` names, in their words.
``tests/petitions/test_district.py`` replays grown stories through the services
and compares what they write.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from bench.district.places import Desks, District, Grower, Place, person
from bench.district.rows import Table, next_id, progress, reset_sequences
from bench.district.sizes import YEARS
from community.models import Community, Notification
from petitions.demo import texts
from petitions.models import (
    CLOCK_STATUSES,
    HANDLING_STATUSES,
    LEVEL_OF,
    MOVES,
    OPEN_STATUSES,
    STAGE_STATUSES,
    Action,
    Category,
    Channel,
    Desk,
    Level,
    Petition,
    PetitionEvent,
    Priority,
    Rating,
    Status,
)
from petitions.services import deadline_hours, desks, notices, stage_hours
from petitions.services.notices import LADDER, NOTICES, REOPENED, short_title
from petitions.services.watch import RATE_WITHIN, SECOND_RUNG_AFTER

# --- The requests --------------------------------------------------------------------

A = Action
COMMUNITY_PATH: list[str] = [A.ACCEPT, A.ASSIGN, A.RESOLVE, A.CALLBACK, A.RATE]
STREET_PATH: list[str] = [
    A.ACCEPT,
    A.ESCALATE,
    A.DISPATCH,
    A.SIGN,
    A.REPLY,
    A.APPROVE,
    A.CALLBACK,
    A.RATE,
]
# (weight, path, needs a requester account, goes to the street)
PATHS: list[tuple[float, list[str], bool, bool]] = [
    (55, COMMUNITY_PATH, False, False),
    (25, STREET_PATH, False, True),
    (7, [A.ACCEPT, A.ASSIGN, A.RESOLVE, A.CALLBACK, A.CLOSE_UNRATED], False, False),
    (3, [*COMMUNITY_PATH[:-1], "rate_unsatisfied", *COMMUNITY_PATH[1:]], False, False),
    (3, [A.RETURN, A.AMEND, *COMMUNITY_PATH], True, False),
    (2, [A.WITHDRAW], True, False),
    (1, [A.ACCEPT, A.WITHDRAW], True, False),
    (2, [A.MERGE], False, False),
    (2, [A.ACCEPT, A.ESCALATE, A.STREET_RETURN, *COMMUNITY_PATH[1:]], False, True),
    (2, [*STREET_PATH[:3], A.DECLINE, *STREET_PATH[2:]], False, True),
    # Paused on hold while handled (the clock stands still), and a reply the
    # street sent back (worked again against the promised deadline).
    (2, [*COMMUNITY_PATH[:2], A.HOLD, A.RESUME, *COMMUNITY_PATH[2:]], False, False),
    (2, [*STREET_PATH[:4], A.HOLD, A.RESUME, *STREET_PATH[4:]], False, True),
    (2, [*STREET_PATH[:5], A.SEND_BACK, *STREET_PATH[4:]], False, True),
]
CHANNELS = [(Channel.ONLINE, 40), (Channel.WALK_IN, 25), (Channel.PHONE, 20), (Channel.PATROL, 15)]
CHANNEL_NAMES = [c for c, _w in CHANNELS]
CHANNEL_CUM = list(accumulate(w for _c, w in CHANNELS))
PATH_STEPS = [p for _w, p, *_rest in PATHS]
PRIORITY_SHARE = {Priority.URGENT: 0.08, Priority.COMPLEX: 0.07}
HOUR = 3600.0
DAY = 24 * HOUR
# The beat sweep runs every minute: the watch acts within a minute of its time.
WATCH_LAG = 30.0
# Moves that keep the version (workflow._QUIET).
QUIET = {A.DEADLINE_NEAR, A.BREACH, A.URGE}
SECOND_RUNG = SECOND_RUNG_AFTER.total_seconds()
# Hours between a step and the one before it (uniform between the two). A step a
# waiting desk takes is scaled to the desk's limit where that is under a day
# (an urgent request is accepted within the hour), see Requests._gap.
GAPS: dict[str, tuple[float, float]] = {
    A.ACCEPT: (0.2, 20),
    A.SIGN: (0.1, 20),
    A.RETURN: (0.5, 12),
    A.AMEND: (2, 48),
    A.WITHDRAW: (1, 48),
    A.MERGE: (0.5, 24),
    A.ASSIGN: (0.3, 12),
    A.ESCALATE: (1, 24),
    A.STREET_RETURN: (1, 24),
    A.DISPATCH: (0.5, 12),
    A.DECLINE: (1, 20),
    A.APPROVE: (1, 24),
    A.SEND_BACK: (1, 20),
    A.RESUME: (4, 72),
    A.CALLBACK: (2, 48),
    A.RATE: (1, 72),
    "rate_unsatisfied": (1, 72),
}
# Moves by the requester or the sweep: no desk limit hurries them.
UNHURRIED = {A.AMEND, A.WITHDRAW, A.RATE, "rate_unsatisfied", A.CLOSE_UNRATED}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def _day(t: float) -> date:
    return timezone.localdate(datetime.fromtimestamp(t, UTC))


# Who each of notices.NOTICES' audiences is, by the ids the player keeps (a new
# audience there fails here at once, rather than growing fewer messages).
AUDIENCES: dict[Callable[..., Any], str] = {
    desks.requesters: "requesters",
    desks.grid_workers: "grid_workers",
    desks.secretaries: "secretaries",
    desks.dispatchers: "dispatchers",
    desks.street_leads: "street_leads",
    desks.handlers: "handlers",
    desks.assignee: "assignee",
    notices.holders: "holders",
    notices._first_rung: "first_rung",
    notices._second_rung: "second_rung",
    notices._hold_audience: "hold",
}
Said = list[tuple[str, str, str]]  # (audience, title, body) in the district's language


def _said(rows: list[tuple[Any, Any, Any]]) -> Said:
    return [(AUDIENCES[who], str(title), str(body)) for who, title, body in rows]


class Story:
    """One request's life, played from its submission up to now."""

    __slots__ = (
        "due",
        "events",
        "heard",
        "hold",
        "notices",
        "open_until",
        "original",
        "p",
        "requesters",
        "status",
        "warn",
    )

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        # recipient, kind, title, body, time, event id, request id
        self.notices: list[tuple[int, str, str, str, float, int, int]] = []
        # What its requesters were told, for a later duplicate's requester, who
        # hears of it too once merged (desks.requesters): time, event id, actor,
        # who was told, kind, title, body.
        self.heard: list[tuple[float, int, int | None, set[int], str, str, str]] = []
        self.requesters: list[int] = []
        self.status = ""
        self.due = self.warn = 0.0
        self.hold: float | None = None
        self.open_until = float("inf")
        self.original = ""
        self.p: dict[str, Any] = {}


class _Params(dict[str, str]):
    """A message's parameters (notices._params), worked out when a text names them."""

    def __init__(self, fill: Callable[[str], str]) -> None:
        super().__init__()
        self.fill = fill

    def __missing__(self, key: str) -> str:
        value = self[key] = self.fill(key)
        return value


class Requests:
    """Plans, plays and writes the requests, in chunks of a few thousand."""

    CHUNK = 5_000

    def __init__(self, grower: Grower, district: District) -> None:
        self.g = grower
        self.d = district
        self.rng = grower.rng
        self.now = grower.now.timestamp()
        self.petitions = Table(Petition)
        self.events = Table(PetitionEvent)
        self.notifications = Table(Notification)
        self.next_event = next_id(PetitionEvent)
        self.next_notice = next_id(Notification)
        # Recent requests per community that may take a merge:
        # (id, reference, created, open until, story)
        self.recent: dict[int, deque[tuple[int, str, float, float, Story]]] = {}
        self.matters = texts.MATTERS
        self.path_cum: dict[tuple[int, bool], list[float]] = {}
        demo = [p for p in district.places if p.is_demo]
        others = [p for p in district.places if not p.is_demo]
        share = self.g.demo_share if others and demo else (1.0 if demo else 0.0)
        self.demo, self.others, self.share = demo, others, share
        # Within the demo communities, by their buildings (御景花园 has more).
        self.demo_cum = list(accumulate(len(p.buildings) for p in demo))
        for key in {(m.category, m.priority) for m in self.matters} | {
            (m.category, p) for m in self.matters for p in Priority.values
        }:
            self.d.hours[key] = deadline_hours(*key)
        # Each waiting desk's limit (hours), the admin's StageLimit rows included.
        self.stage: dict[tuple[str, str], int] = {
            (s, p): stage_hours(s, p) for s in STAGE_STATUSES for p in Priority.values
        }
        # The messages, rendered as notify() renders them for a reader of the
        # default language (the district's accounts have no other).
        self.tz = ZoneInfo(settings.TIME_ZONE)
        with translation.override(settings.LANGUAGE_CODE):
            self.said = {action: _said(rows) for action, rows in NOTICES.items()}
            self.reopened = _said(REOPENED)
            self.ladder = {level: _said(rows) for level, rows in LADDER.items()}
            self.category_label = {c.value: str(c.label) for c in Category}
            self.desk_label = {d.value: str(d.label) for d in Desk}
        self.community_name = dict(Community.objects.values_list("pk", "name"))

    def run(self, n: int) -> tuple[int, int, int]:
        rng = self.rng
        start = self.now - YEARS * 365 * DAY
        # Arrival times: uniform over the years, most in the daytime.
        span = self.now - start - HOUR
        times = sorted(_daytime(start + rng.random() * span, rng, self.now) for _ in range(n))
        first = next_id(Petition)
        counts = [0, 0, 0]
        with progress(n, "requests") as bar:
            for i in range(0, n, self.CHUNK):
                stories = [
                    self.play(first + i + k, t) for k, t in enumerate(times[i : i + self.CHUNK])
                ]
                with transaction.atomic():
                    counts[0] += self.petitions.write(s.p for s in stories)
                    counts[1] += self.events.write(e for s in stories for e in s.events)
                    counts[2] += self.notifications.write(self._notices(stories))
                bar.update(len(stories))
        reset_sequences([Petition, PetitionEvent, Notification])
        return counts[0], counts[1], counts[2]

    # --- One request ----------------------------------------------------------------

    def _place(self) -> Place:
        rng = self.rng
        if self.demo and (not self.others or rng.random() < self.share):
            return rng.choices(self.demo, cum_weights=self.demo_cum)[0]
        return rng.choice(self.others)

    def _paths(self, matter: texts.Matter, channel: str) -> list[float]:
        """The paths' cumulative weights for a matter and channel (kept: asked a million times)."""
        key = (id(matter), channel == Channel.ONLINE)
        if key not in self.path_cum:
            weights = [
                0
                if (needs_account and channel != Channel.ONLINE)
                or (street and not matter.dept)
                or (not street and not matter.community)
                else w
                for w, _p, needs_account, street in PATHS
            ]
            self.path_cum[key] = list(accumulate(weights))
        return self.path_cum[key]

    def play(self, pk: int, t0: float) -> Story:
        rng, d = self.rng, self.d
        place = self._place()
        building_id, number, grid_id, units = rng.choice(place.buildings)
        worker = place.worker_of[grid_id]
        matter = rng.choice(self.matters)
        priority = matter.priority
        if priority == Priority.NORMAL:
            r = rng.random()
            if r < PRIORITY_SHARE[Priority.URGENT]:
                priority = Priority.URGENT
            elif r < PRIORITY_SHARE[Priority.URGENT] + PRIORITY_SHARE[Priority.COMPLEX]:
                priority = Priority.COMPLEX
        channel = rng.choices(CHANNEL_NAMES, cum_weights=CHANNEL_CUM)[0]
        if channel == Channel.ONLINE and not place.accounts:
            channel = Channel.WALK_IN
        path = list(rng.choices(PATH_STEPS, cum_weights=self._paths(matter, channel))[0])
        unit = rng.choice(units) if units and rng.random() < 0.7 else None
        u = 1 if unit is None else units.index(unit) + 1
        text = rng.choice(matter.texts).format_map(_Fill(b=number, u=u, f=rng.randint(1, 11)))
        reference = f"{_day(t0):%Y%m%d}-{pk:05d}"
        s = Story()
        # The grid's sign-for limit: the first desk clock (intake._file).
        limit = self.stage[(Status.SUBMITTED, priority)] * HOUR
        s.due = t0 + limit
        s.warn = s.due - min(limit / 4, DAY)
        p = s.p = {
            "id": pk,
            "reference": reference,
            "category": matter.category,
            "priority": priority,
            "description": text,
            "channel": channel,
            "building_id": building_id,
            "unit_id": unit,
            "grid_id": grid_id,
            "community_id": place.community_id,
            "client_token": uuid.UUID(int=rng.getrandbits(128), version=4),
            "accept_by": s.due,
            "due_at": s.due,
            "warn_at": s.warn,
            "created_at": t0,
            "version": 1,
            "round": 1,
            "deadline_cycle": 1,
            "breach_level": 0,
            "warned": False,
        }
        requester = None
        if channel == Channel.ONLINE:
            user_id, name, phone, resident_id = rng.choice(place.accounts)
            requester = user_id
            s.requesters.append(user_id)
            p.update(
                requester_id=user_id,
                resident_id=resident_id,
                requester_name=name,
                requester_phone=phone,
                recorded_by_id=user_id,
            )
            submit_actor, submit_desk = user_id, Desk.REQUESTER
        else:
            people = place.residents.get(building_id)
            if people and rng.random() < 0.85:
                resident_id, name, phone = rng.choice(people)
                p.update(resident_id=resident_id, requester_name=name, requester_phone=phone)
            else:
                p.update(requester_name=person(rng), requester_phone=self.g.phone())
            p["recorded_by_id"] = worker
            submit_actor, submit_desk = worker, Desk.GRID
        street = d.streets[place.street_id]
        department = place.departments.get(matter.dept) if matter.dept else None
        hours = d.hours[(matter.category, priority)]
        ctx = _Ctx(place, street, worker, requester, department, matter, hours, number, u)
        self._event(s, ctx, t0, A.SUBMIT, submit_actor, submit_desk, data={"channel": channel})
        if path[0] == A.MERGE:
            path = self._merge_or_not(s, place, t0)
        t = t0
        for action in path:
            at = t + self._gap(s, action, hours, priority) * HOUR
            self._watch(s, ctx, min(at, self.now))
            if at >= self.now:
                break
            self._step(s, ctx, action, at)
            t = at
        else:
            self._watch(s, ctx, self.now)
        p["status"] = s.status
        p["updated_at"] = s.events[-1]["created_at"]
        if path and path[0] not in (A.MERGE, A.WITHDRAW) and s.status != Status.MERGED:
            q = self.recent.setdefault(place.community_id, deque(maxlen=40))
            q.append((pk, reference, t0, s.open_until, s))
        return s

    def _merge_or_not(self, s: Story, place: Place, t0: float) -> list[str]:
        """A duplicate merges into an earlier request of its community still open
        at the time; with none, it is handled as any other."""
        at = t0 + self.rng.uniform(0.5, 24) * HOUR
        for pk, reference, _created, open_until, original in reversed(
            self.recent.get(place.community_id, ())
        ):
            if open_until > at:
                s.p["_merge"] = (pk, reference, original)
                return [A.MERGE]
        return list(COMMUNITY_PATH)

    def _gap(self, s: Story, action: str, hours: float, priority: str) -> float:
        """Hours from the previous step to this one."""
        u = self.rng.uniform
        if action in (A.RESOLVE, A.REPLY):
            late = self.rng.random() < 0.12
            return hours * (u(1.05, 1.8) if late else u(0.05, 0.9))
        if action == A.HOLD:
            return hours * u(0.05, 0.3)
        if action == A.CLOSE_UNRATED:
            return RATE_WITHIN.total_seconds() / HOUR + u(0, 0.02)
        low, high = GAPS.get(action, (1, 24))
        if s.status in STAGE_STATUSES and action not in UNHURRIED:
            scale = min(1.0, self.stage[(s.status, priority)] / 24)
            low, high = low * scale, high * scale
        return u(low, high)

    # --- What petition_move writes ------------------------------------------------------

    def _event(
        self,
        s: Story,
        c: _Ctx,
        t: float,
        action: str,
        actor: int | None,
        desk: str,
        *,
        to: str = "",
        reason: str = "",
        note: str = "",
        data: dict[str, Any] | None = None,
    ) -> int:
        """The move's common part (workflow.petition_step, after the move's own
        function): the status, the next desk's clock, the version, the event,
        its messages."""
        before = s.status
        after = to or (Status.SUBMITTED if action == A.SUBMIT else before)
        data = data if data is not None else {}
        s.status = after
        p = s.p
        if after != before and action != A.SUBMIT:
            self._start_stage(s, t, before, after, data)
        if after not in HANDLING_STATUSES:
            s.hold = None  # the clock stops when the work leaves the desk
            p["on_hold_since"] = None
        if action != A.SUBMIT and action not in QUIET:
            p["version"] += 1
        move = MOVES.get(action)
        # The text of a move about the handling stays with staff (nobody ticks "share").
        shown = move is None or bool(move.public_text)
        pk = self.next_event
        self.next_event += 1
        event = {
            "id": pk,
            "petition_id": p["id"],
            "action": action,
            "actor_id": actor,
            "desk": desk,
            "from_status": before,
            "to_status": after,
            "level": LEVEL_OF[after],
            "round": p["round"],
            "reason": reason,
            "reason_public": shown,
            "public_note": note if shown else "",
            "internal_note": "" if shown else note,
            "data": data,
            "public": move.public if move is not None else True,
            "created_at": t,
        }
        s.events.append(event)
        # The first time it left the open statuses: a merge takes only an
        # original that has been open all along (a reopened one was not, between).
        if after not in OPEN_STATUSES and s.open_until == float("inf"):
            s.open_until = t
        self._tell(s, c, event)
        return pk

    def _start_stage(
        self, s: Story, t: float, before: str, after: str, data: dict[str, Any]
    ) -> None:
        """As workflow._start_stage: the waiting desk's limit (a work order's is
        its sign-for limit), or the promised deadline once the department signs
        for the order or its reply is sent back."""
        p = s.p
        keep_hold = False
        if after == Status.IN_PROGRESS and before in (Status.DISPATCHED, Status.REPLIED):
            due = p.get("promised_at")
            if due is None:
                due = t + self.d.hours[(p["category"], p["priority"])] * HOUR
            keep_hold = before == Status.DISPATCHED
        elif after == Status.DISPATCHED and p.get("sign_by") is not None:
            due = p["sign_by"]
        elif after in STAGE_STATUSES:
            due = t + self.stage[(after, p["priority"])] * HOUR
        else:
            return
        self._start_clock(s, t, due, keep_hold=keep_hold)
        data["due"] = _iso(due)

    def _start_clock(self, s: Story, t: float, due: float, *, keep_hold: bool = False) -> None:
        """As workflow._start_clock: a new deadline, a new cycle of one warning
        and one breach per level."""
        p = s.p
        s.due = due
        s.warn = due - min((due - t) / 4, DAY)
        p.update(due_at=s.due, warn_at=s.warn, warned=False, breach_level=0)
        p["deadline_cycle"] += 1
        if not keep_hold:
            s.hold = None
            p.update(on_hold_since=None, hold_reason="")

    def _watch(self, s: Story, c: _Ctx, until: float) -> None:
        """The beat sweep's warning and breaches while the clock runs (watch.py)."""
        p = s.p
        while s.status in CLOCK_STATUSES and s.hold is None:
            last = s.events[-1]["created_at"] + 1
            near = max(s.warn + WATCH_LAG, last)
            if not p["warned"] and p["breach_level"] == 0 and near < s.due:
                at, level = near, 0
            elif p["breach_level"] == 0:
                at, level = max(s.due + WATCH_LAG, last), 1
            elif p["breach_level"] == 1:
                rung = min(max((s.due - s.warn) * 4, HOUR), SECOND_RUNG)
                at, level = max(s.due + rung + WATCH_LAG, last), 2
            else:
                return
            if at >= until:
                return
            if level:
                p["breach_level"] = level
                data: dict[str, Any] = {"level": level, "due": _iso(s.due)}
                self._event(s, c, at, A.BREACH, None, Desk.SYSTEM, data=data)
            else:
                p["warned"] = True
                self._event(s, c, at, A.DEADLINE_NEAR, None, Desk.SYSTEM, data={"due": _iso(s.due)})

    def _step(self, s: Story, c: _Ctx, action: str, t: float) -> None:
        """One move's own part (workflow.APPLY), then its common part (_event)."""
        p, rng = s.p, self.rng
        S = Status
        if action == A.ACCEPT:
            p.update(accepted_at=t, accepted_by_id=c.worker)
            self._event(s, c, t, action, c.worker, Desk.GRID, to=S.ACCEPTED)
        elif action == A.RETURN:
            reason = rng.choice(texts.RETURN)
            self._event(s, c, t, action, c.worker, Desk.GRID, to=S.RETURNED, reason=reason)
        elif action == A.AMEND:
            note = c.fill(texts.AMEND)
            p["description"] = f"{p['description']}\n{note}"
            self._event(s, c, t, action, c.requester, Desk.REQUESTER, to=S.SUBMITTED)
        elif action == A.WITHDRAW:
            p["closed_at"] = t
            reason = rng.choice(texts.WITHDRAW)
            self._event(s, c, t, action, c.requester, Desk.REQUESTER, to=S.WITHDRAWN, reason=reason)
        elif action == A.MERGE:
            original, reference, story = p.pop("_merge")
            p.update(merged_into_id=original, closed_at=t)
            s.original = reference
            data = {"original": reference}
            self._event(s, c, t, action, c.worker, Desk.GRID, to=S.MERGED, data=data)
            if c.requester is not None:
                self._heard_since(s, story, c.requester, t, original)
        elif action == A.ASSIGN:
            p["assignee_id"] = c.worker
            # The handling deadline: the desk's clock and the date promised.
            self._start_clock(s, t, t + c.hours * HOUR)
            p["promised_at"] = s.due
            data = {"assignee": self.d.names.get(c.worker, ""), "due": _iso(s.due)}
            self._event(
                s, c, t, action, c.place.secretary, Desk.COMMUNITY, to=S.IN_COMMUNITY, data=data
            )
        elif action == A.ESCALATE:
            reason = texts.ESCALATE.get(c.matter.dept, texts.ESCALATE["city"])
            self._event(
                s, c, t, action, c.place.secretary, Desk.COMMUNITY, to=S.ESCALATED, reason=reason
            )
        elif action == A.STREET_RETURN:
            reason = rng.choice(texts.STREET_RETURN)
            self._event(
                s, c, t, action, c.street.dispatcher, Desk.STREET, to=S.ACCEPTED, reason=reason
            )
        elif action == A.DISPATCH:
            dept = c.department
            assert dept is not None
            # The handling deadline is promised now; the clock is the sign-for
            # limit (capped by the promise) until the department signs.
            promised = t + c.hours * HOUR
            limit = t + self.stage[(S.DISPATCHED, p["priority"])] * HOUR
            p.update(
                department_id=dept,
                signed_at=None,
                sign_by=min(limit, promised),
                promised_at=promised,
            )
            data = {"department": c.street.department_name[dept], "promised": _iso(promised)}
            self._event(
                s, c, t, action, c.street.dispatcher, Desk.STREET, to=S.DISPATCHED, data=data
            )
        elif action == A.SIGN:
            p["signed_at"] = t
            if s.hold is not None:
                p["sign_by"] += t - s.hold
            self._event(s, c, t, action, c.handler, Desk.DEPARTMENT, to=S.IN_PROGRESS)
        elif action == A.DECLINE:
            reason = texts.DECLINE.format(other="其他部门")
            self._event(s, c, t, action, c.handler, Desk.DEPARTMENT, to=S.ESCALATED, reason=reason)
        elif action == A.REPLY:
            result = c.fill(c.matter.department) or "已处理完毕。"
            if p["round"] > 1 or any(e["action"] == A.SEND_BACK for e in s.events):
                result = texts.ROUND_TWO + result
            p["result"] = result
            data = {"result": result}
            self._event(s, c, t, action, c.handler, Desk.DEPARTMENT, to=S.REPLIED, data=data)
        elif action == A.SEND_BACK:
            reason = rng.choice(texts.SEND_BACK)
            self._event(
                s, c, t, action, c.street.dispatcher, Desk.STREET, to=S.IN_PROGRESS, reason=reason
            )
        elif action == A.APPROVE:
            p["resolved_at"] = t
            self._event(s, c, t, action, c.street.dispatcher, Desk.STREET, to=S.RESOLVED)
        elif action == A.RESOLVE:
            result = c.fill(c.matter.community) or "已处理完毕。"
            if p["round"] > 1:
                result = texts.ROUND_TWO + result
            p.update(result=result, resolved_at=t)
            data = {"result": result}
            self._event(s, c, t, action, c.worker, Desk.ASSIGNEE, to=S.RESOLVED, data=data)
        elif action == A.HOLD:
            # Whoever works it: the community's assignee, or the department.
            department = LEVEL_OF[s.status] == Level.DEPARTMENT
            actor, desk = (c.handler, Desk.DEPARTMENT) if department else (c.worker, Desk.ASSIGNEE)
            reason = rng.choice(texts.HOLD_DEPARTMENT if department else texts.HOLD_COMMUNITY)
            s.hold = t
            p.update(on_hold_since=t, hold_reason=reason)
            self._event(s, c, t, action, actor, desk, reason=reason)
        elif action == A.RESUME:
            department = LEVEL_OF[s.status] == Level.DEPARTMENT
            actor, desk = (c.handler, Desk.DEPARTMENT) if department else (c.worker, Desk.ASSIGNEE)
            assert s.hold is not None
            # The clock stood still while on hold: the deadlines move by the pause.
            paused = t - s.hold
            s.due += paused
            s.warn += paused
            p.update(due_at=s.due, warn_at=s.warn)
            if p.get("promised_at") is not None:
                p["promised_at"] += paused
            if s.status == S.DISPATCHED and p.get("sign_by") is not None:
                p["sign_by"] += paused
            s.hold = None
            p.update(on_hold_since=None, hold_reason="")
            data = {"paused_minutes": int(paused // 60)}
            note = rng.choice(texts.RESUME)
            self._event(s, c, t, action, actor, desk, note=note, data=data)
        elif action == A.CALLBACK:
            said = c.matter.callback or "问题已解决。"
            note = rng.choice(texts.CALLBACK).format(name=p["requester_name"], said=said)
            self._event(s, c, t, action, c.worker, Desk.GRID, to=S.CALLED_BACK, note=note)
        elif action in (A.RATE, "rate_unsatisfied"):
            if action == A.RATE:
                rating = Rating.SATISFIED if rng.random() < 0.8 else Rating.BASIC
            else:
                rating = Rating.UNSATISFIED
            comment = rng.choice(texts.COMMENTS[rating])
            by_phone = c.requester is None
            actor, desk = (c.worker, Desk.GRID) if by_phone else (c.requester, Desk.REQUESTER)
            p.update(rating=rating, rating_comment=comment)
            data = {"rating": rating, "by_phone": by_phone}
            if rating == Rating.UNSATISFIED:
                p["round"] += 1
                p.update(resolved_at=None, assignee_id=None)
                self._event(s, c, t, A.RATE, actor, desk, to=S.ACCEPTED, data=data)
            else:
                p["closed_at"] = t
                self._event(s, c, t, A.RATE, actor, desk, to=S.CLOSED, data=data)
        elif action == A.CLOSE_UNRATED:
            p["closed_at"] = t
            self._event(s, c, t, action, None, Desk.SYSTEM, to=S.CLOSED)
        else:  # pragma: no cover - a path names a move this player does not know
            raise ValueError(action)

    # --- Who hears of it (notices.notify_event) -------------------------------------------

    def _tell(self, s: Story, c: _Ctx, event: dict[str, Any]) -> None:
        """The in-portal messages of the step just taken: each audience of
        notices.NOTICES (or the rating's, or the breach's rung) in turn, everyone
        once, never the actor. (The district's accounts have no e-mail and its
        units no group bot: no other channel.)"""
        action = event["action"]
        if action == A.RATE:
            said = self.reopened if event["to_status"] == Status.ACCEPTED else []
        elif action == A.BREACH:
            said = self.ladder.get(event["data"]["level"], [])
        else:
            said = self.said.get(action, [])
        if not said:
            return
        actor, t, pk = event["actor_id"], event["created_at"], s.p["id"]
        kind = f"petition.{action}"
        params = _Params(lambda key: self._param(s, c, event, key))
        told: set[int] = set()
        for audience, title, body in said:
            rendered: tuple[str, str] | None = None
            for who in self._audience(s, c, audience):
                if who in told or (actor and who == actor):
                    continue
                told.add(who)
                if rendered is None:
                    rendered = ((title % params)[:200], body % params)
                    if audience == "requesters":
                        s.heard.append((t, event["id"], actor, told, kind, *rendered))
                s.notices.append((who, kind, *rendered, t, event["id"], pk))

    def _heard_since(self, s: Story, original: Story, requester: int, t: float, pk: int) -> None:
        """A duplicate's requester hears what the original's requesters hear from
        the merge on (desks.requesters): the original's messages written after
        it, to them too (written with the duplicate: the original's are already)."""
        for at, event, actor, told, kind, title, body in original.heard:
            if at > t and requester not in told and requester != actor:
                told.add(requester)
                s.notices.append((requester, kind, title, body, at, event, pk))

    def _audience(self, s: Story, c: _Ctx, audience: str) -> list[int]:
        """The people of one audience of notices.NOTICES (services.desks), after the move."""
        p, status = s.p, s.status
        if audience == "requesters":
            return s.requesters
        if audience == "grid_workers":
            return [c.worker]
        if audience == "secretaries":
            return [c.place.secretary]
        if audience == "dispatchers":
            return [c.street.dispatcher]
        if audience == "street_leads":
            return [c.street.lead] if c.street.lead else []
        if audience == "handlers":
            handler = c.street.handler_of.get(p.get("department_id") or 0)
            return [handler] if handler else []
        if audience == "assignee":
            return [p["assignee_id"]] if p.get("assignee_id") else []
        if audience == "holders":
            return self._holders(s, c)
        community_side = status in notices.COMMUNITY_SIDE
        if audience == "first_rung":
            first = c.place.secretary if community_side else c.street.dispatcher
            return [first, *self._holders(s, c)]
        if audience == "second_rung":
            if community_side:
                return [c.street.dispatcher]
            return [c.street.lead] if c.street.lead else []
        if audience == "hold":
            department = LEVEL_OF[status] == Level.DEPARTMENT
            return [c.street.dispatcher] if department else [c.place.secretary]
        raise ValueError(audience)  # pragma: no cover - see AUDIENCES

    def _holders(self, s: Story, c: _Ctx) -> list[int]:
        """notices.holders: the desk the request waits at now."""
        status = s.status
        if status in (Status.SUBMITTED, Status.RESOLVED):
            return [c.worker]
        if status == Status.ACCEPTED:
            return [c.place.secretary]
        if status == Status.IN_COMMUNITY:
            return [s.p["assignee_id"]] if s.p.get("assignee_id") else [c.place.secretary]
        if status in (Status.ESCALATED, Status.REPLIED):
            return [c.street.dispatcher]
        if status in (Status.DISPATCHED, Status.IN_PROGRESS):
            return self._audience(s, c, "handlers")
        return []

    def _param(self, s: Story, c: _Ctx, event: dict[str, Any], key: str) -> str:
        """One of notices._params, as str() makes it."""
        p = s.p
        if key == "reference":
            return str(p["reference"])
        if key == "short":
            return short_title(p["description"])
        if key == "category":
            return self.category_label[p["category"]]
        if key == "building":
            return c.place.building_name[p["building_id"]]
        if key == "community":
            return c.place.name
        if key == "department":
            dept = p.get("department_id")
            return c.street.department_name[dept] if dept else ""
        if key in ("description", "result"):
            return str(p.get(key) or "")[:300]
        if key == "reason":
            return str(event["reason"])
        if key == "comment":
            return str(p.get("rating_comment") or "")
        if key == "actor":
            actor = event["actor_id"]
            if actor is None:
                return ""
            if actor == p.get("requester_id"):
                return str(p["requester_name"])
            return self.d.names.get(actor, "")
        if key == "role":
            return self.desk_label[event["desk"]]
        if key == "original":
            return s.original
        if key in ("due", "promised"):
            when = p.get("due_at" if key == "due" else "promised_at")
            return "" if when is None else f"{datetime.fromtimestamp(when, self.tz):%Y-%m-%d %H:%M}"
        raise KeyError(key)

    def _notices(self, stories: list[Story]) -> Iterator[dict[str, Any]]:
        """In-portal notices of the steps (read within hours, unless very recent)."""
        for s in stories:
            for recipient, kind, title, body, t, event, pk in s.notices:
                nid = self.next_notice
                self.next_notice += 1
                read = t + 3 * HOUR
                yield {
                    "id": nid,
                    "recipient_id": recipient,
                    "kind": kind,
                    "channel": "in_app",
                    "title": title,
                    "body": body,
                    "link": f"/requests/{pk}/",
                    "dedupe_key": f"petition:{pk}:event:{event}:{recipient}:in_app",
                    "status": "sent",
                    "created_at": t,
                    "next_attempt_at": t,
                    "sent_at": t,
                    "read_at": read if read < self.now else None,
                }
            s.notices.clear()


@dataclass
class _Ctx:
    place: Place
    street: Desks
    worker: int
    requester: int | None
    department: int | None
    matter: texts.Matter
    hours: int
    number: int
    unit: int

    def fill(self, text: str) -> str:
        return text.format_map(_Fill(b=self.number, u=self.unit, f=self.number % 11 + 1))

    @property
    def handler(self) -> int | None:
        return self.street.handler_of.get(self.department) if self.department else None


class _Fill(dict[str, Any]):
    """The demo texts' placeholders ({b} building, {u} unit, {f} floor); others blank."""

    def __missing__(self, key: str) -> str:
        return ""


def _daytime(t: float, rng: random.Random, now: float) -> float:
    """Most requests come in between 7:00 and 21:00 Beijing time.

    Both numbers are drawn every time, so that the random stream (and so every
    request's story) does not depend on the hour the district is grown at.
    """
    stays, hour_drawn = rng.random() < 0.1, rng.uniform(7, 21)
    hour = ((t + 8 * HOUR) % DAY) / HOUR
    if 7 <= hour < 21 or stays:
        return t
    return min(t - hour * HOUR + hour_drawn * HOUR, now - 60)
