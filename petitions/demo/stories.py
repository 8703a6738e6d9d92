"""A demo request's story: its steps, and the walk that appends them.

A story is a list of steps, the first one the submission, each with the
person who takes it and when (in hours after the request came in, while
planning; a date once ``timing`` has set the story in time). ``Walk`` appends
the moves of the road with believable gaps between them: a grid worker
accepts within the day, mostly; a department works a share of its deadline,
now and then past it. ``outcomes`` decides which moves a story gets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import TYPE_CHECKING, Any

from community.models import Department, User
from grids.models import Building, BuildingUnit, Resident
from petitions.demo import texts
from petitions.demo.texts import Matter
from petitions.demo.world import Place, World
from petitions.models import Action, Channel, Petition, Priority, Rating
from petitions.services import RESPOND_WITHIN

if TYPE_CHECKING:
    from petitions.demo.timing import Clock

HOUR = timedelta(hours=1)
NAMESPACE = uuid.UUID("1b0e4e2c-3c55-4f7e-9a51-7d3a2b6c2026")
ORIGINAL = "original"  # stands for the request a duplicate is merged into


def token(n: int) -> uuid.UUID:
    """The n-th demo request's intake token: the same on every run."""
    return uuid.uuid5(NAMESPACE, f"petition-{n}")


@dataclass
class Step:
    action: str
    actor: User | None  # None: the deadline watch
    offset: float = 0.0  # hours after the request came in, while planning
    reason: str = ""
    note: str = ""
    photo: str = ""  # a name in petitions.demo.photos
    fields: dict[str, Any] = field(default_factory=dict)
    # Set by scheduling: when it happens, the deadline as it stood after it
    # (and, for a dispatch, the handling deadline promised).
    at: datetime = datetime.min
    due: datetime | None = None
    promised: datetime | None = None
    paused: timedelta | None = None


@dataclass
class Story:
    n: int
    place: Place
    building: Building
    matter: Matter
    category: str
    priority: str
    channel: str
    filer: User
    requester: User | None  # the account that rates; None: rated by phone
    resident: Resident | None
    name: str  # who asked, as written on the request
    phone: str
    b: int
    u: int
    f: int
    description: str = ""
    photo: str = ""
    hazard_kind: str = ""
    steps: list[Step] = field(default_factory=list)
    original: Story | None = None
    petition: Petition | None = None
    clock: Clock | None = None

    @property
    def unit(self) -> BuildingUnit | None:
        return self.place.units.get((self.building.pk, self.u))

    def fill(self, template: str) -> str:
        return template.format(b=self.b, u=self.u, f=self.f)


# --- The road, one move at a time ------------------------------------------------------


