"""The requests: each one's story along the state machine, played up to now, and written
in chunks with its events and the in-portal notices of its steps."""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import accumulate
from typing import Any

from django.db import transaction
from django.utils import timezone

from bench.district.places import CATEGORY_ZH, Desks, District, Grower, Place, person
from bench.district.rows import Table, next_id, progress, reset_sequences
from bench.district.sizes import YEARS
from community.models import (
    Notification,
)
from petitions.demo import texts
from petitions.models import (
    CLOCK_STATUSES,
    LEVEL_OF,
    MOVES,
    OPEN_STATUSES,
    Action,
    Channel,
    Desk,
    Petition,
    PetitionEvent,
    Priority,
    Rating,
    Status,
)
from petitions.services import RESPOND_WITHIN, deadline_hours
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
]
CHANNELS = [(Channel.ONLINE, 40), (Channel.WALK_IN, 25), (Channel.PHONE, 20), (Channel.PATROL, 15)]
CHANNEL_NAMES = [c for c, _w in CHANNELS]
CHANNEL_CUM = list(accumulate(w for _c, w in CHANNELS))
PATH_STEPS = [p for _w, p, *_rest in PATHS]
PRIORITY_SHARE = {Priority.URGENT: 0.08, Priority.COMPLEX: 0.07}
HOUR = 3600.0
DAY = 24 * HOUR
WATCH_LAG = 30.0
QUIET = {A.DEADLINE_NEAR, A.BREACH}
RESPOND = {k: v.total_seconds() for k, v in RESPOND_WITHIN.items()}
# Hours between a step and the one before it (uniform between the two).
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
    A.CALLBACK: (2, 48),
    A.RATE: (1, 72),
    "rate_unsatisfied": (1, 72),
}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat()


def _day(t: float) -> date:
    return timezone.localdate(datetime.fromtimestamp(t, UTC))


