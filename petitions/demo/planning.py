"""The whole demo, planned: the seed examples, then every outcome of ``OUTCOMES``."""

from __future__ import annotations

from datetime import datetime
from random import Random

from django.utils import timezone

from petitions.demo.examples import examples
from petitions.demo.outcomes import MERGED, OUTCOMES, duplicate, matter_for, story_at, walk
from petitions.demo.stories import HOUR, Story, Walk
from petitions.demo.timing import open_until, schedule, set_in_time
from petitions.demo.world import World
from petitions.models import Action, Status


def plan(world: World, rng: Random, now: datetime, scale: float = 1.0) -> list[Story]:
    """Every demo request's story, set in time: the examples first.

    ``scale`` shrinks the bulk of the history (never below one of each outcome).
    """
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    stories = examples(world, rng, now)
    yujing, jinghang = world.places
    turn = 0
    fresh: set[int] = set()  # came in today: too young to have duplicates
    for outcome in OUTCOMES:
        for _ in range(max(1, round(outcome.count * scale))):
            n = len(stories)
            # Three in four in 御景花园, the larger community.
            place = jinghang if n % 4 == 3 else yujing
            matter = matter_for(rng, outcome, turn)
            if outcome.stop in (Status.DISPATCHED, Status.IN_PROGRESS, Status.REPLIED):
                turn += 1
            online = "online" in outcome.flags or rng.random() < 0.3
            hazard = "hazard" in outcome.flags
            story = story_at(n, world, rng, place, matter, online=online, hazard=hazard)
            w = Walk(story, world, rng)
            walk(w, outcome)
            set_in_time(
                story, outcome.stop, outcome.flags, now=now, today=today, rng=rng, hours=w.hours
            )
            schedule(story, w.hours, now)
            stories.append(story)
            if "today" in outcome.flags:
                fresh.add(n)
    # Duplicates, merged while the first report was still open.
    candidates = [
        s
        for s in stories
        if s.original is None
        and any(step.action == Action.ACCEPT for step in s.steps)
        and open_until(s, now) - s.steps[0].at > 12 * HOUR
        and s.n not in fresh
    ]
    for _ in range(max(1, round(MERGED * scale))):
        stories.append(duplicate(len(stories), world, rng, rng.choice(candidates), now))
    return stories