class Walk:
    """Appends a story's steps with believable gaps (in hours) between them."""

    def __init__(self, story: Story, world: World, rng: Random) -> None:
        self.s, self.world, self.rng = story, world, rng
        self.t = 0.0
        self.clock = 0.0  # when the running deadline started
        self.hours = float(world.hours(story.category, story.priority))
        self.urgent = story.priority == Priority.URGENT
        self.worker = story.place.worker_of[story.building.grid_id]
        self.secretary = story.place.secretary
        self.assignee = self.worker
        self.department: Department | None = None
        self.second_round = False
        self.caller = self.worker
        self.held_by = self.worker
        story.steps.append(Step(Action.SUBMIT, story.filer))

    def add(self, gap: float, action: str, actor: User | None, **kwargs: Any) -> Step:
        self.t += max(gap, 0.01 if self.urgent else 0.05)
        step = Step(action, actor, self.t, **kwargs)
        self.s.steps.append(step)
        return step

    def quick(self, low: float, high: float) -> float:
        return self.rng.uniform(low, high) * (0.04 if self.urgent else 1.0)

    def respond(self) -> float:
        """Accept or sign: mostly in time, one in ten late."""
        limit = RESPOND_WITHIN[self.s.priority] / HOUR
        late = self.rng.random() < 0.1
        return limit * (self.rng.uniform(1.1, 1.8) if late else self.rng.uniform(0.02, 0.6))

    def work(self, late: bool = False) -> float:
        """Finish the work: a share of the deadline, past it if late."""
        share = self.rng.uniform(1.05, 1.5) if late else self.rng.uniform(0.1, 0.8)
        return max(self.clock + share * self.hours - self.t, self.quick(0.2, 2))

    def staff(self) -> User:
        return self.worker if self.rng.random() < 0.8 else self.secretary

    def handler(self) -> User:
        assert self.department is not None
        return self.world.handlers[self.department.pk]

    def dispatcher(self) -> User:
        return self.world.lead if self.rng.random() < 0.15 else self.world.dispatcher

    # Intake and the grid.
    def ret(self) -> None:
        self.add(
            self.quick(0.3, 8), Action.RETURN, self.staff(), reason=self.rng.choice(texts.RETURN)
        )

    def amend(self) -> None:
        more = f"{self.s.description}\n{self.s.fill(texts.AMEND)}"
        self.add(self.quick(1, 30), Action.AMEND, self.s.requester, fields={"description": more})

    def accept(self) -> None:
        who = self.worker if self.rng.random() < 0.9 else self.secretary
        self.add(self.respond(), Action.ACCEPT, who)

    def withdraw(self) -> None:
        reason = self.rng.choice(texts.WITHDRAW)
        self.add(self.quick(1, 40), Action.WITHDRAW, self.s.requester, reason=reason)

    def merge(self) -> None:
        self.add(self.quick(0.2, 6), Action.MERGE, self.staff(), fields={ORIGINAL: True})

    # The community.
    def assign(self, who: User | None = None, gap: float | None = None) -> None:
        if who is None:
            roll = self.rng.random()
            place = self.s.place
            who = self.worker if roll < 0.6 else self.secretary
            if roll > 0.85:
                who = self.rng.choice(place.workers)
        self.assignee = who
        gap = self.quick(0.5, 20) if gap is None else gap
        self.add(gap, Action.ASSIGN, self.secretary, fields={"assignee": who})
        self.clock = self.t

    def resolve(self, late: bool = False) -> None:
        text = self.s.fill(self.s.matter.community)
        if self.second_round:
            text = texts.ROUND_TWO + text
        who = self.assignee if self.rng.random() < 0.85 else self.secretary
        self.add(self.work(late), Action.RESOLVE, who, fields={"result": text})

    def hold(self, department: bool) -> None:
        actor = self.handler() if department else self.assignee
        reasons = texts.HOLD_DEPARTMENT if department else texts.HOLD_COMMUNITY
        gap = self.rng.uniform(0.05, 0.3) * self.hours
        self.add(gap, Action.HOLD, actor, reason=self.rng.choice(reasons))
        self.held_by = actor

    def resume(self) -> None:
        note = self.rng.choice(texts.RESUME)
        self.add(self.quick(4, 72), Action.RESUME, self.held_by, note=note)

    def escalate(self, key: str) -> None:
        self.add(self.quick(0.5, 20), Action.ESCALATE, self.secretary, reason=texts.ESCALATE[key])

    # The street and its departments.
    def street_return(self) -> None:
        reason = self.rng.choice(texts.STREET_RETURN)
        self.add(self.quick(1, 20), Action.STREET_RETURN, self.dispatcher(), reason=reason)

    def dispatch(self, department: Department, due_hours: float | None = None) -> None:
        self.department = department
        fields: dict[str, Any] = {"department": department}
        if due_hours is not None:
            fields["due_hours"] = due_hours
        self.add(self.quick(0.3, 20), Action.DISPATCH, self.dispatcher(), fields=fields)
        self.clock = self.t
        self.hours = due_hours or float(self.world.hours(self.s.category, self.s.priority))

    def decline(self, other: Department) -> None:
        reason = texts.DECLINE.format(other=other.name)
        self.add(self.respond(), Action.DECLINE, self.handler(), reason=reason)

    def sign(self) -> None:
        self.add(self.respond(), Action.SIGN, self.handler())

    def reply(self, late: bool = False) -> None:
        text = self.s.fill(self.s.matter.department)
        if self.second_round:
            text = texts.ROUND_TWO + text
        self.add(self.work(late), Action.REPLY, self.handler(), fields={"result": text})

    def send_back(self) -> None:
        reason = self.rng.choice(texts.SEND_BACK)
        self.add(self.quick(1, 20), Action.SEND_BACK, self.dispatcher(), reason=reason)

    def approve(self) -> None:
        self.add(self.quick(0.5, 20), Action.APPROVE, self.dispatcher())

    # Closing the loop.
    def callback(self, said: str = "") -> None:
        self.caller = self.staff()
        said = said or self.s.fill(self.s.matter.callback)
        found = self.s.channel in (Channel.PATROL, Channel.HAZARD)
        name = f"{self.s.b}号楼居民" if found else self.s.name
        note = self.rng.choice(texts.CALLBACK).format(name=name, said=said)
        self.add(self.quick(2, 40), Action.CALLBACK, self.caller, note=note)

    def rate(self, rating: str) -> None:
        # Residents with a login rate themselves; for the others whoever
        # called back writes down what they said on the phone.
        who = self.s.requester or self.caller
        fields = {"rating": rating, "comment": self.rng.choice(texts.COMMENTS[rating])}
        self.add(self.quick(0.5, 60), Action.RATE, who, fields=fields)
        if rating == Rating.UNSATISFIED:
            self.second_round = True

    def close_unrated(self) -> None:
        # The sweep closes a request whose resident did not rate within a week.
        self.add(7 * 24 + self.rng.uniform(0.02, 0.5), Action.CLOSE_UNRATED, None)
