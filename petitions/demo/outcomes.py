"""Which road each demo request takes, and where it stops.

``OUTCOMES`` lists how many requests end in each status, and how they got
there: handled in the community or sent up to the street and a department,
reopened by an unsatisfied resident, declined by a department, sent back by
the street, put on hold, overdue. ``story_at`` picks the place, the matter
and who asked; ``walk`` goes along the road up to the outcome's status;
``duplicate`` has a neighbour report the same matter while it is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random

from community.models import User
from grids.models import Building, Resident
from petitions.demo.stories import HOUR, Story, Walk
from petitions.demo.texts import MATTERS, Matter
from petitions.demo.timing import open_until, schedule
from petitions.demo.world import Place, World
from petitions.models import Category, Channel, Priority, Rating, Status

S = Status


@dataclass(frozen=True)
class Outcome:
    road: str  # "community", "street", or "" (never gets past the grid)
    stop: str  # the status it ends in
    count: int
    flags: frozenset[str] = frozenset()


def _o(road: str, stop: str, count: int, *flags: str) -> Outcome:
    return Outcome(road, stop, count, frozenset(flags))


CLOSED = S.CLOSED
OUTCOMES = [
    # The bulk: closed over the last two months, most of them satisfied.
    _o("community", CLOSED, 88),
    _o("street", CLOSED, 62),
    _o("community", CLOSED, 5, "reopen"),
    _o("street", CLOSED, 3, "reopen"),
    _o("community", CLOSED, 6, "unrated"),
    _o("street", CLOSED, 4, "unrated"),
    _o("street", CLOSED, 4, "street_return"),
    # Open, at every desk.
    _o("", S.SUBMITTED, 9),
    _o("", S.RETURNED, 5, "online"),
    _o("community", S.ACCEPTED, 6),
    _o("community", S.ACCEPTED, 4, "reopen"),
    _o("street", S.ACCEPTED, 1, "street_return"),
    _o("community", S.IN_COMMUNITY, 7),
    _o("community", S.IN_COMMUNITY, 3, "late1"),
    _o("community", S.IN_COMMUNITY, 2, "late2"),
    _o("community", S.IN_COMMUNITY, 2, "hold"),
    _o("street", S.ESCALATED, 5),
    _o("street", S.ESCALATED, 2, "decline"),
    _o("street", S.DISPATCHED, 4),
    _o("street", S.DISPATCHED, 2, "late1"),
    _o("street", S.DISPATCHED, 1, "late2"),
    _o("street", S.IN_PROGRESS, 7),
    _o("street", S.IN_PROGRESS, 3, "late1"),
    _o("street", S.IN_PROGRESS, 3, "late2"),
    _o("street", S.IN_PROGRESS, 3, "hold"),
    _o("street", S.IN_PROGRESS, 2, "send_back"),
    _o("street", S.REPLIED, 6),
    _o("community", S.RESOLVED, 5),
    _o("street", S.RESOLVED, 3),
    _o("community", S.CALLED_BACK, 5),
    _o("street", S.CALLED_BACK, 3),
    _o("", S.WITHDRAWN, 6, "online"),
    # Patrol findings turned into requests (hazard_to_petition).
    _o("street", S.IN_PROGRESS, 2, "hazard"),
    _o("street", S.ESCALATED, 1, "hazard"),
    _o("community", S.IN_COMMUNITY, 1, "hazard"),
    # Today's sheet.
    _o("", S.SUBMITTED, 4, "today"),
    _o("community", S.ACCEPTED, 2, "today"),
    _o("community", S.IN_COMMUNITY, 1, "today"),
    _o("street", S.ESCALATED, 1, "today"),
]
MERGED = 8  # duplicates merged into other open requests
# Work orders still with a department go to these in turn, so that every
# handler (城管 most) has some.
DEPARTMENT_TURNS = ["city", "property", "city", "power", "housing", "city", "police", "property"]
# How requests reach the grid when not filed online.
CHANNELS: tuple[str, ...] = (Channel.WALK_IN, Channel.PHONE, Channel.PATROL)


def walk(w: Walk, outcome: Outcome) -> None:
    """Append the moves of the outcome's road, up to its status."""
    s, rng, stop, flags = w.s, w.rng, outcome.stop, outcome.flags
    closed = stop == CLOSED
    if stop == S.WITHDRAWN:
        if rng.random() < 0.4:
            w.accept()
        w.withdraw()
        return
    if stop == S.RETURNED:
        w.ret()
        return
    if s.requester is not None and "today" not in flags and rng.random() < 0.06:
        w.ret()
        w.amend()
    if stop == S.SUBMITTED:
        return
    w.accept()
    road = outcome.road
    if "reopen" in flags:
        _round(w, road, Rating.UNSATISFIED)
        if stop == S.ACCEPTED:
            return
    if "street_return" in flags:
        w.escalate(s.matter.dept)
        w.street_return()
        road = "community"
    if stop == S.ACCEPTED:
        return
    _road(w, road, stop, flags, closed)