class Story:
    """One request's life, played from its submission up to now."""

    __slots__ = ("due", "events", "notices", "open_until", "p", "status", "warn", "warned")

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.notices: list[tuple[int, str, str, float, int]] = []  # recipient, kind, title, t, ev
        self.status = ""
        self.due = self.warn = 0.0
        self.warned = False
        self.open_until = float("inf")
        self.p: dict[str, Any] = {}


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
        # Recent requests per community that may take a merge: (id, reference, created, open until)
        self.recent: dict[int, deque[tuple[int, str, float, float]]] = {}
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
            "accept_by": t0 + RESPOND[priority],
            "created_at": t0,
            "version": 1,
            "round": 1,
            "deadline_cycle": 0,
            "breach_level": 0,
            "warned": False,
        }
        requester = None
        if channel == Channel.ONLINE:
            user_id, name, phone, resident_id = rng.choice(place.accounts)
            requester = user_id
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
        self._event(s, t0, A.SUBMIT, submit_actor, submit_desk, data={"channel": channel})
        if requester is not None:
            self._tell(s, worker, "petition.submit", self._new_title(p, number), t0)
        if path[0] == A.MERGE:
            path = self._merge_or_not(s, place, t0)
        t = t0
        for action in path:
            at = t + self._gap(action, hours, priority) * HOUR
            self._watch(s, min(at, self.now))
            if at >= self.now:
                break
            self._step(s, ctx, action, at)
            t = at
        else:
            self._watch(s, self.now)
        p["status"] = s.status
        p["updated_at"] = s.events[-1]["created_at"]
        if path and path[0] not in (A.MERGE, A.WITHDRAW) and s.status != Status.MERGED:
            q = self.recent.setdefault(place.community_id, deque(maxlen=40))
            q.append((pk, reference, t0, s.open_until))
        return s

    def _merge_or_not(self, s: Story, place: Place, t0: float) -> list[str]:
        """A duplicate merges into an earlier request of its community still open
        at the time; with none, it is handled as any other."""
        at = t0 + self.rng.uniform(0.5, 24) * HOUR
        for pk, reference, _created, open_until in reversed(
            self.recent.get(place.community_id, ())
        ):
            if open_until > at:
                s.p["_merge"] = (pk, reference)
                return [A.MERGE]
        return list(COMMUNITY_PATH)

    def _gap(self, action: str, hours: float, priority: str) -> float:
        """Hours from the previous step to this one."""
        u = self.rng.uniform
        if action in (A.RESOLVE, A.REPLY):
            late = self.rng.random() < 0.12
            return hours * (u(1.05, 1.8) if late else u(0.05, 0.9))
        if action in (A.ACCEPT, A.SIGN) and priority == Priority.URGENT:
            return u(0.05, 0.9)
        if action == A.CLOSE_UNRATED:
            return RATE_WITHIN.total_seconds() / HOUR + u(0, 0.02)
        return u(*GAPS.get(action, (1, 24)))

    def _event(
        self,
        s: Story,
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
        before = s.status
        after = to or (Status.SUBMITTED if action == A.SUBMIT else before)
        s.status = after
        p = s.p
        if action != A.SUBMIT and action not in QUIET:
            p["version"] += 1
        pk = self.next_event
        self.next_event += 1
        s.events.append(
            {
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
                "public_note": note,
                "data": data or {},
                "public": MOVES[action].public if action in MOVES else True,
                "created_at": t,
            }
        )
        # The first time it left the open statuses: a merge takes only an
        # original that has been open all along (a reopened one was not, between).
        if after not in OPEN_STATUSES and s.open_until == float("inf"):
            s.open_until = t
        return pk

    def _start_clock(self, s: Story, t: float, hours: float) -> None:
        p = s.p
        s.due = t + hours * HOUR
        s.warn = s.due - min(hours * HOUR / 4, DAY)
        s.warned = False
        p.update(due_at=s.due, warn_at=s.warn, warned=False, breach_level=0)
        p["deadline_cycle"] += 1

    def _watch(self, s: Story, until: float) -> None:
        """The beat sweep's warning and breaches while the clock runs (watch.py)."""
        p = s.p
        while s.status in CLOCK_STATUSES:
            last = s.events[-1]["created_at"] + 1
            if not s.warned and p["breach_level"] == 0 and max(s.warn + WATCH_LAG, last) < s.due:
                at, level = max(s.warn + WATCH_LAG, last), 0
            elif p["breach_level"] == 0:
                at, level = max(s.due + WATCH_LAG, last), 1
            elif p["breach_level"] == 1:
                rung = min(max((s.due - s.warn) * 4, HOUR), SECOND_RUNG_AFTER.total_seconds())
                at, level = max(s.due + rung + WATCH_LAG, last), 2
            else:
                return
            if at >= until:
                return
            data: dict[str, Any] = {"due": _iso(s.due)}
            if level:
                data = {"level": level, **data}
                p["breach_level"] = level
                self._event(s, at, A.BREACH, None, Desk.SYSTEM, data=data)
                secretary = s.p["_ctx_secretary"] if "_ctx_secretary" in p else None
                if secretary:
                    title = f"诉求 {p['reference']} 已超期"
                    self._tell(s, secretary, "petition.breach", title, at)
            else:
                s.warned = True
                p["warned"] = True
                self._event(s, at, A.DEADLINE_NEAR, None, Desk.SYSTEM, data=data)

    def _step(self, s: Story, c: _Ctx, action: str, t: float) -> None:
        p, rng = s.p, self.rng
        p["_ctx_secretary"] = c.place.secretary
        S = Status
        if action == A.ACCEPT:
            p.update(accepted_at=t, accepted_by_id=c.worker)
            self._event(s, t, action, c.worker, Desk.GRID, to=S.ACCEPTED)
            if c.requester:
                title = f"您的诉求“{p['description'][:20]}”已被网格员受理"
                self._tell(s, c.requester, "petition.accept", title, t)
        elif action == A.RETURN:
            self._event(
                s, t, action, c.worker, Desk.GRID, to=S.RETURNED, reason=rng.choice(texts.RETURN)
            )
        elif action == A.AMEND:
            note = c.fill(texts.AMEND)
            p["description"] = f"{p['description']}\n{note}"
            self._event(s, t, action, c.requester, Desk.REQUESTER, to=S.SUBMITTED)
        elif action == A.WITHDRAW:
            p["closed_at"] = t
            reason = rng.choice(texts.WITHDRAW)
            self._event(s, t, action, c.requester, Desk.REQUESTER, to=S.WITHDRAWN, reason=reason)
        elif action == A.MERGE:
            original, reference = p.pop("_merge")
            p.update(merged_into_id=original, closed_at=t)
            self._event(
                s, t, action, c.worker, Desk.GRID, to=S.MERGED, data={"original": reference}
            )
        elif action == A.ASSIGN:
            p["assignee_id"] = c.worker
            self._start_clock(s, t, c.hours)
            data: dict[str, Any] = {
                "assignee": self.d.names.get(c.worker, ""),
                "due": _iso(s.due),
            }
            self._event(
                s, t, action, c.place.secretary, Desk.COMMUNITY, to=S.IN_COMMUNITY, data=data
            )
        elif action == A.ESCALATE:
            reason = texts.ESCALATE.get(c.matter.dept, texts.ESCALATE["city"])
            self._event(
                s, t, action, c.place.secretary, Desk.COMMUNITY, to=S.ESCALATED, reason=reason
            )
        elif action == A.STREET_RETURN:
            reason = rng.choice(texts.STREET_RETURN)
            self._event(
                s, t, action, c.street.dispatcher, Desk.STREET, to=S.ACCEPTED, reason=reason
            )
        elif action == A.DISPATCH:
            dept = c.department
            assert dept is not None
            p.update(department_id=dept, signed_at=None, sign_by=t + RESPOND[p["priority"]])
            self._start_clock(s, t, c.hours)
            data = {"department": c.street.department_name[dept], "due": _iso(s.due)}
            self._event(s, t, action, c.street.dispatcher, Desk.STREET, to=S.DISPATCHED, data=data)
            handler = c.street.handler_of.get(dept)
            if handler:
                title = f"新工单 {p['reference']}：{CATEGORY_ZH[p['category']]}"
                self._tell(s, handler, "petition.dispatch", title, t)
        elif action == A.SIGN:
            p["signed_at"] = t
            self._event(s, t, action, c.handler, Desk.DEPARTMENT, to=S.IN_PROGRESS)
        elif action == A.DECLINE:
            reason = texts.DECLINE.format(other="其他部门")
            self._event(s, t, action, c.handler, Desk.DEPARTMENT, to=S.ESCALATED, reason=reason)
        elif action == A.REPLY:
            result = c.fill(c.matter.department) or "已处理完毕。"
            p["result"] = result
            self._event(
                s, t, action, c.handler, Desk.DEPARTMENT, to=S.REPLIED, data={"result": result}
            )
        elif action == A.APPROVE:
            p["resolved_at"] = t
            self._event(s, t, action, c.street.dispatcher, Desk.STREET, to=S.RESOLVED)
            self._resolved_notice(s, c, t)
        elif action == A.RESOLVE:
            result = c.fill(c.matter.community) or "已处理完毕。"
            if p["round"] > 1:
                result = texts.ROUND_TWO + result
            p.update(result=result, resolved_at=t)
            self._event(
                s, t, action, c.worker, Desk.ASSIGNEE, to=S.RESOLVED, data={"result": result}
            )
            self._resolved_notice(s, c, t)
        elif action == A.CALLBACK:
            said = c.matter.callback or "问题已解决。"
            note = rng.choice(texts.CALLBACK).format(name=p["requester_name"], said=said)
            self._event(s, t, action, c.worker, Desk.GRID, to=S.CALLED_BACK, note=note)
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
                self._event(s, t, A.RATE, actor, desk, to=S.ACCEPTED, data=data)
            else:
                p["closed_at"] = t
                self._event(s, t, A.RATE, actor, desk, to=S.CLOSED, data=data)
        elif action == A.CLOSE_UNRATED:
            p["closed_at"] = t
            self._event(s, t, action, None, Desk.SYSTEM, to=S.CLOSED)
        else:  # pragma: no cover - a path names a move this player does not know
            raise ValueError(action)

    @staticmethod
    def _tell(s: Story, recipient: int, kind: str, title: str, t: float) -> None:
        """An in-portal notice of the step just taken (the service skips the actor)."""
        if recipient != s.events[-1]["actor_id"]:
            s.notices.append((recipient, kind, title, t, s.events[-1]["id"]))

    def _resolved_notice(self, s: Story, c: _Ctx, t: float) -> None:
        if c.requester:
            title = f"您的诉求“{s.p['description'][:20]}”已办结"
            self._tell(s, c.requester, "petition.resolve", title, t)

    @staticmethod
    def _new_title(p: dict[str, Any], number: int) -> str:
        return f"新诉求 {p['reference']}：{CATEGORY_ZH[p['category']]} · {number}号楼"

    def _notices(self, stories: list[Story]) -> Iterator[dict[str, Any]]:
        """In-portal notices of the steps (read within hours, unless very recent)."""
        for s in stories:
            s.p.pop("_ctx_secretary", None)
            pk = s.p["id"]
            for recipient, kind, title, t, event in s.notices:
                nid = self.next_notice
                self.next_notice += 1
                read = t + 3 * HOUR
                yield {
                    "id": nid,
                    "recipient_id": recipient,
                    "kind": kind,
                    "channel": "in_app",
                    "title": title[:200],
                    "body": s.p["description"][:200],
                    "link": f"/requests/{pk}/",
                    "dedupe_key": f"petition:{pk}:event:{event}:{recipient}:in_app",
                    "status": "sent",
                    "created_at": t,
                    "next_attempt_at": t,
                    "sent_at": t,
                    "read_at": read if read < self.now else None,
                }


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