def _rating(rng: Random) -> str:
    return Rating.SATISFIED if rng.random() < 0.76 else Rating.BASIC


def _round(w: Walk, road: str, rating: str) -> None:
    """One whole round, ending with the resident's rating."""
    if road == "community":
        w.assign()
        w.resolve()
    else:
        w.escalate(w.s.matter.dept)
        w.dispatch(w.world.department(w.s.matter.dept, w.s.place))
        w.sign()
        w.reply()
        w.approve()
    said = "问题又出现了，不太满意。" if rating == Rating.UNSATISFIED else ""
    w.callback(said)
    w.rate(rating)


def _road(w: Walk, road: str, stop: str, flags: frozenset[str], closed: bool) -> None:
    rng = w.rng
    held = "hold" in flags
    if road == "community":
        w.assign()
        if held or (closed and rng.random() < 0.06):
            w.hold(department=False)
            if stop == S.IN_COMMUNITY and held:
                return
            w.resume()
        if stop == S.IN_COMMUNITY:
            return
        w.resolve(late=closed and rng.random() < 0.08)
    else:
        key = w.s.matter.dept
        w.escalate(key)
        declined = "decline" in flags or (closed and rng.random() < 0.05)
        if stop == S.ESCALATED and not declined:
            return
        place = w.s.place
        first = w.world.department(key, place)
        w.dispatch(first)
        if declined:
            other = w.world.department("property" if key == "city" else "city", place)
            w.decline(other)
            if stop == S.ESCALATED:
                return
            w.dispatch(other)
        if stop == S.DISPATCHED:
            return
        w.sign()
        if held or (closed and rng.random() < 0.06):
            w.hold(department=True)
            if stop == S.IN_PROGRESS and held:
                return
            w.resume()
        sent_back = "send_back" in flags or (closed and rng.random() < 0.05)
        if stop == S.IN_PROGRESS and not sent_back:
            return
        w.reply(late=closed and rng.random() < 0.08)
        if sent_back:
            w.send_back()
            if stop == S.IN_PROGRESS:
                return
            w.reply()
        if stop == S.REPLIED:
            return
        w.approve()
    if stop == S.RESOLVED:
        return
    w.callback()
    if stop == S.CALLED_BACK:
        return
    if "unrated" in flags:
        w.close_unrated()
        return
    w.rate(_rating(rng))


# --- Where, who, what ------------------------------------------------------------------


def story_at(
    n: int,
    world: World,
    rng: Random,
    place: Place,
    matter: Matter,
    *,
    online: bool,
    hazard: bool = False,
    building: Building | None = None,
    channels: tuple[str, ...] = CHANNELS,
) -> Story:
    """A new request at ``place``: online by a resident with a login, or taken
    down by the grid worker (or the secretary) for a resident, or found on patrol."""
    channel = Channel.HAZARD if hazard else rng.choice(channels)
    requester: User | None = None
    resident: Resident | None = None
    if online and not hazard and place.accounts:
        channel = Channel.ONLINE
        homes = [a for a in place.accounts if building is None or a[1] == building]
        if homes:
            # jumin (the first) files more than her share: her desk shows something.
            account, home = homes[0] if rng.random() < 0.15 else rng.choice(homes)
            requester, building = account, home
        else:
            channel = rng.choice(CHANNELS[:2])
    if building is None:
        building = rng.choice(place.buildings)
    worker = place.worker_of[building.grid_id]
    filer = requester or (worker if rng.random() < 0.8 else place.secretary)
    if channel in (Channel.WALK_IN, Channel.PHONE):
        neighbours = place.residents.get(building.pk) or []
        resident = rng.choice(neighbours) if neighbours else None
    if requester is not None:
        name = requester.name
    elif resident is not None:
        name = resident.name
    elif channel in (Channel.PATROL, Channel.HAZARD):
        name = worker.name
        filer = worker
    else:
        name = "居民"
    floors = building.floors or 6
    story = Story(
        n=n,
        place=place,
        building=building,
        matter=matter,
        category=Category.SAFETY if hazard else matter.category,
        priority=matter.priority,
        channel=channel,
        filer=filer,
        requester=requester,
        resident=resident,
        name=name,
        phone="",
        b=building.number,
        u=rng.randint(1, 2),
        f=rng.randint(2, floors),
        hazard_kind=matter.hazard if hazard else "",
    )
    story.description = story.fill(rng.choice(matter.texts))
    return story


def matter_for(rng: Random, outcome: Outcome, turn: int) -> Matter:
    """A matter that fits the road (one the community can handle, or one a
    department can); the department's turn for orders still being worked."""
    if "hazard" in outcome.flags:
        pool = [m for m in MATTERS if m.hazard and m.priority == Priority.NORMAL]
    elif outcome.road == "street" or "street_return" in outcome.flags:
        pool = [m for m in MATTERS if m.dept]
        if outcome.stop in (S.DISPATCHED, S.IN_PROGRESS, S.REPLIED):
            key = DEPARTMENT_TURNS[turn % len(DEPARTMENT_TURNS)]
            pool = [m for m in pool if m.dept == key]
        if "street_return" in outcome.flags:
            pool = [m for m in pool if m.community]
    elif outcome.road == "community":
        pool = [m for m in MATTERS if m.community]
    else:
        pool = MATTERS
    if "late1" in outcome.flags or "late2" in outcome.flags or "hold" in outcome.flags:
        # Keep the two-hour urgent safety deadline out of the long stories.
        pool = [m for m in pool if m.priority != Priority.URGENT] or pool
    return rng.choice(pool)


# --- Duplicates -----------------------------------------------------------------------


def duplicate(
    n: int, world: World, rng: Random, original: Story, now: datetime, text: str = ""
) -> Story:
    """Someone else reports the same matter while the first request is open."""
    online = any(a[1] == original.building for a in original.place.accounts)
    dup = story_at(
        n,
        world,
        rng,
        original.place,
        original.matter,
        online=online and rng.random() < 0.5,
        building=original.building,
        channels=CHANNELS[:2],  # a neighbour, not the grid's own patrol
    )
    dup.category, dup.priority = original.category, original.priority
    others = [t for t in original.matter.texts if dup.fill(t) != original.description]
    dup.description = text or (
        dup.fill(others[0]) if others else "又有居民反映：" + original.description
    )
    dup.original = original
    w = Walk(dup, world, rng)
    if rng.random() < 0.5:
        w.accept()
    w.merge()
    begin, end = original.steps[0].at, open_until(original, now)
    first = begin + (end - begin) * rng.uniform(0.05, 0.5)
    # Merged within hours as a rule; squeezed if the original closes sooner.
    room = (end - first) * 0.9 / HOUR
    squeeze = min(1.0, room / dup.steps[-1].offset)
    for step in dup.steps:
        step.at = first + timedelta(hours=step.offset * squeeze)
    schedule(dup, w.hours, now)
    return dup
